"""A file loaded again is read again only when something that could change its outcome changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from segmint.mart import Mart
from segmint.mart import ingest as ingest_module
from segmint.mart.ingest import IngestResult
from segmint.mart.load_conditions import CLOCK_REASON, MART_REASON, consulted, read_with
from segmint.mart.quarantine import n_resolved, quarantined

from .conftest import column, counts, load, write

HOPELESS = "customer_id,order_id,order_ts,amount\nc1,t1,2024-01-02,10\nc2,t2,2024-01-03,abc\n"
"""A transactions file with one line no option can read (amount 'abc')."""


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the loads of the test read (a spy on the reader)."""
    seen: list[Path] = []
    real = ingest_module.stage_file

    def spy(mart: Mart, info: Any, **kwargs: Any) -> Any:
        seen.append(info.path)
        return real(mart, info, **kwargs)

    monkeypatch.setattr(ingest_module, "stage_file", spy)
    return seen


def _accounted(result: IngestResult, read: int, duplicates: int) -> None:
    """A load that added nothing: every row a duplicate, and the line reconciles."""
    assert result.reconciles and result.already_loaded
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (read, 0, duplicates)
    assert result.rows_quarantined == 0


def test_a_hopeless_row_is_not_read_again(shop: Mart, tmp_path: Path, reads: list[Path]) -> None:
    path = write(tmp_path / "lines.csv", HOPELESS)
    first = load(shop, "transactions", path)
    assert (first.rows_loaded, first.rows_quarantined) == (1, 1)
    # customers loaded in between: the rejected line does not depend on them
    load(shop, "customers", write(tmp_path / "more.csv", "customer_id\nc8\n"))
    before = counts(shop)
    reads.clear()
    second = load(shop, "transactions", path)
    assert reads == []  # skipped without reading the file
    _accounted(second, 2, 2)
    assert "not read again" in " ".join(second.notes)
    assert "this file was loaded before; nothing added" in second.summary()
    assert counts(shop) == dict(before, ingests=before["ingests"] + 1)
    assert load(shop, "transactions", path).already_loaded and reads == []


def test_a_dry_run_of_a_settled_file_reads_nothing_and_records_nothing(
    shop: Mart, tmp_path: Path, reads: list[Path]
) -> None:
    path = write(tmp_path / "lines.csv", HOPELESS)
    load(shop, "transactions", path)
    before, reads[:] = counts(shop), []
    preview = load(shop, "transactions", path, dry_run=True)
    assert reads == [] and preview.dry_run and preview.reconciles
    assert counts(shop) == before


def test_other_reading_options_read_the_file_again(
    shop: Mart, tmp_path: Path, reads: list[Path]
) -> None:
    # 31.02 is no date in any format, so the column's format is not guessed
    path = write(
        tmp_path / "o.csv", "order_id,customer_id,order_ts\no7,c1,03.01.2024\no8,c2,31.02.2024\n"
    )
    assert load(shop, "orders", path).rows_quarantined == 2
    reads.clear()
    assert load(shop, "orders", path).already_loaded and reads == []
    again = load(shop, "orders", path, date_formats=("%d.%m.%Y",))
    assert reads == [path] and again.reconciles
    assert (again.rows_loaded, again.rows_duplicate, again.rows_quarantined) == (1, 1, 0)
    reads.clear()  # the same options once more: o8 stays rejected, nothing read
    _accounted(load(shop, "orders", path, date_formats=("%d.%m.%Y",)), 2, 2)
    assert reads == []


def test_customers_loaded_since_read_an_unknown_customer_row_again(
    shop: Mart, tmp_path: Path, reads: list[Path]
) -> None:
    path = write(
        tmp_path / "o.csv", "order_id,customer_id,order_ts\no2,c1,2024-02-01\no4,c9,2024-02-03\n"
    )
    assert load(shop, "orders", path).rows_quarantined == 1
    reads.clear()
    _accounted(load(shop, "orders", path), 2, 2)  # nothing changed: not read
    assert reads == []
    load(shop, "customers", write(tmp_path / "more.csv", "customer_id\nc9\n"))
    reads.clear()
    fixed = load(shop, "orders", path)
    assert reads == [path] and fixed.reconciles and not fixed.already_loaded
    assert (fixed.rows_loaded, fixed.rows_duplicate, fixed.rows_quarantined) == (1, 1, 0)
    assert "o4" in column(shop, "orders", "order_id")


