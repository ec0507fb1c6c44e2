"""Planning a table load: what is added, what duplicates, what goes to quarantine and why.

Loads from files through ``ingest`` are in ``test_ingest.py`` and ``test_validation.py``;
here the plan is inspected before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator

import ibis
import pandas as pd
import pytest

import segmint
from segmint.mart import TABLES, Mart
from segmint.mart.plan import count, temp
from segmint.mart.staging import Stage
from segmint.mart.tables import TableOptions, plan_table


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        made.raw.execute("INSERT INTO customers (customer_id) VALUES ('c1'), ('c2')")
        made.raw.execute(
            "INSERT INTO orders (order_id, customer_id, order_ts) VALUES "
            "('o0', 'c1', TIMESTAMP '2024-01-01 09:00')"
        )
        yield made


def staged(mart: Mart, rows: dict[str, list[str]]) -> Stage:
    n = len(next(iter(rows.values())))
    frame = pd.DataFrame({"_row": list(range(1, n + 1)), **rows})
    empty = ibis.memtable(
        pd.DataFrame({"_row": pd.Series([], dtype="int64"), "reason": [], "raw": []}).astype(
            {"reason": "string", "raw": "string"}
        )
    )
    return Stage(temp(mart, ibis.memtable(frame)), empty, n)


ORDERS = {
    "order_id": ["o0", "o1", "o1", "o2", "o3", "o4"],
    "customer_id": ["c1", "c2", "c2", "nobody", "c1", "c9"],
    "order_ts": ["2024-01-01 09:00:00"] + ["2024-02-01 10:00:00"] * 4 + ["2024-03-01 10:00:00"],
    "colour": ["red"] * 6,
}


def quarantined(plan_quarantine: list[ibis.Table]) -> dict[int, str]:
    found: dict[int, str] = {}
    for table in plan_quarantine:
        frame = table.execute()
        found.update(zip(frame["_row"].astype(int), frame["reason"], strict=True))
    return found


def test_plan_adds_new_rows_skips_repeats_and_rejects_unknown_customers(mart: Mart) -> None:
    plan = plan_table(mart, TABLES["orders"], staged(mart, ORDERS), "orders.csv", TableOptions({}))
    assert plan.ignored_columns == ["colour"]
    [(name, rows)] = plan.inserts
    assert name == "orders"
    assert sorted(rows.execute().order_id) == ["o1", "o3"]
    assert rows.columns == tuple(TABLES["orders"].column_names)
    assert plan.n_loaded == 2
    assert plan.n_duplicate == 2  # o0 is in the mart already; the second o1 repeats the first
    reasons = quarantined(plan.quarantine)
    assert set(reasons) == {4, 6}
    assert reasons[4].startswith("unknown customer_id 'nobody': not in customers")
    assert "--create-customers" in reasons[6]


def test_create_customers_inserts_the_unknown_ones_first(mart: Mart) -> None:
    plan = plan_table(
        mart,
        TABLES["orders"],
        staged(mart, ORDERS),
        "orders.csv",
        TableOptions({}, create_customers=True),
    )
    assert [name for name, _ in plan.inserts] == ["customers", "orders"]
    new_customers = plan.inserts[0][1].execute()
    assert sorted(new_customers.customer_id) == ["c9", "nobody"]
    assert count(plan.inserts[1][1]) == 4
    assert quarantined(plan.quarantine) == {}


def test_a_line_of_an_unknown_order_names_the_order_table(mart: Mart) -> None:
    lines = {
        "order_id": ["o0", "zz"],
        "line_no": ["1", "1"],
        "quantity": ["1", "2"],
        "unit_price": ["2.5", "3"],
    }
    plan = plan_table(
        mart,
        TABLES["order_lines"],
        staged(mart, lines),
        "lines.csv",
        TableOptions({}, create_customers=True),  # customers only: orders must exist
    )
    assert [name for name, _ in plan.inserts] == ["order_lines"]
    reasons = quarantined(plan.quarantine)
    assert reasons == {2: "unknown order_id 'zz': not in orders; load orders first"}
