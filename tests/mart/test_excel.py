"""Excel workbooks: the first sheet or a named one, typed cells, dates stored as serials."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import xlsxwriter

from segmint.exceptions import InputError
from segmint.mart import Mart

from .conftest import counts, load, reasons_by_row, write
from .test_transactions import RETAIL, RETAIL_MAPPING


def _workbook(
    path: Path, sheets: dict[str, list[list[Any]]], date_columns: tuple[int, ...] = ()
) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    dated = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, dated if c in date_columns else None)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def test_the_first_sheet_loads_with_typed_cells_and_serial_dates(
    mart: Mart, tmp_path: Path
) -> None:
    rows = [
        ["Customer ID", "Order Date", "Total", "Tier"],
        [12345, dt.datetime(2024, 3, 1, 10, 30), 19.99, "gold"],  # a formatted date cell
        ["00042", 45352.75, 5, "silver"],  # an unformatted serial: 2024-03-01 18:00
        [None, None, None, None],  # an empty row is passed over
        [12345, 45353, 1, "gold"],
    ]
    path = _workbook(tmp_path / "orders.xlsx", {"Orders": rows, "Notes": [["x"], [1]]}, (1,))
    result = load(mart, "transactions", path)
    assert result.guessed == {
        "customer_id": "Customer ID",
        "order_ts": "Order Date",
        "amount": "Total",
    }
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    orders = mart.table("orders").execute().sort_values("order_ts")
    assert [str(t) for t in orders.order_ts] == [
        "2024-03-01 10:30:00",
        "2024-03-01 18:00:00",
        "2024-03-02 00:00:00",
    ]
    assert sorted(orders.customer_id) == ["00042", "12345", "12345"]  # ids keep their text


def test_a_named_sheet_and_a_missing_one(mart: Mart, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "book.xlsx",
        {
            "Readme": [["about"], ["this workbook"]],
            "Customers": [["customer_id", "age"], ["c1", "25-34"]],
        },
    )
    result = load(mart, "customers", path, sheet="Customers")
    assert result.rows_loaded == 1
    with pytest.raises(
        InputError, match=r"no sheet 'People'; its sheets are \['Readme', 'Customers'\]"
    ):
        load(mart, "customers", path, sheet="People")
    other = load(mart, "customers", path, sheet="Customers")
    assert other.already_loaded  # the same sheet of the same bytes


def test_a_value_beyond_the_named_columns_is_quarantined(mart: Mart, tmp_path: Path) -> None:
    rows = [["customer_id", "age"], ["c1", "25-34"], ["c2", "35-44", "stray"]]
    result = load(mart, "customers", _workbook(tmp_path / "c.xlsx", {"S": rows}))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert reasons_by_row(mart)[2] == "malformed line: a value beyond the 2 named columns"


def test_a_file_named_xlsx_that_is_not_one(mart: Mart, tmp_path: Path) -> None:
    before = counts(mart)
    with pytest.raises(InputError, match="named like an Excel workbook but is not one"):
        load(mart, "customers", write(tmp_path / "c.xlsx", "customer_id\nc1\n"))
    with pytest.raises(InputError, match="--sheet applies to Excel workbooks"):
        load(mart, "customers", write(tmp_path / "c.csv", "customer_id\nc1\n"), sheet="S")
    assert counts(mart) == before


def _retail_rows(n: int | None) -> pd.DataFrame:
    frame = pd.read_parquet(RETAIL / "online_retail_ii_2009_2010.parquet")
    frame["Customer ID"] = frame["Customer ID"].astype("Int64")  # as the published CSV has it
    return frame if n is None else frame.head(n)


def _retail_workbook(frame: pd.DataFrame, path: Path) -> Path:
    header = list(frame.columns)
    rows: list[list[Any]] = [header]
    for record in frame.itertuples(index=False):
        rows.append(
            [None if v is pd.NA or (isinstance(v, float) and v != v) else v for v in record]
        )
    stamps = tuple(i for i, c in enumerate(header) if c == "InvoiceDate")
    for row in rows[1:]:
        row[stamps[0]] = pd.Timestamp(row[stamps[0]]).to_pydatetime()
    return _workbook(path, {"Year 2009-2010": rows}, stamps)


def _mart_content(mart: Mart) -> dict[str, list[tuple[Any, ...]]]:
    content = {}
    for table, key in (
        ("orders", "order_id"),
        ("order_lines", ["order_id", "line_no"]),
        ("customers", "customer_id"),
        ("products", "product_id"),
    ):
        frame = mart.table(table).drop("ingest_id").order_by(key).execute()
        content[table] = [
            tuple(None if v != v else v for v in r) for r in frame.itertuples(index=False)
        ]
    return content


def test_online_retail_rows_load_the_same_from_csv_and_from_xlsx(
    mart: Mart, tmp_path: Path, empty_template: Path
) -> None:
    import shutil

    import segmint

    frame = _retail_rows(3_000)
    frame.to_csv(tmp_path / "retail.csv", index=False)
    from_csv = load(mart, "transactions", tmp_path / "retail.csv")
    shutil.copyfile(empty_template, tmp_path / "other.duckdb")
    with segmint.connect(tmp_path / "other.duckdb") as other:
        from_xlsx = load(other, "transactions", _retail_workbook(frame, tmp_path / "retail.xlsx"))
        assert from_xlsx.guessed == from_csv.guessed == RETAIL_MAPPING
        assert [u.column for u in from_xlsx.columns] == list(frame.columns)  # in == out
        assert (from_xlsx.rows_loaded, from_xlsx.rows_quarantined) == (
            from_csv.rows_loaded,
            from_csv.rows_quarantined,
        )
        assert _mart_content(other) == _mart_content(mart)


@pytest.mark.slow
def test_the_whole_online_retail_year_loads_from_xlsx(mart: Mart, tmp_path: Path) -> None:
    path = _retail_workbook(_retail_rows(None), tmp_path / "online_retail_II.xlsx")
    result = load(mart, "transactions", path)
    assert result.guessed == RETAIL_MAPPING
    assert (result.rows_read, result.rows_quarantined) == (502_938, 100_207)
    assert result.reconciles
