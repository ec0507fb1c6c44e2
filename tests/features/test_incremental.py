"""Bringing stored purchase groups forward equals a full rebuild, for any append of orders.

Property: store every group as of ``D1``; append a random batch and ask for the features as
of ``D2 >= D1``. The table from the store is the one a full build gives, exactly, and so is
the CLV models' summary read from it (to the bit, ``btyd_monetary`` included).

The orders drawn are what loads let in: existing and new customers (one whose first order
comes with the batch), dates before ``D1``, on ``D1`` and ``D2`` themselves, between them
and after ``D2``, several orders of one customer on one day, orders without lines, several
lines of one product, zero-priced and zero-quantity lines, discounts, every status, and
orders holding both sale and return lines. The batch is either orders and lines files
(the lines maybe in a load of their own) or a transactions file, whose return documents
are booked on orders of the earlier load (changing their status) or of the same file.
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
PRODUCTS = (None, "p1", "p2", "p3")

line_rows = st.fixed_dictionaries(
    {
        "product_id": st.sampled_from(PRODUCTS),
        "quantity": st.integers(-2, 3),
        "unit_price": st.sampled_from([0.0, 2.5, 10.0, 99.99]),
        "discount": st.sampled_from([None, 0.0, 1.5]),
    }
)


def returned(order: dict[str, Any]) -> dict[str, Any]:
    """``order`` with every line a return (negative quantity): a return document."""
    lines = [line | {"quantity": -(abs(line["quantity"]) or 1)} for line in order["lines"]]
    return order | {"lines": lines}


order_rows = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(CUSTOMERS),
        # a few days often, so one customer orders twice on a day and D1 itself is drawn
        "days": st.integers(-60, 40) | st.sampled_from([-1, 0, 1]),
        "hour": st.integers(0, 23),
        "status": st.sampled_from(STATUSES),
        "channel": st.sampled_from([None, "web", "store", "Phone"]),
        "lines": st.lists(line_rows, max_size=3),
        "returning": st.booleans(),
    }
).map(lambda order: returned(order) if order.pop("returning") else order)


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Orders loaded first and orders appended, some of these returning (in part or in
    full) the goods of an earlier order, on its day or later: a transactions file books
    them on that order."""
    history = draw(st.lists(order_rows, min_size=1, max_size=8))
    appended = draw(st.lists(order_rows, max_size=6))
    sales = [order for order in history if any(line["quantity"] > 0 for line in order["lines"])]
    if not sales:
        return history, appended or [draw(order_rows)]
    reversals = st.tuples(st.sampled_from(sales), st.sampled_from([0, 0, 1, 5]), st.booleans())
    for sale, later, whole in draw(st.lists(reversals, max_size=3)):
        lines = [
            line | {"quantity": -line["quantity"] if whole else -1}
            for line in sale["lines"]
            if line["quantity"] > 0
        ]
        back = sale | {"days": sale["days"] + later, "status": None, "lines": lines}
        appended.insert(draw(st.integers(0, len(appended))), back)
    return history, appended or [draw(order_rows)]


def record_load(mart: Mart, ingest_id: int, name: str, n_rows: int) -> None:
    """Record a load of ``n_rows`` rows into ``name`` in ``ingests``, as a file load does, so
    a later file load takes the next id."""
    row = {"ingest_id": ingest_id, "table_name": name, "rows_read": n_rows}
    frame = pd.DataFrame([row | {"rows_loaded": n_rows}])
    schema = TABLES["ingests"].ibis_schema()
    mart.con.insert("ingests", ibis.memtable(frame.reindex(columns=list(schema))).cast(schema))


def load(mart: Mart, name: str, rows: list[dict[str, Any]], ingest_id: int) -> None:
    schema = TABLES[name].ibis_schema()
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    frame["ingest_id"] = ingest_id
    mart.con.insert(name, ibis.memtable(frame).cast(schema))
    record_load(mart, ingest_id, name, len(rows))


def moment(row: dict[str, Any]) -> dt.datetime:
    return dt.datetime.combine(D1 + dt.timedelta(days=row["days"]), dt.time(row["hour"]))


