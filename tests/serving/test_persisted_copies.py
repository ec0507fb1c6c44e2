"""Sorted copies written to files and mapped back answer every lookup as the built ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest

from segmint.mart import Mart
from segmint.serving.persisted_copies import read_table, write_table
from segmint.serving.sorted_copies import SortedCopies
from segmint.serving.sorted_table import sorted_table


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT 'C' || lpad((i % 997)::VARCHAR, 4, '0') AS customer_id, "
        "i AS n, CASE WHEN i % 7 = 0 THEN NULL ELSE ['a', 'b', 'c'][i % 3 + 1] END AS label, "
        "DATE '2025-01-01' + (i % 40)::INTEGER AS day, i / 3.0 AS share, "
        "TIMESTAMP '2025-01-01' + to_seconds(i) AS at, i % 2 = 0 AS even FROM range(20000) r(i)"
    )
    con.execute("INSERT INTO t VALUES ('é''; --', 1, 'q', NULL, NULL, NULL, NULL)")
    return con


def test_a_mapped_copy_gives_every_row_of_every_customer(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    columns = ["customer_id", "n", "label", "day", "share", "at", "even"]
    built = sorted_table(con, "SELECT * FROM t ORDER BY customer_id, n", [], columns)
    assert built is not None
    assert any(d is not None for d in built.decoded)  # a dictionary column is exercised
    write_table(built, tmp_path, "t")
    mapped = read_table(tmp_path, "t")
    assert mapped.columns == built.columns
    assert mapped.nbytes == built.nbytes
    ids = [row[0] for row in con.execute("SELECT DISTINCT customer_id FROM t").fetchall()]
    for customer_id in [*ids, "missing", ""]:
        assert mapped.rows(customer_id) == built.rows(customer_id)
    assert mapped.rows("é'; --") == [("é'; --", 1, "q", None, None, None, None)]
    assert mapped.rows(ids[0])[0][3] == built.rows(ids[0])[0][3]
    assert isinstance(mapped.rows("C0001")[0][3], dt.date)


def test_an_empty_copy_reads_back_empty(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    built = sorted_table(con, "SELECT customer_id, n FROM t WHERE false", [], ["n"])
    assert built is not None
    write_table(built, tmp_path, "empty")
    assert read_table(tmp_path, "empty").rows("C0001") == []


def test_the_demo_marts_copies_read_back_the_same(mart: Mart, tmp_path: Path) -> None:
    copies = SortedCopies()
    copies.rebuild(mart)
    built = copies.current()
    assert built is not None and built.orders is not None
    ids = [row[0] for row in mart.raw.execute("SELECT customer_id FROM customers").fetchall()]
    for name, table in built.tables.items():
        write_table(table, tmp_path, name)
        mapped = read_table(tmp_path, name)
        assert all(mapped.rows(i) == table.rows(i) for i in ids), name


def test_ids_and_starts_that_do_not_match_are_refused(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    built = sorted_table(con, "SELECT customer_id, n FROM t ORDER BY customer_id", [], ["n"])
    assert built is not None
    write_table(built, tmp_path, "t")
    np.save(tmp_path / "t.starts.npy", np.zeros(3, np.int32))
    with pytest.raises(ValueError, match="do not match"):
        read_table(tmp_path, "t")


def test_a_column_of_another_length_is_refused(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    built = sorted_table(con, "SELECT customer_id, n FROM t ORDER BY customer_id", [], ["n"])
    short = sorted_table(con, "SELECT customer_id, n FROM t WHERE n < 10", [], ["n"])
    assert built is not None and short is not None
    write_table(built, tmp_path, "t")
    write_table(short, tmp_path, "short")
    (tmp_path / "short.arrow").replace(tmp_path / "t.arrow")
    with pytest.raises(ValueError, match="rows, not"):
        read_table(tmp_path, "t")
