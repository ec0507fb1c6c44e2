"""A transactions file's customer-level columns as dated attribute rows: each customer's
history of values, one row per run of equal values, dated by the run's first order."""

from __future__ import annotations

from pathlib import Path

from segmint.mart import Mart
from segmint.mart.ingest import IngestResult

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


_HEADER = "CustomerID,InvoiceDate,Total,Tier\n"
_JANUARY = _HEADER + "c1,2024-01-05,10,A\nc1,2024-01-20,10,A\nc2,2024-01-07,10,gold\n"
_FEBRUARY = _HEADER + "c1,2024-02-03,10,B\nc1,2024-02-20,10,B\nc2,2024-02-09,10,gold\n"


def _tier_note(result: IngestResult) -> str:
    return {u.column: u.note for u in result.columns}["Tier"]


def test_a_later_file_extends_the_history_of_a_pair_the_mart_holds(
    mart: Mart, tmp_path: Path
) -> None:
    load(mart, "transactions", write(tmp_path / "january.csv", _JANUARY))
    result = load(mart, "transactions", write(tmp_path / "february.csv", _FEBRUARY))
    assert result.reconciles and result.written["customer_attributes"] == 1
    note = _tier_note(result)
    assert "1 existing customers' values changed since the mart's latest" in note
    assert "c1: A → B" in note and "another value in the mart" not in note  # c2: still gold
    assert _dated(mart) == [
        ("c1", "2024-01-05 00:00", "A"),
        ("c1", "2024-02-03 00:00", "B"),
        ("c2", "2024-01-07 00:00", "gold"),
    ]


def test_loading_the_same_files_again_adds_nothing(mart: Mart, tmp_path: Path) -> None:
    january = write(tmp_path / "january.csv", _JANUARY)
    february = write(tmp_path / "february.csv", _FEBRUARY)
    load(mart, "transactions", january)
    load(mart, "transactions", february)
    before = _dated(mart)
    for path in (february, january):
        result = load(mart, "transactions", path)
        assert result.reconciles and not result.written.get("customer_attributes")
    assert _dated(mart) == before


def test_a_value_dated_inside_the_mart_history_is_a_conflict_not_a_row(
    mart: Mart, tmp_path: Path
) -> None:
    load(mart, "transactions", write(tmp_path / "january.csv", _JANUARY))
    load(mart, "transactions", write(tmp_path / "february.csv", _FEBRUARY))
    late = _HEADER + "c1,2024-01-25,10,C\nc1,2024-03-01,10,B\n"  # C as of January; B still
    result = load(mart, "transactions", write(tmp_path / "late.csv", late))
    note = _tier_note(result)
    assert "1 existing customers have another value in the mart" in note
    assert "c1: A kept, the file says C" in note  # A was c1's value on 25 January
    assert "changed" not in note
    assert len(_dated(mart)) == 3


def test_a_later_value_equal_to_the_current_one_adds_no_row(mart: Mart, tmp_path: Path) -> None:
    load(mart, "transactions", write(tmp_path / "january.csv", _JANUARY))
    same = _HEADER + "c1,2024-02-03,10,A\nc2,2024-02-09,10,gold\n"
    result = load(mart, "transactions", write(tmp_path / "february.csv", same))
    assert not result.written.get("customer_attributes")
    assert _dated(mart) == [("c1", "2024-01-05 00:00", "A"), ("c2", "2024-01-07 00:00", "gold")]


def test_a_later_file_can_change_a_value_back(mart: Mart, tmp_path: Path) -> None:
    load(mart, "transactions", write(tmp_path / "january.csv", _JANUARY))
    back = _HEADER + "c1,2024-02-03,10,A\nc1,2024-02-10,10,B\nc1,2024-02-20,10,A\n"
    load(mart, "transactions", write(tmp_path / "february.csv", back))
    assert [row for row in _dated(mart) if row[0] == "c1"] == [
        ("c1", "2024-01-05 00:00", "A"),
        ("c1", "2024-02-10 00:00", "B"),
        ("c1", "2024-02-20 00:00", "A"),
    ]


def test_a_customers_file_conflicts_only_with_the_current_value(mart: Mart, tmp_path: Path) -> None:
    orders = "CustomerID,InvoiceDate,Total,Tier\nc1,2024-01-01,10,A\nc1,2024-02-01,10,B\n"
    load(mart, "transactions", write(tmp_path / "t.csv", orders))
    result = load(mart, "customers", write(tmp_path / "c.csv", "customer_id,tier\nc1,B\n"))
    assert not {u.column: u.note for u in result.columns}["tier"]
    # undated, it changes nothing: a different value is a conflict, not a row
    result = load(mart, "customers", write(tmp_path / "d.csv", "customer_id,tier\nc1,C\n"))
    assert "c1: B kept, the file says C" in {u.column: u.note for u in result.columns}["tier"]
    assert (result.rows_loaded, result.rows_duplicate) == (0, 1)
    assert len(_dated(mart)) == 2