def orders_and_lines(
    drawn: list[dict[str, Any]], prefix: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    orders, lines = [], []
    for i, row in enumerate(drawn):
        order_id = f"{prefix}{i}"
        orders.append(
            {
                "order_id": order_id,
                "customer_id": row["customer_id"],
                "order_ts": moment(row),
                "channel": row["channel"],
                "status": row["status"],
            }
        )
        for n, line in enumerate(row["lines"], start=1):
            lines.append({"order_id": order_id, "line_no": n, **line})
    return orders, lines


def transactions_file(drawn: list[dict[str, Any]], path: Path) -> Path:
    """``drawn`` as a transactions file: one row per line (an order whose lines are all
    negative is a return document; an order without lines is left out)."""
    rows = [
        {
            "order_id": f"t{i}",
            "customer_id": order["customer_id"],
            "order_ts": moment(order).isoformat(sep=" "),
            "channel": order["channel"],
            "product_id": line["product_id"],
            "quantity": line["quantity"],
            "unit_price": line["unit_price"],
            "discount": line["discount"],
        }
        for i, order in enumerate(drawn)
        for line in order["lines"]
    ]
    columns = ["order_id", "customer_id", "order_ts", "channel", "product_id", "quantity"]
    pd.DataFrame(rows, columns=[*columns, "unit_price", "discount"]).to_csv(path, index=False)
    return path


def base_mart(history: list[dict[str, Any]]) -> Mart:
    mart = segmint.connect(":memory:")
    customers = [{"customer_id": c, "signup_date": dt.date(2023, 6, 1)} for c in ("c1", "c2", "c3")]
    load(mart, "customers", customers, 1)
    products = [
        {"product_id": "p1", "category": "books", "unit_cost": 1.0},
        {"product_id": "p2", "category": "games"},
        {"product_id": "p3", "category": "music", "unit_cost": 4.0},
    ]
    load(mart, "products", products, 2)
    orders, lines = orders_and_lines(history, "h")
    if orders:
        load(mart, "orders", orders, 3)
    if lines:
        load(mart, "order_lines", lines, 4)
    return mart


def append(mart: Mart, appended: list[dict[str, Any]], how: str, folder: Path) -> bool:
    """Load ``appended``: as orders and lines files (the lines in the same load as the
    orders, or in one of their own), or as a transactions file. Whether anything loaded
    (a transactions file has no row for an order without lines)."""
    if how == "transactions":
        if not any(order["lines"] for order in appended):
            return False
        ingest(mart, "transactions", transactions_file(appended, folder / "t.csv"))
        return True
    orders, lines = orders_and_lines(appended, "a")
    load(mart, "orders", orders, 5)
    if lines:
        load(mart, "order_lines", lines, 6 if how == "lines later" else 5)
    return True


def rows_of(table: ibis.Table) -> pd.DataFrame:
    return table.to_pandas().sort_values("customer_id", ignore_index=True)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batch=batches(),
    how=st.sampled_from(["transactions", "files", "lines later", "transactions"]),
    step=st.integers(0, 30) | st.sampled_from([0, 1]),
)
def test_bringing_forward_equals_a_full_rebuild(
    batch: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    how: str,
    step: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    history, appended = batch
    with base_mart(history) as mart:
        assemble(stored_parts(mart, D1, ALL_GROUPS), D1).execute()
        loaded = append(mart, appended, how, tmp_path_factory.mktemp("append"))
        d2 = D1 + dt.timedelta(days=step)
        moved = assemble(stored_parts(mart, d2, ALL_GROUPS), d2)
        pd.testing.assert_frame_equal(rows_of(moved), rows_of(build_features(mart, d2)))
        pd.testing.assert_frame_equal(
            rows_of(summary_of_features(moved)), rows_of(btyd_summary(mart, d2)), check_exact=True
        )
        methods = built_methods(mart, d2)
        for group in ("purchases", "cadence", "margins", "btyd", "categories"):
            # nothing new, the same day: the parts stored as of D1 are read as they are
            assert methods[group] == ("incremental" if loaded or step else "full"), group


def test_a_deleted_row_is_no_append() -> None:
    line = {"product_id": None, "quantity": 1, "unit_price": 2.5, "discount": None}
    history = [
        {
            "customer_id": "c1",
            "days": -3,
            "hour": 9,
            "status": None,
            "channel": None,
            "lines": [line],
        }
    ]
    with base_mart(history) as mart:
        before = source_keys(mart, ["orders", "order_lines"])
        orders, _ = orders_and_lines(history, "x")
        load(mart, "orders", orders, 5)
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
