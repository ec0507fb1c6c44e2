"""Event features on the main fixture (as of 2024-03-31)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from segmint.mart import Mart

from .conftest import feature_rows, fill, fixture_tables

Rows = dict[str, dict[str, Any]]


def test_event_counts_sessions_and_last_visit(rows: Rows) -> None:
    c1 = rows["c1"]
    expected = {
        "page_views": 2,  # the page view on 2024-04-02 is after the as-of day
        "searches": 1,
        "product_views": 1,
        "cart_adds": 3,
        "ad_impressions": 1,
        "ad_clicks": 1,
        "email_opens": 1,
        "email_clicks": 1,
        "sessions": 4,  # s1, s2, s3 and the session-less page view of 2024-03-22
        "days_since_last_visit": 9,  # 2024-03-22; e-mail and ad events are no visit
    }
    assert {k: c1[k] for k in expected} == expected


def test_cart_adds_without_purchase(rows: Rows) -> None:
    # s1 adds on 03-10, the day of order o2; s3 checks out; only s2 is abandoned
    assert rows["c1"]["cart_adds_without_purchase"] == 1


def test_customers_without_visits(rows: Rows) -> None:
    c2 = rows["c2"]  # one e-mail open only
    assert (c2["email_opens"], c2["sessions"], c2["page_views"]) == (1, 0, 0)
    assert c2["days_since_last_visit"] is None
    assert (rows["c3"]["sessions"], rows["c3"]["cart_adds_without_purchase"]) == (0, 0)


def test_the_30_day_columns_count_only_the_window(empty_mart: Mart) -> None:
    # as of 2024-04-16 the window starts on 2024-03-18: s1-s3 and their carts are older
    fill(empty_mart, fixture_tables())
    c1 = feature_rows(empty_mart, dt.date(2024, 4, 16))["c1"]
    whole = (c1["sessions"], c1["cart_adds"], c1["cart_adds_without_purchase"])
    assert whole == (5, 3, 1)
    recent = (c1["sessions_30d"], c1["cart_adds_30d"], c1["cart_adds_without_purchase_30d"])
    assert recent == (2, 0, 0)  # the page view of 03-22 and session s9 of 04-02


def test_the_30_day_columns_start_with_the_window(rows: Rows) -> None:
    # as of 2024-03-31 the window starts on 2024-03-02: every visit of c1 is in it
    c1 = rows["c1"]
    assert (c1["sessions_30d"], c1["cart_adds_30d"], c1["cart_adds_without_purchase_30d"]) == (
        4,
        3,
        1,
    )
    assert (rows["c3"]["sessions_30d"], rows["c3"]["cart_adds_30d"]) == (0, 0)
