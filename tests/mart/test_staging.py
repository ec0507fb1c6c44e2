"""Staging: every data row is read or rejected with its raw line, and keeps its row number."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.mart.files import inspect
from segmint.mart.staging import stage_file

from .conftest import column, load, quarantine, reasons_by_row, write

BAD_YEAR = "birth_year: cannot read 'abc' as a whole number"


def test_malformed_csv_lines_are_quarantined_and_other_rows_keep_their_numbers(
    mart: Mart, tmp_path: Path
) -> None:
    text = "customer_id,birth_year\nc1,1980\nc2,1981,extra\nc3,abc\nc4\nc5,abc\nc6,1990\n"
    result = load(mart, "customers", write(tmp_path / "customers.csv", text))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 2, 4)
    assert reasons_by_row(mart) == {
        2: "malformed line: Expected Number of Columns: 2 Found: 3",
        3: BAD_YEAR,
        4: "malformed line: Expected Number of Columns: 2 Found: 1",
        5: BAD_YEAR,
    }
    raws = {r["row_number"]: r["raw"] for r in quarantine(mart)}
    assert raws[2] == "c2,1981,extra"
    assert raws[4] == "c4"
    assert column(mart, "customers", "customer_id") == ["c1", "c6"]


def test_quoted_fields_keep_delimiters_and_quotes(mart: Mart, tmp_path: Path) -> None:
    text = 'customer_id,city\nc1,"Paris, France"\nc2,"The ""Big"" Apple"\n'
    load(mart, "customers", write(tmp_path / "customers.csv", text))
    assert column(mart, "customers", "city") == ["Paris, France", 'The "Big" Apple']


def test_whitespace_lines_with_the_wrong_number_of_fields_are_quarantined(
    mart: Mart, tmp_path: Path
) -> None:
    text = "customer_id  birth_year\r\n c1  1980\r\nc2 1981 x\r\nc3   abc\r\nc4 1990\r\n"
    path = write(tmp_path / "customers.txt.gz", gzip.compress(text.encode()))
    assert inspect(path).delimiter == "whitespace"
    result = load(mart, "customers", path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert reasons_by_row(mart) == {2: "malformed line: expected 2 fields, found 3", 3: BAD_YEAR}
    assert column(mart, "customers", "customer_id") == ["c1", "c4"]


def test_whitespace_header_repeating_a_name_is_an_error(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "customer_id country country\nc1 UK FR\n")
    with pytest.raises(InputError, match=r"c\.txt: the header repeats a column name"):
        load(mart, "customers", path)
    assert mart.count("ingests") == 0


def test_json_lines_that_are_not_objects_are_quarantined(mart: Mart, tmp_path: Path) -> None:
    text = '{"customer_id": "c1", "birth_year": 1980}\nnot json\n[1, 2]\n{"customer_id": "c2"}\n'
    result = load(mart, "customers", write(tmp_path / "customers.jsonl", text))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert reasons_by_row(mart) == {
        2: "malformed line: not a JSON object",
        3: "malformed line: not a JSON object",
    }
    assert [r["raw"] for r in quarantine(mart)] == ["not json", "[1, 2]"]
    assert column(mart, "customers", "birth_year") == [1980, None]


def test_json_lines_loads_leave_nothing_registered_with_the_connection(
    mart: Mart, tmp_path: Path, engine_objects: Callable[[Mart], tuple[int, int]]
) -> None:
    before = engine_objects(mart)
    for n in range(3):  # the keys refused and why are Python rows the load reads
        text = f'{{"customer_id": "c{n}", "birth_year": 1980}}\n{{"customer_id": "d{n}"}}\n'
        load(mart, "customers", write(tmp_path / f"customers{n}.jsonl", text))
    assert engine_objects(mart) == before
    assert mart.count("customers") == 6


def test_parquet_rows_are_numbered_in_file_order(mart: Mart, tmp_path: Path) -> None:
    path = tmp_path / "customers.parquet"
    frame = pd.DataFrame(
        {"customer_id": ["c1", "c2", None, "c4"], "birth_year": [1980, 1981, 1982, 1983]}
    )
    frame.to_parquet(path)
    result = load(mart, "customers", path)
    assert (result.rows_read, result.rows_loaded) == (4, 3)
    [row] = quarantine(mart)
    assert (row["row_number"], row["reason"]) == (3, "missing customer_id")
    assert row["raw_json"] == {"customer_id": None, "birth_year": 1982}


def test_staged_rows_carry_row_numbers_and_text_values(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", "customer_id,birth_year\n007,1980\nc2,\n")
    stage = stage_file(mart, inspect(path))
    frame = stage.table.order_by("_row").execute()
    assert stage.n_read == 2
    assert frame["_row"].tolist() == [1, 2]
    assert frame["customer_id"].tolist() == ["007", "c2"]
    assert frame["birth_year"].iloc[0] == "1980"


def test_row_numbers_stay_file_lines_after_a_blank_line(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id,birth_year\nc1,1980\n\nc3,abc\nc4\n"
    load(mart, "customers", write(tmp_path / "customers.csv", text))
    # file line = row number + 1: c3 is on line 4 (row 3), c4 on line 5 (row 4)
    assert sorted(reasons_by_row(mart)) == [3, 4]


def test_gzip_file_without_gz_suffix_loads(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "customers.csv", gzip.compress(b"customer_id,country\nc1,UK\n"))
    assert inspect(path).compressed
    assert load(mart, "customers", path).rows_loaded == 1
