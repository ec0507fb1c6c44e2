"""Fixtures every test directory shares.

Tests that drive a browser are marked ``browser`` (by the fixture they use), so
``make test-fast`` can leave them out.

The CDNOW 1/10th sample loaded through the mart is shared by the CLV tests (features,
scoring, segmentation, insight). The raw file (no header; master_id, sample_id, date
YYYYMMDD, cds, dollars) is written as a CSV with a header and loaded with
``ingest("transactions")``, the way a user would load it; the customer id is the sample id
(1..2357), as in the published summaries.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import settings

import segmint
from segmint.features import stored_dates
from segmint.features.btyd_split import CalibrationHoldout, calibration_holdout
from segmint.features.groups import GROUPS
from segmint.features.keys import dump, source_keys
from segmint.features.part_store import part_table, record
from segmint.features.store import FEATURES_TABLE, TABLE_ENTRY
from segmint.mart import TABLES, Mart
from segmint.mart.ingest import IngestOptions, ingest

# Property tests run engine queries per example: their time depends on the machine's load
# (CI saw a DuckDB example take 210 ms against Hypothesis's default 200 ms deadline), not on
# what they check. No per-example deadline; the suite's own time is watched as a whole.
settings.register_profile("segmint", deadline=None)
settings.load_profile("segmint")

CDNOW_DIR = Path(__file__).parents[1] / ".." / "shared" / "datasets" / "cdnow"
CDNOW_COLUMNS = ["master_id", "sample_id", "date", "cds", "dollars"]
CALIBRATION_END = "1997-09-30"
HOLDOUT_END = "1998-06-30"


def cdnow_raw() -> pd.DataFrame:
    """The raw CDNOW sample, one row per purchase record."""
    return pd.read_csv(CDNOW_DIR / "CDNOW_sample.txt", sep=r"\s+", header=None, names=CDNOW_COLUMNS)


def load_cdnow(mart: Mart, folder: Path) -> None:
    """Load the CDNOW sample into ``mart`` as a transactions file."""
    csv = folder / "cdnow.csv"
    cdnow_raw().to_csv(csv, index=False)
    mapping = {
        "customer_id": "sample_id",
        "order_ts": "date",
        "quantity": "cds",
        "amount": "dollars",
    }
    ingest(mart, "transactions", csv, IngestOptions(mapping=mapping, date_formats=("%Y%m%d",)))


@pytest.fixture(scope="session")
def cdnow_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed mart file holding the CDNOW sample (copy it before writing to it)."""
    folder = tmp_path_factory.mktemp("cdnow_clv")
    path = folder / "cdnow.duckdb"
    with segmint.connect(path) as mart:
        load_cdnow(mart, folder)
    return path


@pytest.fixture
def cdnow_mart(cdnow_file: Path, tmp_path: Path) -> Iterator[Mart]:
    """A private, writable copy of the CDNOW mart."""
    copy = tmp_path / "cdnow.duckdb"
    shutil.copy(cdnow_file, copy)
    with segmint.connect(copy) as mart:
        yield mart


@pytest.fixture(scope="session")
def cdnow_split(cdnow_file: Path) -> CalibrationHoldout:
    """CDNOW split as published: 39-week calibration to 1997-09-30, holdout to 1998-06-30."""
    with segmint.connect(cdnow_file) as mart:
        return calibration_holdout(mart, CALIBRATION_END, HOLDOUT_END)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """A local Spark on two cores for the Spark parity tests (marked ``spark``; needs PySpark
    and Java, which ``.ci/setup-java.sh`` installs), started once per test process.

    Its driver has a 2 GB heap: with Spark's default 1 GB a spilling task once ran out of
    memory and was retried, a test that could fail by chance. A local master runs in the
    driver's JVM, whose heap is fixed when it starts: the builder passes the setting to
    the JVM it launches (a session already running would ignore it).
    """
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("segmint-parity")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    yield spark
    spark.stop()


class BatchMemory:
    """The memory of every batch a mart hands out through :meth:`Mart.batches`, to check
    that a caller keeps none of it (a kept column keeps its whole batch alive).

    The batches' buffers are held here until the test ends, so no later allocation can
    reuse their memory: an allocator that hands freed blocks out again at once (a server's
    Arrow memory comes from the C library's, :func:`segmint.api.create_app`) would
    otherwise put a fresh column at an address a freed batch had.
    """

    def __init__(self) -> None:
        self.buffers: list[pa.Buffer] = []

    @property
    def ranges(self) -> list[tuple[int, int]]:
        """Address and size of each buffer handed out."""
        return [(buffer.address, buffer.size) for buffer in self.buffers]

    def watch(self, mart: Mart, monkeypatch: pytest.MonkeyPatch) -> None:
        """Record the buffers of the batches ``mart`` hands out from now on."""
        batches = mart.batches

        def recorded(*args: Any, **kwargs: Any) -> Iterator[pa.Table]:
            for batch in batches(*args, **kwargs):
                self.buffers += [
                    buffer
                    for column in batch.columns
                    for chunk in column.chunks
                    for buffer in chunk.buffers()
                    if buffer is not None
                ]
                yield batch

        monkeypatch.setattr(mart, "batches", recorded)

    def shared_by(self, column: pa.ChunkedArray) -> bool:
        """Whether a buffer of ``column`` lies in the memory of a batch handed out."""
        return any(
            start <= buffer.address < start + size
            for chunk in column.chunks
            for buffer in chunk.buffers()
            if buffer is not None
            for start, size in self.ranges
        )


