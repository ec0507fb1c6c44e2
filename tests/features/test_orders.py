"""Purchase features against values worked out by hand on the main fixture (as of 2024-03-31).

c1's purchases: o1 (2024-01-05, web, net 48), o2 (2024-03-10, app, net 40), o3 (2024-03-20,
store, returned, net -10), o5 (2024-03-31 23:00, web, net 5). o4 is cancelled and o6 falls
on 2024-04-01, after the as-of day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from segmint.features.orders import order_values, purchase_values
from segmint.mart import Mart

Rows = dict[str, dict[str, Any]]


def test_rfm_of_a_customer_with_a_return_and_a_cancelled_order(rows: Rows) -> None:
    c1 = rows["c1"]
    assert c1["frequency"] == 4
    assert c1["repeat_orders"] == 3
    assert c1["monetary_total"] == pytest.approx(48 + 40 - 10 + 5)
    assert c1["monetary_avg"] == pytest.approx(83 / 3)  # three orders of positive value
    assert c1["first_order_date"] == dt.date(2024, 1, 5)
    assert c1["last_order_date"] == dt.date(2024, 3, 31)
    assert c1["recency_days"] == 0  # an order late on the as-of day itself
    assert c1["tenure_days"] == 455  # from signup 2023-01-01


def test_one_order_customer_without_customers_row(rows: Rows) -> None:
    c3 = rows["c3"]
    assert (c3["frequency"], c3["repeat_orders"]) == (1, 0)
    assert c3["monetary_total"] == pytest.approx(60.0)
    assert c3["monetary_avg"] == pytest.approx(60.0)
    assert c3["recency_days"] == 45
    assert c3["tenure_days"] == 45  # no signup date: from the first order
    assert c3["interpurchase_mean_days"] is None


def test_prospects_have_zero_counts_and_null_purchase_features(rows: Rows) -> None:
    for customer in ("c2", "c5"):
        row = rows[customer]
        for column in ("frequency", "repeat_orders", "monetary_total", "orders_365d", "spend_30d"):
            assert row[column] == 0, column
        for column in ("recency_days", "monetary_avg", "first_order_date", "return_rate"):
            assert row[column] is None, column
    assert rows["c2"]["tenure_days"] == 81  # signup 2024-01-10
    assert rows["c5"]["tenure_days"] == 335  # signup 2023-05-01; its order comes later


def test_trailing_windows_end_with_the_as_of_day(rows: Rows) -> None:
    c1 = rows["c1"]
    # 30 days = 2024-03-02..2024-03-31: o2, o3, o5
    assert (c1["orders_30d"], c1["spend_30d"]) == (3, pytest.approx(40 - 10 + 5))
    assert (c1["orders_90d"], c1["spend_90d"]) == (4, pytest.approx(83.0))
    assert (c1["orders_365d"], c1["spend_365d"]) == (4, pytest.approx(83.0))
    c3 = rows["c3"]  # 2024-02-15: outside 30 days, inside 90
    assert (c3["orders_30d"], c3["orders_90d"]) == (0, 1)


def test_returns(rows: Rows) -> None:
    assert rows["c1"]["returns_count"] == 1
    assert rows["c1"]["return_rate"] == pytest.approx(0.25)
    assert rows["c8"]["returns_count"] == 0


def test_discount_share_is_discount_over_gross_sales(rows: Rows) -> None:
    # discount 2 on o1; gross of bought lines: o1 50 + o2 40 + o5 5
    assert rows["c1"]["discount_share"] == pytest.approx(2 / 95)
    assert rows["c3"]["discount_share"] == 0.0


def test_margin_uses_line_cost_then_product_cost_and_skips_unknown_costs(rows: Rows) -> None:
    # o1: 48 - (2*4 + 12); o2: only the p1 line is costed, 10 - 4; o3: -10 + 4; o5: 5 - 1
    assert rows["c1"]["gross_margin"] == pytest.approx(28 + 6 - 6 + 4)
    assert rows["c1"]["margin_rate"] == pytest.approx(32 / (48 + 10 - 10 + 5))
    assert rows["c3"]["gross_margin"] is None  # no cost known for p2
    assert rows["c3"]["margin_rate"] is None


def test_channel_shares_fixed_list_plus_other(rows: Rows) -> None:
    c1 = rows["c1"]  # web, App (case folded), store, web
    assert (c1["share_web"], c1["share_app"], c1["share_store"]) == (0.5, 0.25, 0.25)
    assert (c1["share_phone"], c1["share_other"]) == (0.0, 0.0)
    assert rows["c3"]["share_other"] == 1.0  # no channel
    assert (rows["c8"]["share_phone"], rows["c8"]["share_other"]) == (0.5, 0.5)  # kiosk
    assert rows["c2"]["share_web"] is None


def test_an_order_without_lines_counts_with_zero_value(
    empty_mart: Mart, insert_rows: Any, features_of: Any
) -> None:
    insert_rows(
        empty_mart,
        "orders",
        [{"order_id": "x", "customer_id": "a", "order_ts": dt.datetime(2024, 3, 1)}],
    )
    row = features_of(empty_mart)["a"]
    assert (row["frequency"], row["monetary_total"], row["monetary_avg"]) == (1, 0.0, None)
    assert (row["btyd_frequency"], row["btyd_T"]) == (0, 30 / 7)  # worth 0, still a purchase


def test_purchase_values_give_the_net_of_order_values(mart: Mart) -> None:
    day = dt.date(2024, 3, 31)
    full = order_values(mart, day).to_pandas()
    slim = purchase_values(mart, day).to_pandas()
    expected = dict(zip(full.order_id, full.net, strict=True))
    got = dict(zip(slim.order_id, slim.net, strict=True))
    assert got == pytest.approx(expected)
    assert {"o1", "o2", "o3", "o5"} <= set(got)  # the purchases, not o4 (cancelled) or o6 (later)
    assert "o4" not in got and "o6" not in got
