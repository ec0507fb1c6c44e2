"""Small marts built from baskets written out in each test, and the Online Retail II path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest

import segmint
from segmint.mart import TABLES, Mart

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"

Basket = tuple[str, str, str, str | None, list[tuple[str | None, float]]]
"""(order_id, customer_id, "YYYY-MM-DD HH:MM", status, [(product_id, quantity), ...])."""


def insert(mart: Mart, name: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into mart table ``name``, absent columns null, ingest_id 1."""
    schema = TABLES[name].ibis_schema()
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    frame["ingest_id"] = 1
    mart.con.insert(name, ibis.memtable(frame).cast(schema))


def add_baskets(mart: Mart, baskets: list[Basket]) -> None:
    """Insert orders and their lines (unit price 1)."""
    orders = []
    lines = []
    for order_id, customer, when, status, items in baskets:
        orders.append(
            {
                "order_id": order_id,
                "customer_id": customer,
                "order_ts": dt.datetime.fromisoformat(when),
                "status": status,
            }
        )
        for number, (product, quantity) in enumerate(items, start=1):
            lines.append(
                {
                    "order_id": order_id,
                    "line_no": number,
                    "product_id": product,
                    "quantity": quantity,
                    "unit_price": 1.0,
                }
            )
    insert(mart, "orders", orders)
    insert(mart, "order_lines", lines)


@pytest.fixture
def mart(tmp_path: Path) -> Iterator[Mart]:
    """An empty mart in a file of its own."""
    with segmint.connect(tmp_path / "mart.duckdb") as opened:
        yield opened