def test_customers_created_by_another_load_also_count_as_a_change(
    shop: Mart, tmp_path: Path, reads: list[Path]
) -> None:
    path = write(tmp_path / "o.csv", "order_id,customer_id,order_ts\no4,c9,2024-02-03\n")
    assert load(shop, "orders", path).rows_quarantined == 1
    other = write(tmp_path / "other.csv", "order_id,customer_id,order_ts\no5,c9,2024-02-04\n")
    load(shop, "orders", other, create_customers=True)  # c9 created by another file
    reads.clear()
    fixed = load(shop, "orders", path)
    assert reads == [path] and fixed.rows_loaded == 1


def test_a_row_in_the_future_is_read_again_each_time(
    shop: Mart, tmp_path: Path, reads: list[Path]
) -> None:
    path = write(tmp_path / "o.csv", "order_id,customer_id,order_ts\no9,c1,2999-01-01\n")
    assert load(shop, "orders", path).rows_quarantined == 1
    reads.clear()
    again = load(shop, "orders", path)  # the clock decides: read again, counted once
    assert reads == [path] and again.reconciles
    assert (again.rows_duplicate, again.rows_quarantined) == (1, 0)


def test_the_reasons_that_depend_on_the_mart_or_the_clock_are_told_apart() -> None:
    import re

    on_mart = [
        "unknown customer_id 'c9': not in customers; load customers first",
        "order_id 'A' line 1 is already loaded with other content (an order's lines must …)",
        "order_id 'A' belongs to customer 'c3', not 'c2'",
    ]
    on_file = [
        "amount: cannot read 'unknown customer_id 'x'' as a number",
        "missing customer_id",
        "status: 'shipped' is not one of completed, returned, cancelled",
        "order_ts: 'is in the future' is not one of a, b",
        "erased subject",
    ]
    assert all(re.search(MART_REASON, r) for r in on_mart)
    assert not any(re.search(MART_REASON, r) or re.search(CLOCK_REASON, r) for r in on_file)
    assert re.search(CLOCK_REASON, "order_ts: '2999-01-01\nx' is in the future")


def test_the_digest_of_options_and_the_tables_consulted() -> None:
    assert read_with({"decimal": ","}) != read_with({"decimal": "."})
    assert read_with({"a": 1, "b": [2]}) == read_with({"b": [2], "a": 1})
    assert consulted("orders") == ("customers",)
    assert consulted("transactions") == ("customers", "order_lines", "orders", "products")


def test_a_file_an_older_segmint_loaded_is_read_once_more(
    shop: Mart, tmp_path: Path, reads: list[Path]
) -> None:
    path = write(tmp_path / "lines.csv", HOPELESS)
    load(shop, "transactions", path)
    shop.raw.execute("UPDATE ingests SET read_with = NULL, depends_on = NULL")  # as it left it
    reads.clear()
    again = load(shop, "transactions", path)
    assert reads == [path] and again.reconciles and again.rows_duplicate == 2
    reads.clear()
    assert load(shop, "transactions", path).already_loaded and reads == []


@pytest.mark.slow
@pytest.mark.spark
def test_a_spark_warehouse_skips_and_reads_again_as_duckdb_does(
    spark_session: Any, tmp_path: Path, reads: list[Path]
) -> None:
    from segmint.mart.spark import connect_spark

    spark = connect_spark(tmp_path / "warehouse", spark_session)
    load(spark, "customers", write(tmp_path / "c.csv", "customer_id\nc1\n"))
    path = write(
        tmp_path / "o.csv", "order_id,customer_id,order_ts\no1,c1,2024-01-02\no2,c9,2024-01-03\n"
    )
    assert load(spark, "orders", path).rows_quarantined == 1
    reads.clear()
    _accounted(load(spark, "orders", path), 2, 2)  # the warehouse as the load left it
    assert reads == []
    load(spark, "customers", write(tmp_path / "more.csv", "customer_id\nc9\n"))
    reads.clear()
    fixed = load(spark, "orders", path)
    assert reads == [path] and (fixed.rows_loaded, fixed.rows_duplicate) == (1, 1)
    assert quarantined(spark).count().execute() == 0  # the c9 row's entry is resolved
    assert n_resolved(spark) == 1
