"""Channel sales on the hand-made mart of ``conftest.py``, every number worked out by hand.

Purchases from 2024-01-01 to 2024-06-30 (o6 is cancelled, o2 and o9 fall before, o4 after):
o1 web Jan a1 45; o7 and o8 web Feb b2 +10 and -10; o5 store Mar b1 20; o3 app Jun a2 90.
"""

from __future__ import annotations

import datetime as dt

import pytest

import segmint
from segmint.insight.channel_sales import NO_CHANNEL, UNKNOWN_CHANNEL, channel_sales
from segmint.mart import Mart

from .conftest import EARLIER, fill, insert, order

START, END = dt.date(2024, 1, 1), dt.date(2024, 6, 30)


def _rows(frame, keys):  # type: ignore[no-untyped-def]
    return {tuple(r[k] for k in keys): r for r in frame.to_dict(orient="records")}


def test_revenue_orders_customers_and_aov_per_month(mart: Mart) -> None:
    report = channel_sales(mart, START, END, "month")
    rows = _rows(report.periods, ["period", "channel"])
    assert set(rows) == {
        (dt.date(2024, 1, 1), "web"),
        (dt.date(2024, 2, 1), "web"),
        (dt.date(2024, 3, 1), "store"),
        (dt.date(2024, 6, 1), "app"),
    }
    jan = rows[(dt.date(2024, 1, 1), "web")]
    figures = ("revenue", "orders", "customers", "average_order_value")
    assert tuple(jan[name] for name in figures) == (45.0, 1, 1, 45.0)
    feb = rows[(dt.date(2024, 2, 1), "web")]
    assert tuple(feb[name] for name in figures) == (0.0, 2, 1, 0.0)
    assert rows[(dt.date(2024, 6, 1), "app")]["revenue"] == 90.0
    assert report.range.last_complete and report.notes == ()


def test_channel_totals_with_their_share_largest_first(mart: Mart) -> None:
    channels = channel_sales(mart, START, END).channels
    assert channels["channel"].tolist() == ["app", "web", "store"]
    assert channels["revenue"].tolist() == [90.0, 45.0, 20.0]
    assert channels["orders"].tolist() == [1, 3, 1]
    assert channels["customers"].tolist() == [1, 2, 1]
    assert channels["revenue_share"].tolist() == pytest.approx([90 / 155, 45 / 155, 20 / 155])
    assert channels["average_order_value"].tolist() == pytest.approx([90.0, 15.0, 20.0])


def test_weeks(mart: Mart) -> None:
    report = channel_sales(mart, dt.date(2024, 2, 1), dt.date(2024, 2, 14), "week")
    assert report.range.start == dt.date(2024, 1, 29)
    rows = _rows(report.periods, ["period", "channel"])
    assert rows[(dt.date(2024, 1, 29), "web")]["revenue"] == 10.0  # o7 on Thursday 1 Feb
    assert rows[(dt.date(2024, 2, 5), "web")]["revenue"] == -10.0  # o8, the return
    assert not report.range.last_complete  # the week of 12 Feb ends on the 18th


def test_segment_mix_of_each_channel(mart: Mart) -> None:
    report = channel_sales(mart, START, END, segmentation="tiers")
    mix = _rows(report.mix, ["channel", "segment"])
    assert set(mix) == {("web", "Gold"), ("web", "Silver"), ("app", "Gold"), ("store", "Silver")}
    assert mix[("web", "Gold")]["revenue"] == 45.0 and mix[("web", "Gold")]["revenue_share"] == 1.0
    assert mix[("web", "Silver")]["orders"] == 2 and mix[("web", "Silver")]["revenue_share"] == 0.0
    assert report.segments is not None and report.segments.as_of == (dt.date(2024, 6, 30),)


def test_segment_mix_at_the_time_of_purchase(mart: Mart) -> None:
    report = channel_sales(mart, START, END, segmentation="tiers", membership="at_purchase")
    mix = _rows(report.mix, ["channel", "segment"])
    # every purchase up to 2024-06-30 is judged by the segments stored as of 2024-03-31
    assert set(mix) == {("web", "Gold"), ("web", "Bronze"), ("app", "Silver"), ("store", "Silver")}
    assert report.segments is not None and report.segments.as_of[0] == EARLIER


def test_json_shape(mart: Mart) -> None:
    payload = channel_sales(mart, START, END, segmentation="tiers").as_dict()
    assert payload["range"] == {
        "start": "2024-01-01",
        "end": "2024-06-30",
        "period": "month",
        "last_period_complete": True,
    }
    assert payload["periods"][0] == {
        "period": "2024-01-01",
        "channel": "web",
        "revenue": 45.0,
        "orders": 1,
        "customers": 1,
        "average_order_value": 45.0,
    }
    assert payload["segments"]["segmentation"] == "tiers"


def test_orders_without_a_channel_are_counted_and_said() -> None:
    with segmint.connect(":memory:") as made:
        fill(made)
        insert(made, "orders", [order("o20", "b3", "2024-05-05 10:00", "")])
        insert(
            made,
            "order_lines",
            [{"order_id": "o20", "line_no": 1, "quantity": 1.0, "unit_price": 155.0}],
        )
        report = channel_sales(made, START, END)
    unknown = report.channels[report.channels["channel"] == UNKNOWN_CHANNEL].iloc[0]
    assert unknown["revenue"] == 155.0
    assert report.channel_known  # the other orders have one
    assert report.notes == ("1 order (50.0% of revenue) has no sales channel: shown as 'unknown'.",)


def test_a_mart_without_channels_says_it_cannot_split() -> None:
    with segmint.connect(":memory:") as made:
        insert(made, "customers", [{"customer_id": "z"}])
        insert(made, "orders", [order("o1", "z", "2024-05-05 10:00", None)])  # type: ignore[arg-type]
        insert(
            made,
            "order_lines",
            [{"order_id": "o1", "line_no": 1, "quantity": 1.0, "unit_price": 5.0}],
        )
        report = channel_sales(made)
    assert report.channels["channel"].tolist() == [UNKNOWN_CHANNEL]
    assert not report.channel_known
    assert report.notes == (NO_CHANNEL,)
    assert "`channel` column in the orders file (orders.csv)" in report.notes[0]
