"""Opening the mart: creation, errors naming the path, settings, deletes by value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import ibis
import pytest

import segmint
from segmint.config import Settings
from segmint.exceptions import MartError
from segmint.mart import Mart

from .conftest import column, load, write


def test_missing_mart_without_create_is_an_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.duckdb"
    with pytest.raises(
        MartError, match=rf"no mart at {path}\. Create one with `segmint init --mart"
    ):
        segmint.connect(path, create=False)
    assert not path.exists()


def test_an_uninitialised_mart_names_the_missing_table(tmp_path: Path) -> None:
    path = tmp_path / "bare.duckdb"
    segmint.connect(path).close()
    with segmint.connect(path, create=False) as mart:
        mart.con.drop_table("orders")
        assert not mart.is_initialised()
        with pytest.raises(MartError, match=r"has no table 'orders'\. Run `segmint init`"):
            mart.count("orders")


def test_a_folder_cannot_be_opened_as_a_mart(tmp_path: Path) -> None:
    with pytest.raises(MartError, match=rf"cannot open the mart {tmp_path}"):
        segmint.connect(tmp_path)


def test_engine_settings_are_applied(tmp_path: Path) -> None:
    settings = Settings(mart=tmp_path / "m.duckdb", threads=1, memory_limit="500MB")
    with segmint.connect(settings.mart, settings=settings) as mart:
        row = mart.raw.execute(
            "SELECT current_setting('threads'), current_setting('memory_limit')"
        ).fetchone()
    assert row is not None
    threads, memory = row
    assert threads == 1
    assert str(memory).replace(" ", "").upper() in {"500.0MB", "476.8MIB", "500MB", "476.8MB"}


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SEGMINT_MART", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("SEGMINT_THREADS", "1")
    with segmint.connect() as mart:
        assert mart.path == str(tmp_path / "env.duckdb")
        assert mart.raw.execute("SELECT current_setting('threads')").fetchone() == (1,)
    with segmint.connect(tmp_path / "flag.duckdb") as mart:
        assert mart.path == str(tmp_path / "flag.duckdb")


def test_delete_by_value_including_dates(shop: Mart, tmp_path: Path) -> None:
    load(
        shop,
        "customers",
        write(tmp_path / "c.csv", "customer_id,signup_date\nc4,2020-01-02\nc5,2020-01-03\n"),
    )
    shop.delete("customers", signup_date=dt.date(2020, 1, 2))
    shop.delete("customers", customer_id="c2", country="FR")
    shop.delete("customers", customer_id="c3", country="UK")  # no such row: nothing deleted
    assert column(shop, "customers", "customer_id") == ["c1", "c3", "c5"]


def test_unordered_relaxes_row_order_only_inside_the_block(tmp_path: Path) -> None:
    def setting(mart: segmint.Mart) -> bool:
        row = mart.raw.sql("SELECT current_setting('preserve_insertion_order')").fetchone()
        assert row is not None
        return bool(row[0])

    with segmint.connect(tmp_path / "m.duckdb") as mart:
        assert setting(mart)
        with mart.unordered():
            assert not setting(mart)
        assert setting(mart)
        with pytest.raises(RuntimeError), mart.unordered():
            raise RuntimeError("a failed write")
        assert setting(mart)


def test_unordered_is_the_cursors_own_and_blocks_in_two_threads_end_ordered(
    tmp_path: Path,
) -> None:
    def ordered(con: duckdb.DuckDBPyConnection) -> bool:
        row = con.sql("SELECT current_setting('preserve_insertion_order')").fetchone()
        assert row is not None
        return bool(row[0])

    with segmint.connect(tmp_path / "m.duckdb") as mart:
        other = mart.raw.cursor()  # another request's cursor of the same database
        first, second = (
            Mart(ibis.duckdb.from_connection(mart.raw.cursor()), mart.path) for _ in range(2)
        )
        one, two = first.unordered(), second.unordered()
        one.__enter__()
        assert not ordered(first.raw) and ordered(other)
        two.__enter__()  # a second thread's block starts before the first one ends
        one.__exit__(None, None, None)
        assert not ordered(second.raw)
        two.__exit__(None, None, None)
        assert ordered(first.raw) and ordered(second.raw) and ordered(other)


def test_batches_stream_every_row_a_few_at_a_time() -> None:
    with segmint.connect(":memory:") as mart:
        numbers = mart.create_table(
            "numbers", ibis.memtable({"customer_id": [str(i) for i in range(10)]})
        )
        parts = list(mart.batches(numbers, rows=4))
        assert [p.num_rows for p in parts] == [4, 4, 2]
        assert sorted(i for p in parts for i in p.column("customer_id").to_pylist()) == sorted(
            str(i) for i in range(10)
        )
        assert list(mart.batches(numbers.filter(numbers.customer_id == "none"), rows=4)) == []