def test_a_mart_loaded_with_one_row_per_customer_gets_the_earlier_values_back(
    mart: Mart, tmp_path: Path
) -> None:
    # The layout before histories: the latest value alone, dated by its last run; loading
    # the file again adds the values dated before it, and the stored row stays.
    load(mart, "customers", write(tmp_path / "c.csv", "customer_id\nc1\n"))
    stored = "customer_id,name,value,updated_at\nc1,tier,B,2024-02-01\n"
    load(mart, "customer_attributes", write(tmp_path / "a.csv", stored))
    text = "CustomerID,InvoiceDate,Total,Tier\nc1,2024-01-01,10,A\nc1,2024-02-01,10,B\n"
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert "another value in the mart" not in {u.column: u.note for u in result.columns}["Tier"]
    assert _dated(mart) == [("c1", "2024-01-01 00:00", "A"), ("c1", "2024-02-01 00:00", "B")]


def test_an_earlier_file_loaded_later_goes_back_in_the_history(mart: Mart, tmp_path: Path) -> None:
    load(mart, "transactions", write(tmp_path / "february.csv", _FEBRUARY))
    result = load(mart, "transactions", write(tmp_path / "january.csv", _JANUARY))
    assert result.reconciles and result.written["customer_attributes"] == 2
    note = _tier_note(result)
    assert "2 existing customers' values dated before the mart's first added" in note
    assert "c1: A from 2024-01-05, then the mart's B from 2024-02-03" in note
    assert "another value in the mart" not in note and "changed" not in note
    # c1 as loaded in order; c2's gold starts on 7 January, its February row stays
    assert _dated(mart) == [
        ("c1", "2024-01-05 00:00", "A"),
        ("c1", "2024-02-03 00:00", "B"),
        ("c2", "2024-01-07 00:00", "gold"),
        ("c2", "2024-02-09 00:00", "gold"),
    ]
    for path in (tmp_path / "january.csv", tmp_path / "february.csv"):
        again = load(mart, "transactions", path)
        assert again.reconciles and not again.written.get("customer_attributes")
    assert len(_dated(mart)) == 4


def test_an_earlier_file_adds_each_run_before_the_first_stored_row(
    mart: Mart, tmp_path: Path
) -> None:
    load(mart, "transactions", write(tmp_path / "march.csv", _HEADER + "c1,2024-03-01,10,B\n"))
    early = _HEADER + "c1,2024-01-01,10,A\nc1,2024-01-10,10,A\nc1,2024-02-01,10,C\n"
    load(mart, "transactions", write(tmp_path / "early.csv", early))
    assert _dated(mart) == [
        ("c1", "2024-01-01 00:00", "A"),
        ("c1", "2024-02-01 00:00", "C"),
        ("c1", "2024-03-01 00:00", "B"),
    ]


def test_an_earlier_value_of_a_pair_with_an_undated_value_is_a_conflict(
    mart: Mart, tmp_path: Path
) -> None:
    # An undated value (a customers file's) is known as of any day: an earlier dated value
    # that differs contradicts it, as any other does.
    load(mart, "customers", write(tmp_path / "c.csv", "customer_id,tier\nc1,A\n"))
    result = load(mart, "transactions", write(tmp_path / "t.csv", _HEADER + "c1,2024-01-01,10,B\n"))
    assert "c1: A kept, the file says B" in _tier_note(result)
    assert "before the mart's first" not in _tier_note(result)
    assert [row[2] for row in _dated(mart)] == ["A"]


def test_a_change_is_added_though_a_later_order_came_from_a_file_without_the_column(
    mart: Mart, tmp_path: Path
) -> None:
    # the web shop's orders carry no tier: its later order says nothing of February's B
    load(mart, "transactions", write(tmp_path / "store_january.csv", _JANUARY))
    web = "CustomerID,InvoiceDate,Total\nc1,2024-02-25,10\n"
    load(mart, "transactions", write(tmp_path / "web_february.csv", web))
    result = load(mart, "transactions", write(tmp_path / "store_february.csv", _FEBRUARY))
    assert result.reconciles and "c1: A → B" in _tier_note(result)
    assert [row for row in _dated(mart) if row[0] == "c1"] == [
        ("c1", "2024-01-05 00:00", "A"),
        ("c1", "2024-02-03 00:00", "B"),
    ]
