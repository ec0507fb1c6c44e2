"""Migration between the two stored dates of ``tiers`` (see conftest.py)."""

from __future__ import annotations

import warnings
from dataclasses import replace

import ibis
import pandas as pd
import pytest

from segmint.exceptions import MartError, SegmintError, SegmintWarning
from segmint.features.labels import NO_CLV_SCORE
from segmint.insight import ENTERED, LEFT, Migration, migration
from segmint.mart import Mart
from segmint.segmentation import store

from .conftest import AS_OF, EARLIER, EARLIER_TIERS, TIERS


@pytest.fixture(scope="module")
def moves(mart: Mart) -> Migration:
    return migration(mart, "tiers", EARLIER, AS_OF)


def test_rows_and_columns_sum_to_the_base_at_each_date(moves: Migration) -> None:
    counts = moves.counts
    before = counts.drop(index=ENTERED)
    after = counts.drop(columns=LEFT)
    assert int(before.to_numpy().sum()) == len(EARLIER_TIERS)
    assert int(after.to_numpy().sum()) == len(TIERS)
    for segment in set(EARLIER_TIERS.values()):
        assert counts.loc[segment].sum() == list(EARLIER_TIERS.values()).count(segment)
    for segment in set(TIERS.values()):
        assert counts[segment].sum() == list(TIERS.values()).count(segment)


def test_entered_and_left_are_counted(moves: Migration) -> None:
    assert moves.entered == 2  # b3 and c1
    assert moves.left == 1  # x9
    assert moves.counts.loc[ENTERED, "Bronze"] == 1
    assert moves.counts.loc["Bronze", LEFT] == 1


def test_cells_carry_counts_shares_and_revenue(moves: Migration) -> None:
    assert moves.counts.loc["Silver", "Gold"] == 1  # a2
    assert moves.row_shares.loc["Silver", "Gold"] == 0.5
    assert moves.revenue.loc["Silver", "Gold"] == 90.0
    assert moves.revenue.loc["Gold", "Gold"] == 45.0
    assert moves.row_shares.sum(axis=1).tolist() == pytest.approx([1.0] * len(moves.counts))


def test_flows_are_a_sankey_frame_matching_the_matrix(moves: Migration) -> None:
    flows = moves.flows
    assert list(flows.columns) == ["source", "target", "customers", "revenue"]
    assert flows.customers.sum() == moves.counts.to_numpy().sum()
    assert flows.revenue.sum() == moves.revenue.to_numpy().sum()
    assert (flows.customers > 0).all()


def test_top_flows_are_sentences_without_stays(moves: Migration) -> None:
    sentences = moves.top_flows(10)
    assert "1 Silver became Gold" in sentences
    assert "1 Bronze became Silver" in sentences
    assert "1 entered the base as Silver" in sentences
    assert "1 Bronze left the base" in sentences
    assert not any("Gold became Gold" in s for s in sentences)
    assert len(moves.top_flows(2)) == 2


def test_top_flows_name_a_value_tier_s_unscored_customers_for_what_they_are(
    moves: Migration,
) -> None:
    flows = pd.DataFrame(
        {
            "source": ["unassigned", "top 1%", ENTERED],
            "target": ["top 1%", "unassigned", "unassigned"],
            "customers": [7, 3, 2],
            "revenue": [0.0, 0.0, 0.0],
        }
    )
    unscored = replace(moves, flows=flows)
    assert unscored.top_flows(5, "value") == [
        f"7 {NO_CLV_SCORE} became top 1%",
        f"3 top 1% became {NO_CLV_SCORE}",
        f"2 entered the base as {NO_CLV_SCORE}",
    ]
    assert unscored.top_flows(1) == ["7 unassigned became top 1%"]  # as stored: the API
    assert unscored.top_flows(1, "rules") == ["7 unassigned became top 1%"]


def test_a_date_without_results_lists_the_stored_dates(mart: Mart) -> None:
    with pytest.raises(
        MartError, match="no results as of 2024-01-01; stored dates: 2024-03-31, 2024-06-30"
    ):
        migration(mart, "tiers", "2024-01-01", AS_OF)


def test_dates_out_of_order_are_refused_naming_the_arguments(mart: Mart) -> None:
    with pytest.raises(
        SegmintError, match=r"^from_date must be before to_date; got from_date"
    ) as e:
        migration(mart, "tiers", AS_OF, EARLIER)
    assert "--" not in str(e.value)  # no command-line flag to a Python caller


def test_a_date_that_is_no_date_names_the_argument(mart: Mart) -> None:
    with pytest.raises(SegmintError, match=r"^to_date must be a date written YYYY-MM-DD") as e:
        migration(mart, "tiers", EARLIER, "June")
    assert "--" not in str(e.value)


def test_unknown_segmentation_is_named(mart: Mart) -> None:
    with pytest.raises(MartError, match="no segmentation named 'rfm'"):
        migration(mart, "rfm", EARLIER, AS_OF)


def test_dates_of_different_versions_warn_that_the_definition_changed(mart: Mart) -> None:
    def save(definition: dict[str, str], day: object, segments: dict[str, str]) -> None:
        frame = pd.DataFrame({"customer_id": list(segments), "segment": list(segments.values())})
        store.save(mart, "edited", "rules", definition, day, ibis.memtable(frame))  # type: ignore[arg-type]

    save({"file": "ages"}, EARLIER, EARLIER_TIERS)
    save({"file": "cities"}, AS_OF, TIERS)  # the rules file was edited in between: version 2
    with pytest.warns(
        SegmintWarning, match=r"as of 2024-03-31 is version 1 and as of 2024-06-30 version 2"
    ):
        moves = migration(mart, "edited", EARLIER, AS_OF)
    assert int(moves.counts.to_numpy().sum()) == len(set(TIERS) | set(EARLIER_TIERS))


def test_dates_of_one_version_do_not_warn(mart: Mart) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        migration(mart, "tiers", EARLIER, AS_OF)
    assert not [w for w in caught if issubclass(w.category, SegmintWarning)]
