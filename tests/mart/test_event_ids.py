"""Events files without ids load, with ids derived from each row's content."""

from __future__ import annotations

from pathlib import Path

from segmint.mart import Mart
from segmint.mart.event_ids import NOTE

from .conftest import column, load, write

HEADER = "User ID,Event Time,Event Name,Page,anonymousId"
ROWS = (
    "c1,2024-01-02 10:00:00,page_view,/shoes,a-1",
    "c1,2024-01-02 10:05:00,add_to_cart,p1,a-1",
    "c2,2024-01-03 09:00:00,search,hats,a-2",
)


def _export(path: Path, header: str, rows: tuple[str, ...] | list[str]) -> Path:
    return write(path, "\n".join([header, *rows]) + "\n")


def test_an_events_file_without_ids_loads_and_says_the_ids_were_derived(
    shop: Mart, tmp_path: Path
) -> None:
    result = load(shop, "events", _export(tmp_path / "e.csv", HEADER, ROWS))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    assert result.reconciles
    assert NOTE in result.notes
    assert "event_id" not in result.mapping  # no file column is the id
    ids = column(shop, "events", "event_id")
    assert len(set(ids)) == 3
    assert all(i.startswith("h-") and len(i) == 34 for i in ids)


def test_the_same_export_loaded_again_is_all_duplicates(shop: Mart, tmp_path: Path) -> None:
    load(shop, "events", _export(tmp_path / "monday.csv", HEADER, ROWS))
    # saved again by the tool: rows in another order, columns in another order
    names = HEADER.split(",")
    order = [4, 2, 0, 3, 1]
    header = ",".join(names[i] for i in order)
    rows = [",".join(r.split(",")[i] for i in order) for r in reversed(ROWS)]
    again = load(shop, "events", _export(tmp_path / "tuesday.csv", header, rows))
    assert not again.already_loaded  # other bytes: the file is read, row by row
    assert (again.rows_read, again.rows_loaded, again.rows_duplicate) == (3, 0, 3)
    assert again.reconciles
    assert shop.count("events") == 3


def test_an_overlapping_export_adds_only_its_new_events(shop: Mart, tmp_path: Path) -> None:
    load(shop, "events", _export(tmp_path / "week1.csv", HEADER, ROWS[:2]))
    later = load(shop, "events", _export(tmp_path / "week2.csv", HEADER, ROWS[1:]))
    assert (later.rows_loaded, later.rows_duplicate, later.rows_quarantined) == (1, 1, 0)
    assert shop.count("events") == 3


def test_an_exactly_repeated_row_is_one_event(shop: Mart, tmp_path: Path) -> None:
    rows = (ROWS[0], ROWS[1], ROWS[0])
    result = load(shop, "events", _export(tmp_path / "e.csv", HEADER, rows))
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (3, 2, 1)
    assert result.rows_quarantined == 0
    assert shop.count("events") == 2


def test_rows_that_differ_only_in_a_column_not_loaded_are_two_events(
    shop: Mart, tmp_path: Path
) -> None:
    rows = (ROWS[0], ROWS[0].replace("a-1", "a-9"))  # the same customer on two browsers
    result = load(shop, "events", _export(tmp_path / "e.csv", HEADER, rows))
    assert (result.rows_loaded, result.rows_duplicate) == (2, 0)


def test_an_ignored_column_does_not_count_in_the_id(shop: Mart, tmp_path: Path) -> None:
    header = HEADER + ",Exported At"
    first = [f"{r},2024-01-04 00:00:00" for r in ROWS]
    second = [f"{r},2024-01-05 00:00:00" for r in ROWS]
    ignore = ("Exported At",)
    load(shop, "events", _export(tmp_path / "a.csv", header, first), ignore=ignore)
    again = load(shop, "events", _export(tmp_path / "b.csv", header, second), ignore=ignore)
    assert (again.rows_loaded, again.rows_duplicate) == (0, 3)


def test_a_file_with_ids_keeps_them(shop: Mart, tmp_path: Path) -> None:
    text = "event_id,customer_id,event_ts,event_type\nw1,c1,2024-01-02,page_view\n"
    result = load(shop, "events", write(tmp_path / "e.csv", text))
    assert NOTE not in result.notes
    assert column(shop, "events", "event_id") == ["w1"]


def test_rejected_rows_of_a_file_without_ids_reconcile(shop: Mart, tmp_path: Path) -> None:
    rows = (*ROWS, ",2024-01-02 11:00:00,page_view,/a,a-3", "c9,2024-01-02,page_view,/b,a-4")
    result = load(shop, "events", _export(tmp_path / "e.csv", HEADER, rows))
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (3, 0, 2)
    assert result.reconciles
