"""A load's working copies live in a scratch database file beside the mart, compressed, and
the file is gone when the load ends (or fails); a dry run and a mart in memory keep them
in memory."""

from __future__ import annotations

from pathlib import Path

import ibis.expr.types as ir
import pytest

import segmint
from segmint.exceptions import InputError
from segmint.mart import Mart, load_scratch
from segmint.mart.load_scratch import DATABASE, scratch_path

from .conftest import CUSTOMERS_CSV, counts, load, write

ORDERS_CSV = "order_id,customer_id,order_ts\no1,c1,2024-01-02\no2,c2,2024-01-03\no3,c9,2024-01-04\n"
LINES_CSV = (
    "order_id,customer_id,order_ts,product_id,quantity,amount\n"
    "o1,c1,2024-01-02,p1,1,10\no1,c1,2024-01-02,p2,2,5\no2,c2,2024-01-03,p1,1,10\n"
)


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each working copy a load makes: its engine database, and whether the scratch file
    existed as it was made."""
    found: list[tuple[str, bool]] = []
    made = load_scratch.working_table

    def recording(mart: Mart, name: str, expr: ir.Table) -> ir.Table:
        table = made(mart, name, expr)
        database = mart.raw.execute(
            "SELECT database_name FROM duckdb_tables() WHERE table_name = ?", [name]
        ).fetchone()
        assert database is not None
        found.append((str(database[0]), scratch_path(mart.path).exists()))
        return table

    monkeypatch.setattr("segmint.mart.plan.working_table", recording)
    return found


def _attached(mart: Mart) -> bool:
    rows = mart.raw.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    return DATABASE in {r[0] for r in rows}


@pytest.mark.parametrize(
    ("table", "content", "copies"), [("orders", ORDERS_CSV, 1), ("transactions", LINES_CSV, 6)]
)
def test_a_load_checks_its_rows_in_the_scratch_file_and_deletes_it(
    mart: Mart, tmp_path: Path, seen: list[tuple[str, bool]], table: str, content: str, copies: int
) -> None:
    load(mart, "customers", write(tmp_path / "c.csv", CUSTOMERS_CSV))
    seen.clear()
    result = load(mart, table, write(tmp_path / "f.csv", content))
    assert result.reconciles and result.rows_loaded >= 2
    assert seen == [(DATABASE, True)] * copies
    assert not scratch_path(mart.path).exists() and not _attached(mart)


def test_a_failed_load_deletes_the_scratch_file_too(
    mart: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: object) -> object:
        raise InputError("stopped after the working copy")

    load(mart, "customers", write(tmp_path / "c.csv", CUSTOMERS_CSV))
    monkeypatch.setattr("segmint.mart.tables.split_duplicates", failing)
    before = counts(mart)
    with pytest.raises(InputError, match="stopped after the working copy"):
        load(mart, "orders", write(tmp_path / "o.csv", ORDERS_CSV))
    assert counts(mart) == before
    assert not scratch_path(mart.path).exists() and not _attached(mart)


def test_a_scratch_file_left_by_a_killed_load_is_replaced(mart: Mart, tmp_path: Path) -> None:
    write(scratch_path(mart.path), b"not a database")
    load(mart, "customers", write(tmp_path / "c.csv", CUSTOMERS_CSV))
    assert mart.count("customers") == 3
    assert not scratch_path(mart.path).exists()


def test_a_dry_run_and_a_mart_in_memory_keep_their_copies_in_memory(
    mart: Mart, tmp_path: Path, seen: list[tuple[str, bool]]
) -> None:
    path = write(tmp_path / "c.csv", CUSTOMERS_CSV)
    mart.close()
    with segmint.connect(mart.path, read_only=True) as reader:
        assert load(reader, "customers", path, dry_run=True).rows_loaded == 3
    with segmint.connect(":memory:") as memory:
        assert load(memory, "customers", path).rows_loaded == 3
    assert [database for database, _ in seen] == ["temp", "temp"]
    assert not scratch_path(mart.path).exists()
