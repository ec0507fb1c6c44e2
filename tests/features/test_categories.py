"""Category breadth and top category on the main fixture and a tie."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from segmint.mart import Mart

Rows = dict[str, dict[str, Any]]


def test_top_category_by_net_spend_with_returns(rows: Rows) -> None:
    # c1: books 18 + 10 - 10 = 18, games 30 + 30 = 60; p3 has no category
    assert rows["c1"]["n_categories"] == 2
    assert rows["c1"]["top_category"] == "games"
    assert rows["c1"]["top_category_share"] == pytest.approx(60 / 78)
    assert (rows["c3"]["top_category"], rows["c3"]["top_category_share"]) == ("games", 1.0)
    assert (rows["c2"]["n_categories"], rows["c2"]["top_category"]) == (0, None)


def test_ties_go_to_the_first_name(empty_mart: Mart, insert_rows: Any, features_of: Any) -> None:
    insert_rows(
        empty_mart,
        "products",
        [{"product_id": "p", "category": "zoo"}, {"product_id": "q", "category": "art"}],
    )
    insert_rows(
        empty_mart,
        "orders",
        [{"order_id": "o", "customer_id": "a", "order_ts": dt.datetime(2024, 1, 1)}],
    )
    line = {"order_id": "o", "quantity": 1.0, "unit_price": 10.0}
    insert_rows(
        empty_mart,
        "order_lines",
        [{**line, "line_no": 1, "product_id": "p"}, {**line, "line_no": 2, "product_id": "q"}],
    )
    row = features_of(empty_mart, "2024-01-01")["a"]
    assert (row["top_category"], row["top_category_share"]) == ("art", 0.5)
