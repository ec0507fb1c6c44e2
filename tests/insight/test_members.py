"""Members of a stored segmentation, their features, and a second dimension (see conftest.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

import segmint
from segmint.exceptions import MartError
from segmint.features import store_features
from segmint.insight.members import (
    SUB_SEGMENT,
    UNKNOWN,
    crossed,
    features_as_of,
    members,
    resolve_date,
    with_features,
)
from segmint.mart import Mart

from .conftest import AS_OF, EARLIER, TIERS, fill, save


def test_resolve_date_defaults_to_the_latest_stored_date(mart: Mart) -> None:
    assert resolve_date(mart, "tiers", None) == AS_OF


def test_resolve_date_parses_a_given_date(mart: Mart) -> None:
    assert resolve_date(mart, "tiers", "2024-03-31") == EARLIER
    assert resolve_date(mart, "tiers", EARLIER) == EARLIER


def test_resolve_date_of_an_unknown_segmentation_is_a_clear_error(mart: Mart) -> None:
    with pytest.raises(MartError, match="nope"):
        resolve_date(mart, "nope", None)


def test_members_are_the_stored_assignments_of_that_date(mart: Mart) -> None:
    frame = members(mart, "tiers", AS_OF).execute()
    assert dict(zip(frame.customer_id, frame.segment, strict=True)) == TIERS
    earlier = members(mart, "tiers", EARLIER).execute()
    assert set(earlier.customer_id) == {"a1", "a2", "b1", "b2", "x9"}


def test_members_of_a_date_without_results_lists_the_dates(mart: Mart) -> None:
    with pytest.raises(MartError, match="2024-06-30"):
        members(mart, "tiers", dt.date(2024, 1, 1)).execute()


def test_with_features_keeps_every_member_and_drops_bookkeeping_columns(mart: Mart) -> None:
    base = members(mart, "tiers", EARLIER)
    joined = with_features(base, features_as_of(mart, EARLIER))
    frame = joined.execute().set_index("customer_id")
    assert list(joined.columns[:2]) == ["customer_id", "segment"]
    assert "as_of" not in joined.columns
    assert len(frame) == 5
    # x9 has no customer row nor orders: a member all the same, with null features
    assert frame.loc["x9"].drop("segment").isna().all()
    assert frame.loc["a1", "region"] == "North"


def test_crossed_by_a_feature_fills_missing_with_unknown(mart: Mart) -> None:
    base = members(mart, "tiers", AS_OF)
    frame = crossed(mart, base, features_as_of(mart, AS_OF), "region", AS_OF).execute()
    subs = dict(zip(frame.customer_id, frame[SUB_SEGMENT], strict=True))
    assert subs == {
        "a1": "North",
        "a2": "South",
        "b1": "North",
        "b2": "South",
        "b3": "North",
        "c1": UNKNOWN,
    }


def test_crossed_by_another_segmentation(mart: Mart) -> None:
    base = members(mart, "tiers", AS_OF)
    frame = crossed(mart, base, features_as_of(mart, AS_OF), "style", AS_OF).execute()
    subs = dict(zip(frame.customer_id, frame[SUB_SEGMENT], strict=True))
    assert subs["b1"] == "offline"
    assert subs["a1"] == "online"
    assert subs["c1"] == UNKNOWN  # not in ``style``


@pytest.mark.parametrize("by", ["nothing", "segment", "customer_id", "x'; drop table orders; --"])
def test_crossed_by_neither_names_the_choices(mart: Mart, by: str) -> None:
    base = members(mart, "tiers", AS_OF)
    with pytest.raises(MartError, match=r"by \(--by\) must name a feature column") as info:
        crossed(mart, base, features_as_of(mart, AS_OF), by, AS_OF)
    message = str(info.value)
    assert "region" in message
    assert "style, tiers" in message


@pytest.fixture
def stored_mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        fill(made)
        save(made, "tiers", AS_OF, TIERS)
        yield made


def test_features_as_of_reads_the_stored_table_when_there_is_one(stored_mart: Mart) -> None:
    built = features_as_of(stored_mart, AS_OF).execute()
    store_features(stored_mart, AS_OF)
    # the stored table is the one read: change it and the change shows
    stored_mart.con.raw_sql("update features set frequency = -1")
    read = features_as_of(stored_mart, AS_OF).execute()
    assert set(read.customer_id) == set(built.customer_id)
    assert (read.frequency == -1).all()
    assert not (built.frequency == -1).any()
