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


# A tiny campaign loaded from files, worked out by hand in test_outcomes.py and test_tracking.py
CUSTOMERS = "customer_id\nc1\nc2\nc3\nc4\nc5\nc6\n"
PRODUCTS = "product_id,unit_cost\np1,2.0\n"
CAMPAIGNS = (
    "campaign_id,name,channel,start_date,end_date,holdout_share,cost_per_contact\n"
    "k1,Spring,email,2024-03-10,2024-03-23,0.5,0.1\n"
)
MEMBERS = (
    "campaign_id,customer_id,group\n"
    "k1,c1,target\nk1,c2,target\nk1,c3,target\nk1,c4,control\nk1,c5,control\nk1,c6,control\n"
)
ORDERS = (
    "order_id,customer_id,order_ts,status\n"
    "o1,c1,2024-03-10 09:00:00,completed\n"  # first hour of the window
    "o2,c1,2024-03-23 23:59:00,completed\n"  # last minute of the window
    "o3,c2,2024-03-24 00:00:00,completed\n"  # just after: not counted
    "o4,c2,2024-03-09 23:00:00,completed\n"  # pre-period
    "o5,c3,2024-03-12 10:00:00,cancelled\n"  # never a purchase
    "o6,c4,2024-03-15 10:00:00,returned\n"  # a return still counts as a purchase
    "o7,c5,2024-02-20 10:00:00,completed\n"  # before the pre-period
    "o8,c5,2024-03-01 10:00:00,\n"  # no status: a purchase, in the pre-period
)
LINES = (
    "order_id,line_no,product_id,quantity,unit_price,discount,unit_cost\n"
    "o1,1,,2,10,1,4\n"  # net 19, cost 8
    "o2,1,p1,1,5,,\n"  # net 5, the product's cost 2
    "o3,1,,1,50,,\n"
    "o4,1,,1,7,,\n"  # net 7, cost unknown
    "o5,1,,1,100,,\n"
    "o6,1,p1,-1,6,,\n"  # net -6, cost -2
    "o7,1,,1,9,,\n"
    "o8,1,,1,3,,\n"
)
EVENTS = (
    "event_id,customer_id,event_ts,event_type,object_id\n"
    "e1,c1,2024-03-11 10:00:00,page_view,\n"
    "e2,c4,2024-03-10 08:00:00,email_open,k1\n"  # a control reached anyway
    "e3,c1,2024-03-10 08:00:00,email_send,k1\n"
    "e4,c6,2024-03-05 10:00:00,page_view,\n"
)


@pytest.fixture
def tiny(csv_template: Callable[[dict[str, str]], Path], tmp_path: Path) -> Iterator[Mart]:
    """A tiny campaign ``k1`` loaded from CSV files, as an outside campaign arrives."""
    files = {
        "customers": CUSTOMERS,
        "products": PRODUCTS,
        "campaigns": CAMPAIGNS,
        "campaign_members": MEMBERS,
        "orders": ORDERS,
        "order_lines": LINES,
        "events": EVENTS,
    }
    target = tmp_path / "tiny.duckdb"
    shutil.copyfile(csv_template(files), target)
    with segmint.connect(target) as mart:
        yield mart
