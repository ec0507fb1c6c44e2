"""Fixtures and helpers for the mart tests: a fresh file mart per test, input files in tmp_path.

Tests build their own small files so each one shows, next to its assertions, exactly the
rows it loads. Real data sets are read from ``../shared/datasets`` beside the project root.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import segmint
from segmint.mart import TABLES, Mart
from segmint.mart.ingest import IngestOptions, IngestResult, ingest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"


def _copy_of(template: Path, tmp_path: Path) -> Mart:
    target = tmp_path / "mart.duckdb"
    shutil.copyfile(template, target)
    return segmint.connect(target)


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly initialised mart file, built once and copied by :func:`mart`."""
    path = tmp_path_factory.mktemp("templates") / "empty.duckdb"
    segmint.connect(path).close()
    return path


@pytest.fixture
def mart(empty_template: Path, tmp_path: Path) -> Iterator[Mart]:
    """An empty mart in a DuckDB file of its own."""
    with _copy_of(empty_template, tmp_path) as opened:
        yield opened


def write(path: Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` (text as UTF-8) and return the path."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def load(mart: Mart, table: str, path: Path, **options: Any) -> IngestResult:
    """Ingest ``path`` into ``table`` with the given :class:`IngestOptions` fields."""
    return ingest(mart, table, path, IngestOptions(**options))


def float_id_orders(path: Path) -> Path:
    """A Parquet file of three orders whose customer ids are a float column (13085.0,
    13078.0, 12346.0), as Online Retail's ``Customer ID``; ingest stores ``13085``…"""
    pd.DataFrame(
        {
            "order_id": ["1", "2", "3"],
            "customer_id": [13085.0, 13078.0, 12346.0],
            "order_ts": pd.to_datetime(["2010-01-04", "2010-01-05", "2010-01-06"]),
            "product_id": ["a", "b", "c"],
            "quantity": [1, 2, 3],
            "unit_price": [1.5, 2.5, 3.5],
        }
    ).to_parquet(path)
    return path


def counts(mart: Mart) -> dict[str, int]:
    """Row count of every mart table."""
    return {name: mart.count(name) for name in TABLES}


def quarantine(mart: Mart) -> list[dict[str, Any]]:
    """Quarantined rows as dicts (raw parsed when it is JSON), by load and row number."""
    frame = mart.table("quarantine").order_by(["ingest_id", "row_number"]).execute()
    rows: list[dict[str, Any]] = frame.to_dict("records")
    for row in rows:
        try:
            row["raw_json"] = json.loads(row["raw"])
        except ValueError:
            row["raw_json"] = None
    return rows


def reasons_by_row(mart: Mart) -> dict[int, str]:
    """Quarantine reason by data row number (for a mart with one load's rejects)."""
    return {int(r["row_number"]): r["reason"] for r in quarantine(mart)}


def column(mart: Mart, table: str, name: str) -> list[Any]:
    """Values of one column of a mart table, sorted (None last)."""
    values = [None if v is None or v != v else v for v in mart.table(table)[name].execute()]
    return sorted(values, key=lambda v: (v is None, str(v)))


CUSTOMERS_CSV = "customer_id,country\nc1,UK\nc2,FR\nc3,DE\n"
"""Three customers, for loads whose rows refer to customers."""


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mart file with customers c1-c3, product p1 and order o1 of c1 (three loads)."""
    folder = tmp_path_factory.mktemp("shop")
    path = folder / "shop.duckdb"
    with segmint.connect(path) as shop:
        load(shop, "customers", write(folder / "customers.csv", CUSTOMERS_CSV))
        load(shop, "products", write(folder / "products.csv", "product_id,name\np1,Pen\n"))
        orders = "order_id,customer_id,order_ts\no1,c1,2024-01-05\n"
        load(shop, "orders", write(folder / "orders.csv", orders))
        assert shop.count("quarantine") == 0
    return path


@pytest.fixture
def shop(shop_template: Path, tmp_path: Path) -> Iterator[Mart]:
    """A copy of the shop mart: customers c1-c3, product p1, order o1; empty quarantine."""
    with _copy_of(shop_template, tmp_path) as opened:
        yield opened


HOLD = """
import sys
from pathlib import Path
from segmint.mart.warehouse_lock import acquire
acquire(Path(sys.argv[1]))
print("held", flush=True)
sys.stdin.readline()
"""


@contextmanager
def held_elsewhere(warehouse: Path) -> Iterator[int]:
    """Another process holding the lock of ``warehouse`` for the block; its pid."""
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdin is not None
    try:
        assert other.stdout.readline().strip() == "held"
        yield other.pid
    finally:
        other.stdin.close()
        other.wait(timeout=30)


def other_process_can_lock(warehouse: Path) -> bool:
    """Whether a new process could become the writer of ``warehouse`` now."""
    probe = subprocess.run(
        [sys.executable, "-c", HOLD, str(warehouse)], input="", capture_output=True, text=True
    )
    if probe.returncode and "MartBusyError" not in probe.stderr:
        raise AssertionError(probe.stderr)
    return probe.returncode == 0
