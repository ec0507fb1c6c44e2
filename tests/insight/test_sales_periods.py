"""The calendar of the sales reports: whole periods, the default range, bad input, and the
stored segments a purchase is counted in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ibis
import pytest

from segmint.exceptions import InputError
from segmint.insight.sales_periods import (
    SalesRange,
    SegmentsUsed,
    next_period,
    period_start,
    previous_period,
    sales_range,
    with_segments,
)
from segmint.mart import Mart, connect
from segmint.segmentation import store


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    wednesday = dt.date(2024, 1, 10)
    assert period_start(wednesday, "week") == dt.date(2024, 1, 8)
    assert period_start(wednesday, "month") == dt.date(2024, 1, 1)
    assert next_period(dt.date(2024, 1, 1), "month") == dt.date(2024, 2, 1)
    assert next_period(dt.date(2024, 12, 1), "month") == dt.date(2025, 1, 1)
    assert previous_period(dt.date(2024, 3, 1), "month") == dt.date(2024, 2, 1)
    assert previous_period(dt.date(2024, 1, 8), "week") == dt.date(2024, 1, 1)


def test_the_range_starts_on_a_period_and_knows_its_last_is_partial(mart: Mart) -> None:
    span = sales_range(mart, dt.date(2024, 1, 10), dt.date(2024, 3, 15), "month")
    assert (span.start, span.end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 15))
    assert span.starts() == [dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    assert not span.last_complete
    assert SalesRange(dt.date(2024, 1, 1), dt.date(2024, 2, 29), "month").last_complete


def test_default_range_is_twelve_periods_to_the_last_order(mart: Mart) -> None:
    span = sales_range(mart, None, None, "month")
    assert span.end == dt.date(2024, 7, 1)  # the latest order in the mart
    assert span.start == dt.date(2023, 8, 1)
    assert len(span.starts()) == 12


def test_bad_input_is_explained(mart: Mart) -> None:
    with pytest.raises(InputError, match="period must be one of week, month; got 'day'"):
        sales_range(mart, None, None, "day")
    with pytest.raises(InputError, match="report dates lie between 1900-01-01 and 2199-12-31"):
        sales_range(mart, dt.date(1, 1, 1), None, "week")
    with pytest.raises(InputError, match="got 9999-12-31"):
        sales_range(mart, None, dt.date(9999, 12, 31), "month")
    with pytest.raises(InputError, match="ends"):
        sales_range(mart, dt.date(2024, 5, 1), dt.date(2024, 4, 1), "month")


def _save(mart: Mart, version: str, day: dt.date, segment: str) -> None:
    """Store customer c1 of ``tiers`` in ``segment`` as of ``day`` under definition ``version``."""
    one = ibis.memtable({"customer_id": ["c1"], "segment": [segment]})
    store.save(mart, "tiers", "rules", {"v": version}, day, one)


def _segments(mart: Mart, membership: str, *days: dt.date) -> tuple[list[str], SegmentsUsed]:
    """The segment of c1's purchases on ``days`` (at noon), and the segments used."""
    stamps = [dt.datetime.combine(d, dt.time(12)) for d in days]
    purchases = ibis.memtable({"customer_id": ["c1"] * len(days), "order_ts": stamps})
    labelled, used = with_segments(mart, purchases, "tiers", membership)
    return labelled.order_by("order_ts").to_pandas().segment.tolist(), used


def test_each_date_is_read_in_the_version_the_store_reads_it_in() -> None:
    """Version 2 (stored last) was run as of January only: March's results of version 1
    are the latest, and each date's segments are those of the version stored last then."""
    jan, feb, mar = dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)
    with connect(":memory:") as mart:
        _save(mart, "1", feb, "v1 feb")
        _save(mart, "1", mar, "v1 mar")
        _save(mart, "2", jan, "v2 jan")
        days = (dt.date(2024, 2, 10), dt.date(2024, 3, 10), dt.date(2024, 4, 5))
        fixed, used = _segments(mart, "fixed", *days)
        assert fixed == ["v1 mar"] * 3
        assert (used.version, used.as_of, used.versions) == (1, (mar,), (1,))
        at_purchase, used = _segments(mart, "at_purchase", *days)
        assert at_purchase == ["v2 jan", "v1 feb", "v1 mar"]
        assert (used.as_of, used.versions, used.version) == ((jan, feb, mar), (2, 1, 1), 1)
        assert used.as_dict()["versions"] == [2, 1, 1]
        _save(mart, "2", feb, "v2 feb")  # both versions have February: 2 stored last
        assert _segments(mart, "at_purchase", *days)[0] == ["v2 jan", "v2 feb", "v1 mar"]
        fixed_feb = with_segments(mart, ibis.memtable({"customer_id": ["c1"]}), "tiers", as_of=feb)
        assert fixed_feb[0].to_pandas().segment.tolist() == ["v2 feb"]
        assert fixed_feb[1].versions == (2,)


def test_segments_at_purchase_leave_nothing_in_the_engine(
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    """A server computes sales by segment all day on one connection: the times each stored
    date's segments hold are expressions, not a table registered per computation."""
    jan, feb = dt.date(2024, 1, 31), dt.date(2024, 2, 29)
    with connect(":memory:") as mart:
        _save(mart, "1", jan, "jan")
        _save(mart, "1", feb, "feb")
        mart.raw.execute(
            "CREATE TABLE bought AS SELECT 'c1' AS customer_id, ts AS order_ts"
            " FROM (VALUES (TIMESTAMP '2024-02-10 12:00'), (TIMESTAMP '2024-03-10 12:00')) v(ts)"
        )
        before = engine_objects(mart)
        for _ in range(3):
            labelled, _ = with_segments(mart, mart.table("bought"), "tiers", "at_purchase")
            assert labelled.order_by("order_ts").to_pandas().segment.tolist() == ["jan", "feb"]
        assert engine_objects(mart) == before
