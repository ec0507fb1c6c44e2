"""Reading an Excel workbook (``.xlsx``/``.xlsm``) into a staging table.

The sheet (the first, or the one named with ``--sheet``) is read by python-calamine, a
Rust reader, row by row. Its first non-empty row is the header; each later row is one
data row numbered from 1, and empty rows are passed over the way the CSV reader passes
over blank lines. Cells keep their type: a column whose cells are all numbers is a
number column, all dates a timestamp column, anything mixed is text. A date typed as a
plain number (a serial, as Shopify's and many other workbooks store them) stays a number
here and is read as an Excel serial date when a date column is parsed
(:func:`segmint.mart.parsing.parse_excel_timestamp`).

A row with a value under no header cannot be loaded as it stands: it goes to quarantine
with the reason and its raw cells, like a malformed CSV line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from segmint.exceptions import InputError
from segmint.mart.column_names import check_names
from segmint.mart.connection import Mart

_REJECT_SCHEMA = pa.schema([("_row", pa.int64()), ("reason", pa.string()), ("raw", pa.string())])


def sheet_names(path: Path) -> list[str]:
    """The names of the workbook's sheets, in order."""
    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as an Excel workbook: {exc}") from None


def stage_workbook(
    mart: Mart, path: Path, sheet: str | None, name: str
) -> tuple[ibis.Table, ibis.Table]:
    """The rows of one sheet as a temporary table (with ``_row``), and the rejected rows.

    Raises:
        InputError: the workbook cannot be read, has no such sheet, or the sheet no header.
    """
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            raise InputError(
                f"{path}: no sheet '{sheet}'; its sheets are {names}. Pick one with --sheet NAME."
            )
        chosen = book.get_sheet_by_name(sheet) if sheet is not None else book.get_sheet_by_index(0)
        rows = chosen.iter_rows()
        header = _header(rows)
        if header is None:
            raise InputError(f"{path}: the sheet '{chosen.name}' is empty")
        columns, width = header
        check_names(columns, str(path))
        cells: list[list[Any]] = [[] for _ in columns]
        numbers: list[int] = []
        rejects: list[dict[str, Any]] = []
        for number, row in enumerate(rows, start=1):
            if all(_blank(v) for v in row):
                continue
            extra = [v for v in row[width:] if not _blank(v)]
            if extra:
                rejects.append(
                    {
                        "_row": number,
                        "reason": f"malformed line: a value beyond the {width} named columns",
                        "raw": json.dumps([_plain(v) for v in row]),
                    }
                )
                continue
            numbers.append(number)
            padded = list(row[:width]) + [""] * (width - len(row))
            for i, value in enumerate(padded):
                cells[i].append(None if _blank(value) else value)
    except CalamineError as exc:
        raise InputError(f"{path}: cannot be read as an Excel workbook: {exc}") from None
    arrays = {c: _array(v) for c, v in zip(columns, cells, strict=True)}
    arrays["_row"] = pa.array(numbers, pa.int64())
    stage = mart.create_table(name, pa.table(arrays), temp=True)
    rejected = pa.Table.from_pylist(rejects, schema=_REJECT_SCHEMA)
    return stage, mart.create_table(f"{name}_rejects", rejected, temp=True)


def _header(rows: Any) -> tuple[list[str], int] | None:
    """The first non-empty row's names (trailing empty cells dropped) and their count."""
    for row in rows:
        if all(_blank(v) for v in row):
            continue
        names = [_plain(v) for v in row]
        while names and names[-1] == "":
            names.pop()
        return [str(n).strip() for n in names], len(names)
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain(value: Any) -> Any:
    """A cell as JSON-ready data (dates as ISO text)."""
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_EPOCH = dt.datetime(1899, 12, 30)


def _serial(value: Any) -> float:
    """A date cell as the serial number a workbook would store for it."""
    if isinstance(value, dt.datetime):
        return (value - _EPOCH).total_seconds() / 86_400
    if isinstance(value, dt.date):
        return float((value - _EPOCH.date()).days)
    return float(value)


def _array(values: list[Any]) -> pa.Array:
    """One column: numbers, timestamps or booleans when every cell is one, else text.

    A column mixing date cells and plain numbers holds serial dates typed two ways: its
    date cells become serials too, and the whole column is read as serials.
    """
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.array(values, pa.bool_())
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    mixed = not all(isinstance(v, dt.date) for v in present)  # dates and serials mixed
    if present and mixed and all(isinstance(v, int | float | dt.date) for v in present):
        return pa.array([None if v is None else _serial(v) for v in values], pa.float64())
    if present and all(isinstance(v, dt.datetime | dt.date) for v in present):
        stamps = [
            None
            if v is None
            else v
            if isinstance(v, dt.datetime)
            else dt.datetime(v.year, v.month, v.day)
            for v in values
        ]
        return pa.array(stamps, pa.timestamp("us"))
    return pa.array([None if v is None else str(_plain(v)) for v in values], pa.string())
