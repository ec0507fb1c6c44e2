"""Bringing stored purchase groups forward equals a full rebuild, for any append of orders.

Property: store every group as of ``D1``; load a random batch of orders (existing and new
customers, dates before ``D1``, between the two dates and after ``D2``, returns and
cancellations, some with their lines in a separate load); ask for the features as of
``D2 >= D1``. The table from the store is the one a full build gives, exactly, and so is
the CLV models' summary read from it (to the bit, ``btyd_monetary`` included).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segmint
from segmint.features.btyd import btyd_summary, summary_of_features
from segmint.features.build import assemble, build_features
from segmint.features.groups import ALL_GROUPS
from segmint.features.incremental import only_appended
from segmint.features.keys import source_keys
from segmint.features.part_store import built_methods, stored_parts
from segmint.mart import TABLES, Mart
from segmint.mart.ingest import IngestOptions, ingest

pytestmark = pytest.mark.slow

D1 = dt.date(2024, 3, 31)
CUSTOMERS = ("c1", "c2", "c3", "n1", "n2")
STATUSES = (None, "completed", "returned", "cancelled")

order_rows = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(CUSTOMERS),
        "days": st.integers(-60, 40),
        "hour": st.integers(0, 23),
        "status": st.sampled_from(STATUSES),
        "quantity": st.integers(-2, 3),
        "unit_price": st.sampled_from([0.0, 2.5, 10.0, 99.99]),
        "channel": st.sampled_from([None, "web", "store", "Phone"]),
        "product_id": st.sampled_from([None, "p1", "p2", "p3"]),
    }
)


def load(mart: Mart, name: str, rows: list[dict[str, Any]], ingest_id: int) -> None:
    schema = TABLES[name].ibis_schema()
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    frame["ingest_id"] = ingest_id
    mart.con.insert(name, ibis.memtable(frame).cast(schema))


def orders_and_lines(
    drawn: list[dict[str, Any]], prefix: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    orders, lines = [], []
    for i, row in enumerate(drawn):
        order_id = f"{prefix}{i}"
        when = dt.datetime.combine(D1 + dt.timedelta(days=row["days"]), dt.time(row["hour"]))
        orders.append(
            {
                "order_id": order_id,
                "customer_id": row["customer_id"],
                "order_ts": when,
                "channel": row["channel"],
                "status": row["status"],
            }
        )
        if row["quantity"]:
            lines.append(
                {
                    "order_id": order_id,
                    "line_no": 1,
                    "quantity": row["quantity"],
                    "unit_price": row["unit_price"],
                    "product_id": row["product_id"],
                }
            )
    return orders, lines


def base_mart(history: list[dict[str, Any]]) -> Mart:
    mart = segmint.connect(":memory:")
    customers = [{"customer_id": c, "signup_date": dt.date(2023, 6, 1)} for c in ("c1", "c2", "c3")]
    load(mart, "customers", customers, 1)
    products = [
        {"product_id": "p1", "category": "books", "unit_cost": 1.0},
        {"product_id": "p2", "category": "games"},
        {"product_id": "p3", "category": "music", "unit_cost": 4.0},
    ]
    load(mart, "products", products, 1)
    orders, lines = orders_and_lines(history, "h")
    if orders:
        load(mart, "orders", orders, 1)
    if lines:
        load(mart, "order_lines", lines, 1)
    return mart


def rows_of(table: ibis.Table) -> pd.DataFrame:
    return table.to_pandas().sort_values("customer_id", ignore_index=True)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=st.lists(order_rows, min_size=1, max_size=8),
    appended=st.lists(order_rows, min_size=1, max_size=6),
    lines_later=st.booleans(),
    step=st.integers(0, 30),
)
def test_bringing_forward_equals_a_full_rebuild(
    history: list[dict[str, Any]],
    appended: list[dict[str, Any]],
    lines_later: bool,
    step: int,
) -> None:
    with base_mart(history) as mart:
        assemble(stored_parts(mart, D1, ALL_GROUPS), D1).execute()
        orders, lines = orders_and_lines(appended, "a")
        load(mart, "orders", orders, 2)
        if lines:
            load(mart, "order_lines", lines, 3 if lines_later else 2)
        d2 = D1 + dt.timedelta(days=step)
        moved = assemble(stored_parts(mart, d2, ALL_GROUPS), d2)
        pd.testing.assert_frame_equal(rows_of(moved), rows_of(build_features(mart, d2)))
        pd.testing.assert_frame_equal(
            rows_of(summary_of_features(moved)), rows_of(btyd_summary(mart, d2)), check_exact=True
        )
        methods = built_methods(mart, d2)
        for group in ("purchases", "cadence", "margins", "btyd", "categories"):
            assert methods[group] == "incremental", group


def test_a_deleted_row_is_no_append() -> None:
    history = [
        {
            "customer_id": "c1",
            "days": -3,
            "hour": 9,
            "status": None,
            "quantity": 1,
            "unit_price": 2.5,
            "channel": None,
            "product_id": None,
        }
    ]
    with base_mart(history) as mart:
        before = source_keys(mart, ["orders", "order_lines"])
        orders, _ = orders_and_lines(history, "x")
        load(mart, "orders", orders, 2)
        assert only_appended(mart, before, source_keys(mart, ["orders", "order_lines"]))
        mart.delete("orders", order_id="h0")
        assert not only_appended(mart, before, source_keys(mart, ["orders", "order_lines"]))


SALES = (
    "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
    "S1,c1,2024-01-01,p1,3,10\nS1,c1,2024-01-01,p2,1,4\nS2,c2,2024-01-02,p1,1,10\n"
    "S3,c2,2024-01-03,p2,2,4\n"
)
RETURNS = (  # R1 returns one unit of S1; R2 cancels S2 in full
    "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
    "R1,c1,2024-01-05,p1,-1,10\nR2,c2,2024-01-06,p1,-1,10\n"
)


@pytest.mark.parametrize("later", [dt.date(2024, 1, 31), dt.date(2024, 2, 15)])
def test_returns_a_later_file_books_on_earlier_orders_reach_the_stored_groups(
    empty_mart: Mart, tmp_path: Path, later: dt.date
) -> None:
    for name, text in (("sales.csv", SALES), ("returns.csv", RETURNS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    ingest(empty_mart, "transactions", tmp_path / "sales.csv", IngestOptions())
    before = rows_of(assemble(stored_parts(empty_mart, dt.date(2024, 1, 31), ALL_GROUPS), D1))
    assert before.set_index("customer_id").loc["c2", "interpurchase_mean_days"] == 1.0
    loaded = ingest(empty_mart, "transactions", tmp_path / "returns.csv", IngestOptions())
    assert loaded.written["orders updated"] == 2  # S1 returned, S2 cancelled
    moved = rows_of(assemble(stored_parts(empty_mart, later, ALL_GROUPS), later))
    pd.testing.assert_frame_equal(moved, rows_of(build_features(empty_mart, later)))
    after = moved.set_index("customer_id")
    assert after.loc["c2", "frequency"] == 1  # S2 is no purchase any more
    assert pd.isna(after.loc["c2", "interpurchase_mean_days"])
    assert built_methods(empty_mart, later)["cadence"] == "incremental"
