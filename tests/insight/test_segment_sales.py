"""Segment sales on the hand-made mart of ``conftest.py`` plus one February order, by hand.

Purchases (net, margin over lines of known cost): o1 Jan a1 45 / 27; o10 Feb a1 20 / 12;
o7 and o8 Feb b2 +10 / +6 and -10 / -6; o5 Mar b1 20 with no known cost; o3 Jun a2 90 / 60.
``tiers`` as of 2024-06-30: a1, a2 Gold; b1, b2, b3 Silver; c1 Bronze.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest

import segmint
from segmint.insight.sales_periods import NOT_SEGMENTED
from segmint.insight.segment_sales import segment_sales
from segmint.mart import Mart

from .conftest import AS_OF, EARLIER, EARLIER_TIERS, TIERS, fill, insert, line, order, save

START, END = dt.date(2024, 1, 1), dt.date(2024, 6, 30)


@pytest.fixture(scope="module")
def sales_mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        fill(made)
        insert(made, "orders", [order("o10", "a1", "2024-02-15 10:00", "web")])
        insert(made, "order_lines", [line("o10", "p1", 2.0, 10.0)])
        save(made, "tiers", AS_OF, TIERS)
        save(made, "tiers", EARLIER, EARLIER_TIERS)
        yield made


def _rows(frame, keys):  # type: ignore[no-untyped-def]
    return {tuple(r[k] for k in keys): r for r in frame.to_dict(orient="records")}


def test_revenue_margin_share_and_growth_per_month(sales_mart: Mart) -> None:
    report = segment_sales(sales_mart, "tiers", START, END, "month")
    rows = _rows(report.periods, ["period", "segment"])
    jan, feb = rows[(dt.date(2024, 1, 1), "Gold")], rows[(dt.date(2024, 2, 1), "Gold")]
    assert (jan["revenue"], jan["gross_margin"], jan["orders"], jan["customers"]) == (
        45.0,
        27.0,
        1,
        1,
    )
    assert np.isnan(jan["revenue_growth"])  # nothing in December
    assert feb["revenue"] == 20.0 and feb["gross_margin"] == 12.0
    assert feb["revenue_growth"] == pytest.approx(20 / 45 - 1)
    assert feb["margin_growth"] == pytest.approx(12 / 27 - 1)
    assert feb["revenue_share"] == 1.0  # Silver's February nets to 0
    silver_feb = rows[(dt.date(2024, 2, 1), "Silver")]
    assert (silver_feb["revenue"], silver_feb["orders"], silver_feb["customers"]) == (0.0, 2, 1)
    june = rows[(dt.date(2024, 6, 1), "Gold")]
    assert june["revenue"] == 90.0 and np.isnan(june["revenue_growth"])  # no May row
    march = rows[(dt.date(2024, 3, 1), "Silver")]
    assert march["revenue"] == 20.0 and march["margin_coverage"] == 0.0


def test_growth_of_the_first_period_reads_the_one_before(sales_mart: Mart) -> None:
    report = segment_sales(sales_mart, "tiers", dt.date(2024, 2, 1), END, "month")
    assert min(report.periods["period"]) == dt.date(2024, 2, 1)
    feb = _rows(report.periods, ["period", "segment"])[(dt.date(2024, 2, 1), "Gold")]
    assert feb["revenue_growth"] == pytest.approx(20 / 45 - 1)


def test_totals_and_the_partial_margin_note(sales_mart: Mart) -> None:
    report = segment_sales(sales_mart, "tiers", START, END)
    totals = _rows(report.totals, ["segment"])
    assert report.totals["segment"].tolist() == ["Gold", "Silver"]
    gold, silver = totals[("Gold",)], totals[("Silver",)]
    assert (gold["revenue"], gold["gross_margin"], gold["orders"], gold["customers"]) == (
        155.0,
        99.0,
        3,
        2,
    )
    assert (silver["revenue"], silver["gross_margin"], silver["orders"]) == (20.0, 0.0, 3)
    assert gold["revenue_share"] == pytest.approx(155 / 175)
    assert gold["margin_share"] == 1.0
    assert report.costs_known
    assert report.notes == ("Margin covers the 89% of revenue whose unit cost is known.",)


def test_segments_at_the_time_of_purchase(sales_mart: Mart) -> None:
    report = segment_sales(sales_mart, "tiers", START, END, membership="at_purchase")
    totals = _rows(report.totals, ["segment"])
    # as of 2024-03-31: a1 Gold, a2 and b1 Silver, b2 Bronze; it holds until 2024-06-30
    assert totals[("Gold",)]["revenue"] == 65.0
    assert totals[("Silver",)]["revenue"] == 110.0
    assert totals[("Bronze",)]["orders"] == 2
    assert report.notes[-1].startswith("5 purchases precede the first stored segments (2024-03-31)")


def test_customers_the_segmentation_misses() -> None:
    with segmint.connect(":memory:") as made:
        fill(made)
        insert(made, "orders", [order("o11", "new", "2024-06-01 10:00", "web")])
        insert(made, "order_lines", [line("o11", "p1", 1.0, 10.0)])
        save(made, "tiers", EARLIER, EARLIER_TIERS)
        report = segment_sales(made, "tiers", START, END)
    totals = _rows(report.totals, ["segment"])
    assert totals[(NOT_SEGMENTED,)]["revenue"] == 10.0
    assert totals[(NOT_SEGMENTED,)]["customers"] == 1


def test_without_costs_margin_is_unknown_not_zero() -> None:
    with segmint.connect(":memory:") as made:
        insert(made, "customers", [{"customer_id": "z"}])
        insert(made, "orders", [order("o1", "z", "2024-05-05 10:00", "web")])
        insert(made, "order_lines", [line("o1", None, 1.0, 5.0)])  # type: ignore[arg-type]
        save(made, "solo", AS_OF, {"z": "All"})
        report = segment_sales(made, "solo")
        payload = report.as_dict()
    assert not report.costs_known
    assert payload["totals"][0]["gross_margin"] is None
    assert "margin is unknown, not zero" in report.notes[0]