EngineObjects = Callable[[Mart], tuple[int, int]]
"""Counts a connection's temporary tables and its views (Arrow registered ones included)."""


def _engine_objects(mart: Mart) -> tuple[int, int]:
    found = mart.raw.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE temporary),"
        " (SELECT count(*) FROM duckdb_views() WHERE NOT internal)"
    ).fetchone()
    assert found is not None
    return int(found[0]), int(found[1])


@pytest.fixture
def engine_objects() -> EngineObjects:
    """What a long-lived connection keeps (:data:`EngineObjects`): a server's must not grow
    by request."""
    return _engine_objects


@pytest.fixture
def batch_memory() -> BatchMemory:
    """Records the batches a mart hands out (:class:`BatchMemory`)."""
    return BatchMemory()


@pytest.fixture(scope="session")
def demo_mart_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard's demo mart (``tests/api/demo_mart.py``: 800 customers, RFM and
    lifecycle at two dates), built once per session and shared by xdist workers; copy it
    before opening it."""
    path = Path(__file__).resolve().parent / "api" / "demo_mart.py"
    spec = importlib.util.spec_from_file_location("segmint_tests_demo_mart", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built: Path = module.shared_demo(tmp_path_factory)
    return built


def stored_before_btyd_monetary(mart: Mart) -> None:
    """Leave the stored features of ``mart`` as a version of segmint from before the stored
    ``btyd_monetary`` left them: the table ``features`` without that column, each date's
    catalogue key of the data alone (no list of built-in columns), and the BTYD part without
    the repeat value it is derived from."""
    dates = stored_dates(mart)
    older = mart.table(FEATURES_TABLE).drop("btyd_monetary").to_pyarrow()
    mart.create_table(FEATURES_TABLE, ibis.memtable(older))
    sources = {t for g in GROUPS.values() for t in g.sources}
    for day in dates:
        record(mart, TABLE_ENTRY, day, dump(source_keys(mart, sources)), "full")
    if mart.has_table(part_table("btyd")):
        part = mart.table(part_table("btyd")).drop("btyd_repeat_value").to_pyarrow()
        mart.create_table(part_table("btyd"), ibis.memtable(part))


@pytest.fixture
def earlier_version() -> Callable[[Mart], None]:
    """:func:`stored_before_btyd_monetary`: what an upgrade finds in a mart whose features an
    earlier version stored."""
    return stored_before_btyd_monetary


CHURN_RUN_AS_OF = dt.date(2024, 6, 30)
"""The date of the churn run :func:`store_churn_run` stores."""


def store_churn_run(mart: Mart, brier: float) -> None:
    """Store a churn_gbm run as of :data:`CHURN_RUN_AS_OF` whose evaluation scored ``brier``
    against a base rate of 0.20 and a BTYD baseline of 0.18: above both, the model is weak
    and passed over. No pickled model: only its metrics are read."""
    validation = {
        "churn_gbm": {"brier": brier, "brier_base_rate": 0.20},
        "btyd": {"brier": 0.18, "brier_base_rate": 0.20},
    }
    row = {
        "run_id": 1,
        "model": "churn_gbm",
        "kind": "churn",
        "as_of": CHURN_RUN_AS_OF,
        "params": "{}",
        "metrics": json.dumps({"validation": validation}),
        "model_blob": b"",
        "created_at": pd.Timestamp("2024-07-01"),
    }
    schema = TABLES["model_runs"].ibis_schema()
    frame = pd.DataFrame([row]).reindex(columns=list(schema))
    mart.con.insert("model_runs", ibis.memtable(frame).cast(schema))


@pytest.fixture
def churn_run() -> Callable[[Mart, float], None]:
    """:func:`store_churn_run`: a stored churn model whose Brier score is given, for the
    rule that passes over weak churn models."""
    return store_churn_run


def rounded_floats(value: Any, digits: int = 9) -> Any:
    """``value`` with every float rounded to ``digits`` significant digits, recursively
    through dicts and lists. The engine sums in parallel, in any order: two runs of one
    query, or a result and its JSON, agree up to their last few bits, not exactly."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: rounded_floats(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded_floats(v, digits) for v in value]
    return value


@pytest.fixture
def rounded() -> Callable[..., Any]:
    """:func:`rounded_floats`, for comparing engine results in any test folder (a fixture:
    the tests folder is not a package to import from)."""
    return rounded_floats


@pytest.fixture(params=["Etc/GMT-14", "Etc/GMT+12"])
def far_time_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The process's local time zone set to UTC+14, then to UTC-12 (POSIX names flip the
    sign), and the machine's own back after the test. The two are 26 hours apart: at any
    moment the local date of one of them differs from the UTC date, so a test run in both
    catches a local date taken for the UTC one whatever the hour."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()
