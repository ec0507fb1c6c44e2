"""CLV split by a covariate, end to end: a shop whose social-media customers buy twice as
often as its search customers (known), loaded as files, fitted, stored, scored, backtested."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError, MartError
from segmint.features.btyd import btyd_summary
from segmint.features.btyd_covariate import check_covariate, covariate_values
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest
from segmint.models.covariates import CovariateModel
from segmint.scoring.clv_backtest import METRICS
from segmint.scoring.clv_scores import latest_fit
from segmint.workflows import clv, clv_score

START, AS_OF = dt.date(2024, 1, 1), dt.date(2025, 6, 30)
WEEKLY_RATE_ALPHA = {"search": 4.0, "social": 2.0}  # Gamma(r = 1, alpha): social buys 2x


def simulate_shop(folder: Path, n: int = 1500, seed: int = 7) -> None:
    """Orders and customers files of a BG/NBD shop with two acquisition channels."""
    rng = np.random.default_rng(seed)
    channel = np.where(rng.random(n) < 0.6, "search", "social")
    end = (AS_OF - START).days
    rows: list[tuple[str, dt.date, float]] = []
    for i in range(n):
        day = float(rng.integers(0, 120))
        rate = rng.gamma(1.0, 1.0 / WEEKLY_RATE_ALPHA[channel[i]]) / 7.0
        dropout = rng.beta(1.0, 4.0)
        while day <= end:
            rows.append(
                (f"C{i:05d}", START + dt.timedelta(days=int(day)), float(rng.integers(20, 90)))
            )
            if len(rows) > 1 and rows[-2][0] == rows[-1][0] and rng.random() < dropout:
                break
            day += rng.exponential(1.0 / rate) if rate > 0 else end + 1
    orders = pd.DataFrame(rows, columns=["customer_id", "order_ts", "amount"])
    orders.to_csv(folder / "orders.csv", index=False)
    customers = pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(n)]})
    customers["acquisition_channel"] = channel
    customers.to_csv(folder / "customers.csv", index=False)


@pytest.fixture(scope="module")
def shop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("two_channel_shop")
    simulate_shop(folder)
    path = folder / "shop.duckdb"
    with segmint.connect(path) as mart:
        ingest(mart, "transactions", folder / "orders.csv", IngestOptions())
        ingest(mart, "customers", folder / "customers.csv", IngestOptions())
    return path


@pytest.fixture
def shop(shop_file: Path, tmp_path: Path) -> Iterator[Mart]:
    copy = tmp_path / "shop.duckdb"
    shutil.copy(shop_file, copy)
    with segmint.connect(copy) as mart:
        yield mart


def test_covariate_names_are_checked() -> None:
    assert check_covariate(" Acquisition_Channel ") == "acquisition_channel"
    assert check_covariate("segment: rfm ") == "segment:rfm"
    for bad in ("shoe_size", "segment:", "customer_id"):
        with pytest.raises(InputError, match="unknown covariate"):
            check_covariate(bad)


def test_a_segment_covariate_is_the_latest_stored_up_to_the_date(shop: Mart) -> None:
    shop.con.insert(
        "segmentations",
        pd.DataFrame(
            {
                "segmentation": ["tiers"],
                "version": [1],
                "kind": ["rules"],
                "definition": ["{}"],
                "created_at": [pd.Timestamp("2025-01-01")],
                "updated_at": [pd.Timestamp("2025-01-01")],
            }
        ),
    )
    rows = [("tiers", 1, dt.date(2024, 6, 30), "C00001", "gold")]
    rows += [("tiers", 1, dt.date(2024, 12, 31), "C00001", "silver")]
    rows += [("tiers", 1, dt.date(2025, 6, 30), "C00001", "bronze")]
    columns = ["segmentation", "version", "as_of", "customer_id", "segment"]
    shop.con.insert("assignments", pd.DataFrame(rows, columns=columns))
    at = covariate_values(shop, "segment:tiers", dt.date(2025, 3, 31)).to_pandas()
    assert at.to_dict("records") == [{"customer_id": "C00001", "covariate": "silver"}]
    with pytest.raises(MartError, match="no assignments up to 2024-01-31"):
        covariate_values(shop, "segment:tiers", dt.date(2024, 1, 31))
    with pytest.raises(
        MartError, match="named 'x' or '1'='1' to use as a covariate; stored: tiers"
    ):
        covariate_values(shop, "segment:x' or '1'='1", AS_OF)


def test_fit_recovers_the_channel_effect_stores_it_and_scores_by_channel(shop: Mart) -> None:
    options = clv.ClvFitOptions(model="bgnbd", holdout_weeks=26, covariate="acquisition_channel")
    run = clv.fit(shop, AS_OF, options)
    model = run.final.transactions
    assert isinstance(model, CovariateModel) and run.final.covariate == "acquisition_channel"
    assert model.levels == ("search", "social")
    ratio, error = model.params_["alpha[social]"], model.standard_errors_["alpha[social]"]
    assert abs(ratio - 0.5) < 3 * error and ratio < 0.75  # social: alpha halved, rate doubled
    stored = latest_fit(shop)
    assert stored is not None and stored[0].covariate == "acquisition_channel"
    clv_score.score(shop, AS_OF)
    scores = shop.table("scores").to_pandas()
    expected = scores[scores.score_name == "expected_purchases"].set_index("customer_id").value
    summary = btyd_summary(shop, AS_OF).to_pandas().set_index("customer_id")
    channel = shop.table("customers").to_pandas().set_index("customer_id").acquisition_channel
    for level in model.levels:
        ids = channel.index[channel == level].intersection(summary.index)
        own = summary.loc[ids]
        alone = model.level_model(level).predict_purchases(
            52.0, own.frequency, own.recency, own["T"]
        )
        np.testing.assert_allclose(expected.loc[ids].to_numpy(), alone, rtol=1e-9)


def test_backtest_and_auto_show_each_model_with_and_without_the_covariate(shop: Mart) -> None:
    result = clv.backtest(
        shop, "2024-12-31", models=("bgnbd", "bgnbd-seasonal"), covariate="acquisition_channel"
    )
    metrics = result.metrics.set_index("model")
    assert list(metrics.index) == [
        "bgnbd+gammagamma",
        "bgnbd-seasonal+gammagamma",
        "bgnbd by acquisition_channel+gammagamma",
        "bgnbd-seasonal by acquisition_channel+gammagamma",  # its row too, fitted or not
    ]
    with_channel = metrics.loc["bgnbd by acquisition_channel+gammagamma"]
    assert np.isfinite(with_channel[list(METRICS)].astype(float)).all()
    # long histories already say how often each customer buys: the channel changes the
    # predictions a little (it is not a copy of the plain row), not necessarily for the better
    plain = metrics.loc["bgnbd+gammagamma"]
    assert 0 < abs(with_channel.mae_purchases - plain.mae_purchases) < 0.05 * plain.mae_purchases
    run = clv.fit(shop, AS_OF, clv.ClvFitOptions(covariate="acquisition_channel"))
    assert run.choice is not None
    labels = set(run.choice.comparison.model)
    assert {
        "paretonbd",
        "paretonbd by acquisition_channel",
        "mbgnbd by acquisition_channel",
    } <= labels
    assert run.final.label == run.choice.chosen
