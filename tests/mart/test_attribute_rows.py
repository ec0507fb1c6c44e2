"""A transactions file's customer-level columns as dated attribute rows: each customer's
history of values, one row per run of equal values, dated by the run's first order."""

from __future__ import annotations

from pathlib import Path

from segmint.mart import Mart

from .conftest import load, write


def _dated(mart: Mart) -> list[tuple[str, str, str]]:
    rows = mart.table("customer_attributes").to_pyarrow().to_pylist()
    return sorted((r["customer_id"], str(r["updated_at"])[:16], r["value"]) for r in rows)


def test_each_run_of_a_value_is_a_row_dated_by_its_first_order(mart: Mart, tmp_path: Path) -> None:
    text = (
        "CustomerID,InvoiceDate,Total,Tier\n"
        "c1,2024-03-01,10,A\n"  # rows out of time order: runs follow the orders' times
        "c1,2024-01-01,10,A\n"
        "c1,2024-02-01,10,B\n"
        "c1,2024-02-01,10,A\n"  # two rows at one time: the later file row counts
        "c1,2024-04-01,10,B\n"
        "c1,2024-04-01,10,B\n"
    )
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    note = {u.column: u.note for u in result.columns}["Tier"]
    assert "1 customers had more than one value (each kept from the order" in note
    assert _dated(mart) == [
        ("c1", "2024-01-01 00:00", "A"),
        ("c1", "2024-04-01 00:00", "B"),
    ]


def test_a_pair_the_mart_holds_keeps_its_rows_and_conflicts_with_the_current_value(
    mart: Mart, tmp_path: Path
) -> None:
    first = "CustomerID,InvoiceDate,Total,Tier\nc1,2024-01-01,10,A\nc1,2024-02-01,10,B\n"
    load(mart, "transactions", write(tmp_path / "a.csv", first))
    again = "CustomerID,InvoiceDate,Total,Tier\nc1,2024-03-01,10,B\n"
    result = load(mart, "transactions", write(tmp_path / "b.csv", again))
    # B is c1's value now; the earlier A is history, not a conflict
    assert "another value in the mart" not in {u.column: u.note for u in result.columns}["Tier"]
    changed = "CustomerID,InvoiceDate,Total,Tier\nc1,2024-04-01,10,C\n"
    result = load(mart, "transactions", write(tmp_path / "c.csv", changed))
    note = {u.column: u.note for u in result.columns}["Tier"]
    assert "c1: B kept, the file says C" in note
    assert _dated(mart) == [("c1", "2024-01-01 00:00", "A"), ("c1", "2024-02-01 00:00", "B")]


def test_a_customers_file_conflicts_only_with_the_current_value(mart: Mart, tmp_path: Path) -> None:
    orders = "CustomerID,InvoiceDate,Total,Tier\nc1,2024-01-01,10,A\nc1,2024-02-01,10,B\n"
    load(mart, "transactions", write(tmp_path / "t.csv", orders))
    result = load(mart, "customers", write(tmp_path / "c.csv", "customer_id,tier\nc1,B\n"))
    assert not {u.column: u.note for u in result.columns}["tier"]


def test_a_mart_loaded_with_one_row_per_customer_keeps_it(mart: Mart, tmp_path: Path) -> None:
    # The layout before histories: the latest value alone, dated by its last run.
    load(mart, "customers", write(tmp_path / "c.csv", "customer_id\nc1\n"))
    stored = "customer_id,name,value,updated_at\nc1,tier,B,2024-02-01\n"
    load(mart, "customer_attributes", write(tmp_path / "a.csv", stored))
    text = "CustomerID,InvoiceDate,Total,Tier\nc1,2024-01-01,10,A\nc1,2024-02-01,10,B\n"
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert "another value in the mart" not in {u.column: u.note for u in result.columns}["Tier"]
    assert _dated(mart) == [("c1", "2024-02-01 00:00", "B")]
