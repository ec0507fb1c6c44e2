"""Marts for the campaign tests: a synthetic retailer with known uplift, and tiny hand-made ones.

The synthetic mart is loaded once per session (every table a campaign needs, through
``segmint.mart.ingest``) with a stored segmentation ``latent`` whose segments are the
customers' true latent types, and copied for each test that writes.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest
from segmint.segmentation import store
from segmint.synth import generate

N_CUSTOMERS = 6_000
SEED = 5
SEGMENTS_AS_OF = dt.date(2023, 1, 1)
LOADED = (
    "customers",
    "consents",
    "products",
    "orders",
    "order_lines",
    "events",
    "campaigns",
    "campaign_members",
)


@pytest.fixture(scope="session")
def retailer() -> dict[str, pa.Table]:
    """The synthetic retailer's tables, ground truths included."""
    return generate(N_CUSTOMERS, seed=SEED)


@pytest.fixture(scope="session")
def retailer_template(
    retailer: dict[str, pa.Table], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A mart file holding the retailer and the ``latent`` segmentation."""
    folder = tmp_path_factory.mktemp("retailer")
    path = folder / "mart.duckdb"
    with segmint.connect(path) as mart:
        for name in LOADED:
            pq.write_table(retailer[name], folder / f"{name}.parquet")
            ingest(mart, name, folder / f"{name}.parquet", IngestOptions())
        truth = retailer["ground_truth"].select(["customer_id", "latent_type"])
        latent = ibis.memtable(truth.rename_columns(["customer_id", "segment"]))
        store.save(mart, "latent", "rules", {"truth": "latent_type"}, SEGMENTS_AS_OF, latent)
    return path


@pytest.fixture
def synthetic(retailer_template: Path, tmp_path: Path) -> Iterator[Mart]:
    """A copy of the synthetic mart this test may change."""
    with copy_of(retailer_template, tmp_path) as mart:
        yield mart


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Mart]:
    """An empty mart of this test's own."""
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        yield mart


Loader = Callable[[Mart, str, str], None]


def _loader(folder: Path) -> Loader:
    def load(mart: Mart, table: str, text: str) -> None:
        path = folder / f"{table}.csv"
        path.write_text(text, encoding="utf-8")
        result = ingest(mart, table, path, IngestOptions())
        assert result.rows_quarantined == 0, table

    return load


@pytest.fixture
def load_csv(tmp_path: Path) -> Loader:
    """Load CSV text into a mart table through ``segmint.mart.ingest``; nothing may be rejected."""
    return _loader(tmp_path)


@pytest.fixture(scope="session")
def csv_template(tmp_path_factory: pytest.TempPathFactory) -> Callable[[dict[str, str]], Path]:
    """Build (once per set of files) a mart file loaded from CSV texts, in the order given."""
    built: dict[tuple[tuple[str, str], ...], Path] = {}

    def template(files: dict[str, str]) -> Path:
        key = tuple(files.items())
        if key not in built:
            folder = tmp_path_factory.mktemp("csv")
            with segmint.connect(folder / "mart.duckdb") as mart:
                load = _loader(folder)
                for table, text in files.items():
                    load(mart, table, text)
            built[key] = folder / "mart.duckdb"
        return built[key]

    return template


def copy_of(template: Path, folder: Path) -> Mart:
    """A mart opened on a copy of ``template`` in ``folder``."""
    target = folder / "mart.duckdb"
    shutil.copyfile(template, target)
    return segmint.connect(target)
