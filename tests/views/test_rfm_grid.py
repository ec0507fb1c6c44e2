"""The RFM grid: every scored buyer in exactly one cell, with the cell's spend."""

from __future__ import annotations

import pytest

from segmint.exceptions import SegmintError
from segmint.features import stored_dates
from segmint.insight.members import features_as_of
from segmint.mart import Mart
from segmint.segmentation.rfm import rfm_scores
from segmint.views.rfm_grid import BINS, rfm_grid


@pytest.mark.parametrize("bins", [BINS, 3])
def test_cells_cover_every_buyer_once_with_their_spend(mart: Mart, bins: int) -> None:
    day = stored_dates(mart)[-1]
    grid = rfm_grid(mart, day, bins)
    features = features_as_of(mart, day).execute()
    buyers = features[features.frequency > 0]
    assert int(grid.customers.sum()) == len(buyers)
    assert grid.customers.dtype == "int64"
    assert grid.monetary_total.sum() == pytest.approx(buyers.monetary_total.sum())
    assert grid.r_score.between(1, bins).all() and grid.f_score.between(1, bins).all()
    assert not grid.duplicated(["r_score", "f_score"]).any()
    keys = list(zip(grid.r_score, grid.f_score, strict=True))
    assert keys == sorted(keys)
    means = grid.monetary_total / grid.customers
    assert grid.monetary_mean.to_numpy() == pytest.approx(means.to_numpy())


def test_a_cell_holds_the_customers_scored_into_it(mart: Mart) -> None:
    day = stored_dates(mart)[-1]
    grid = rfm_grid(mart, day).set_index(["r_score", "f_score"])
    scored = rfm_scores(features_as_of(mart, day)).execute()
    top = scored[(scored.r_score == BINS) & (scored.f_score == BINS)]
    assert grid.loc[(BINS, BINS), "customers"] == len(top)


def test_bins_out_of_range_are_refused(mart: Mart) -> None:
    with pytest.raises(SegmintError, match="bins must be between 2 and 10"):
        rfm_grid(mart, stored_dates(mart)[-1], 11)
