"""The mart on Spark: the same tables in a warehouse folder, reached through Ibis's PySpark backend.

Every relational step of segmint is an Ibis expression, so the feature builder and the
segmentations run on Spark unchanged once :meth:`SparkMart.table` hands them Spark tables
(``tests/mart/test_spark.py`` holds the results equal to DuckDB's). What truly needs
the engine lives here: where the tables are kept and how they are written.

A Spark mart is a folder (``--mart wh/``): each mart table is a Parquet folder named after
it, registered in the session's catalog when the mart is opened, so a new process (or a
cluster job) finds the tables a previous one wrote without a metastore. Each warehouse gets
its own catalog database (``segmint_`` and a hash of its path), so two marts opened in one
session never read each other's tables. The session comes
from the usual Spark configuration (``spark-defaults.conf``, ``PYSPARK_SUBMIT_ARGS``, an
existing session); without a configured master it runs locally on every core. The session
time zone is pinned to UTC, as DuckDB's timestamps are, so dates cut at the same instant.

Spark has no multi-statement transactions: :meth:`SparkMart.transaction` runs its block as
is, and each :meth:`SparkMart.write` replaces or appends one table's files.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from segmint.exceptions import MartError
from segmint.mart.connection import Mart
from segmint.mart.fetch import arrow, scalar
from segmint.mart.memtables import released
from segmint.mart.schema import TABLES
from segmint.mart.warehouse_lock import acquire, release

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SESSION_CONFIG = {"spark.sql.session.timeZone": "UTC"}
"""Settings pinned on every session segmint uses (others come from Spark's configuration)."""

STALE_SCRATCH_SECONDS = 24 * 3600
"""Age from which a scratch table of the warehouse is taken for one a killed command left."""

LOCAL_CONFIG = {
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "segmint-spark-warehouse"),
}
"""Settings of a local session segmint starts itself (no master configured): Spark's 200
shuffle partitions would be 200 tiny tasks per step on a laptop, and its catalog folder
(``spark-warehouse``, empty: the mart's tables live in the warehouse folder) would be left
in whatever folder the command ran from. A configured session (a cluster,
``spark-submit``) keeps its own."""


def spark_session(app_name: str = "segmint") -> SparkSession:
    """The active Spark session, or a new one from Spark's configuration (local when unset)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MartError(
            "SEGMINT_ENGINE=pyspark needs PySpark and Java: pip install 'segmint[spark]' and a "
            "Java runtime (Debian: apt-get install default-jre-headless)"
        ) from None
    builder = SparkSession.builder.appName(app_name)
    if SparkSession.getActiveSession() is None:
        from pyspark import SparkConf

        if not SparkConf().contains("spark.master"):
            builder = builder.master("local[*]")
            for key, value in LOCAL_CONFIG.items():
                builder = builder.config(key, value)
    session = builder.getOrCreate()
    for key, value in SESSION_CONFIG.items():
        session.conf.set(key, value)
    return session


class SparkMart(Mart):
    """The mart's tables as Parquet folders under ``warehouse``, read and written with Spark.

    Args:
        session: the Spark session to use.
        warehouse: the folder that holds one Parquet folder per table.
        read_only: the mart is only read (what is computed for a command is not stored).
    """

    def __init__(
        self, session: SparkSession, warehouse: Path | str, *, read_only: bool = False
    ) -> None:
        self.session = session
        self.warehouse = Path(warehouse)
        super().__init__(ibis.pyspark.connect(session), str(self.warehouse), read_only=read_only)
        self.database = database_name(self.warehouse)
        self._lock: Path | None = None

    def lock(self) -> None:
        """Become the warehouse's writer (:mod:`segmint.mart.warehouse_lock`) until closed.

        Raises:
            MartBusyError: another process writes the warehouse.
        """
        if self._lock is None:
            self.warehouse.mkdir(parents=True, exist_ok=True)
            self._lock = acquire(self.warehouse)

    @property
    def raw(self) -> Any:
        """Not available: Spark has no DuckDB connection. Use :meth:`table` and :meth:`write`."""
        raise MartError(
            f"this step needs the DuckDB engine and cannot run on the Spark mart {self.path}"
        )

    def location(self, name: str) -> Path:
        """The Parquet folder of table ``name``."""
        return self.warehouse / name

    def init(self) -> list[str]:
        """Register every table folder of the warehouse; create the missing tables empty.

        Returns the names created. A folder from an older segmint gets no new columns: the
        Spark mart is written whole by :func:`copy_mart` or by :meth:`write`. A rewrite a
        crash interrupted is rolled back first, and old scratch tables are deleted.
        """
        self.warehouse.mkdir(parents=True, exist_ok=True)
        self.con.create_database(self.database, force=True)
        self._recover()
        self._drop_stale_scratch()
        created = []
        for name, table in TABLES.items():
            if not self.location(name).exists():
                empty = pa.Table.from_batches([], schema=table.ibis_schema().to_pyarrow())
                self._write_arrow(name, empty, mode="overwrite")
                created.append(name)
        for name in self.table_names():  # with the tables writers create (features…)
            self._register(name)
        return created

    def open_existing(self) -> None:
        """Register the warehouse's tables as they are, writing nothing (a read-only open)."""
        self.con.create_database(self.database, force=True)
        for name in self.table_names():
            self._register(name)

    def _recover(self) -> None:
        """Undo rewrites a crash interrupted: a table whose folder was moved aside
        (``.name.old``) but not replaced gets it back; half-written new folders go."""
        for moved in self.warehouse.glob(".*.old"):
            table = self.location(moved.name[1:-4])
            if table.exists():
                shutil.rmtree(moved, ignore_errors=True)
            else:
                moved.rename(table)
        for fresh in self.warehouse.glob(".*.new"):
            shutil.rmtree(fresh, ignore_errors=True)

    def _drop_stale_scratch(self) -> None:
        """Delete the scratch tables (names starting with ``_``) that a command killed midway
        left behind: those untouched for :data:`STALE_SCRATCH_SECONDS` (a running command's
        own are younger)."""
        cutoff = time.time() - STALE_SCRATCH_SECONDS
        for folder in self.warehouse.iterdir():
            if folder.name.startswith("_") and folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)

    def table_names(self) -> set[str]:
        """The tables of the warehouse: its Parquet folders (a leading dot marks a write
        in progress)."""
        if not self.warehouse.is_dir():
            return set()
        return {p.name for p in self.warehouse.iterdir() if p.is_dir() and p.name[0] != "."}

    def has_table(self, name: str) -> bool:
        """Whether the warehouse holds table ``name``."""
        return self.location(name).is_dir()

    def create_table(
        self,
        name: str,
        data: ir.Table | pa.Table | None = None,
        *,
        schema: ibis.Schema | None = None,
        temp: bool = False,
    ) -> ir.Table:
        """Write table ``name`` from ``data`` (or empty with ``schema``), replacing it; the
        new table.

        Spark has no temporary tables: a ``temp`` table is a table of the warehouse too,
        dropped by its writer when done.
        """
        if data is None:
            if schema is None:
                raise MartError(f"creating table '{name}' needs its data or its schema")
            data = pa.Table.from_batches([], schema=schema.to_pyarrow())
        self.write(name, data, overwrite=True)
        return self.table(name)

    def temp_table(self, name: str, rows: pa.Table) -> ir.Table:
        """The scratch table ``name`` written from ``rows``: a table of the warehouse, as
        every ``temp`` table here (:meth:`create_table`); drop it with :meth:`drop_temp`."""
        return self.create_table(name, rows, temp=True)

    def drop_temp(self, name: str) -> None:
        """Drop the scratch table ``name`` (:meth:`temp_table`)."""
        self.drop_table(name)

    def insert(self, name: str, data: ir.Table | pa.Table) -> None:
        """Append the rows of ``data`` to table ``name``."""
        self.write(name, data)

    def reading(self, expr: ir.Expr) -> AbstractContextManager[None]:
        """A block that reads ``expr``: the temporary views of the session its in-memory
        tables become are dropped when it ends (:meth:`Mart.reading`)."""
        return released(self.con, expr, self.session.catalog.dropTempView)

    def batches(self, expr: ir.Table, rows: int, key: str = "customer_id") -> Iterator[pa.Table]:
        """The rows of ``expr`` in parts of about ``rows``, so the driver holds one part at
        a time.

        Spark hands a query's result to the driver whole (Ibis's ``to_pyarrow_batches``
        collects it before cutting it up), so the rows are written by Spark to a scratch
        table with a hash of column ``key``, and read back one hash bucket at a time. The
        parts' sizes vary around ``rows`` with the hash.
        """
        name = f"_segmint_batches_{uuid.uuid4().hex[:12]}"
        self.create_table(name, expr.mutate(_segmint_hash=expr[key].hash()), temp=True)
        try:
            table = self.table(name)
            parts = max(1, -(-int(scalar(table.count())) // rows))
            # modulo first: the absolute value of the least integer overflows
            bucket = (table._segmint_hash % parts).abs()
            for part in range(parts):
                found = arrow(table.filter(bucket == part).drop("_segmint_hash"))
                if found.num_rows:
                    yield found
        finally:
            self.drop_table(name)

    def drop_table(self, name: str) -> None:
        """Forget table ``name`` and delete its folder."""
        self.con.drop_table(name, database=self.database, force=True)
        shutil.rmtree(self.location(name), ignore_errors=True)

    def _register(self, name: str) -> None:
        catalog = self.session.catalog
        qualified = f"{self.database}.{name}"
        if catalog.tableExists(qualified):
            catalog.refreshTable(qualified)
            return
        catalog.createTable(qualified, path=str(self.location(name).resolve()), source="parquet")

    def write(self, name: str, data: ir.Table | pa.Table, *, overwrite: bool = False) -> None:
        """Append ``data`` to table ``name`` (replace it with ``overwrite``).

        An Ibis expression is computed by Spark and written by it, never collected to the
        driver; a replaced table is computed into a new folder first, so an expression may
        read the table it replaces. Its in-memory tables become temporary views of the
        session while it is written, and are dropped after (:mod:`segmint.mart.memtables`).
        """
        if isinstance(data, pa.Table):
            self._write_arrow(name, data, mode="overwrite" if overwrite else "append")
        else:
            with released(self.con, data, self.session.catalog.dropTempView):
                self.con._run_pre_execute_hooks(data)  # in-memory tables become temporary views
                frame = self.session.sql(self.con.compile(data))
                self._write_frame(name, frame, overwrite=overwrite)
        if overwrite:  # the catalog keeps the schema it first read: a rewrite may change it
            self.con.drop_table(name, database=self.database, force=True)
        self._register(name)

    def _write_arrow(self, name: str, data: pa.Table, *, mode: str) -> None:
        frame = self.session.createDataFrame(data, schema=_spark_schema(data.schema))
        self._write_frame(name, frame, overwrite=mode == "overwrite")

    def _write_frame(self, name: str, frame: Any, *, overwrite: bool) -> None:
        target = self.location(name)
        if not overwrite:
            frame.write.mode("append").parquet(str(target))
            return
        fresh, old = target.with_name(f".{name}.new"), target.with_name(f".{name}.old")
        shutil.rmtree(fresh, ignore_errors=True)
        frame.write.mode("overwrite").parquet(str(fresh))
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():  # kept until the new folder is in place (see _recover)
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)

    def delete(self, name: str, **equals: object) -> None:
        """Rewrite table ``name`` without the rows whose columns equal the given values."""
        table = self.table(name)
        keep = ibis.and_(*(table[c] == ibis.literal(v) for c, v in equals.items()))
        self.write(name, table.filter(~keep.fill_null(False)), overwrite=True)

    @contextmanager
    def staging(self) -> Iterator[Mart]:
        """A scratch DuckDB mart over this warehouse's files, for a load to read and check
        its file in (:mod:`segmint.mart.spark_staging`)."""
        from segmint.mart.spark_staging import scratch_for

        with scratch_for(self) as scratch:
            yield scratch

    @contextmanager
    def unordered(self) -> Iterator[None]:
        """Spark never keeps insertion order: nothing to change."""
        yield

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block as is: Spark writes one table at a time (see the module)."""
        yield

    def publish(self, *, force: bool = False) -> bool:
        """A Spark mart has no serving snapshot (the dashboard reads a DuckDB mart)."""
        return False

    def close(self) -> None:
        """Give up the write lock; leave the session running for the process's next step
        (Spark owns its lifetime)."""
        if self._lock is not None:
            release(self._lock)
            self._lock = None

    def replace_file(self, fresh: Path | str) -> None:
        """Not available: erasure rewrites a DuckDB file."""
        raise MartError(f"erasure rewrites a DuckDB mart file; {self.path} is a Spark mart")


def database_name(warehouse: Path) -> str:
    """The catalog database of the warehouse folder ``warehouse``: one per folder."""
    digest = hashlib.sha256(str(warehouse.resolve()).encode()).hexdigest()[:16]
    return f"segmint_{digest}"


def _spark_schema(schema: pa.Schema) -> Any:
    """The Spark schema of an Arrow schema (for writing an empty table)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def connect_spark(
    warehouse: Path | str, session: SparkSession | None = None, *, read_only: bool = False
) -> SparkMart:
    """Open (and create) the Spark mart kept in the folder ``warehouse``; ``read_only``
    opens the tables it holds as they are and writes nothing (the folder must exist).

    Raises:
        MartError: ``read_only`` and there is no folder ``warehouse``.
        MartBusyError: another process writes the warehouse (a write open only).
    """
    mart = SparkMart(session or spark_session(), warehouse, read_only=read_only)
    if not read_only:
        mart.lock()
        mart.init()
    elif mart.warehouse.is_dir():
        mart.open_existing()
    else:
        raise MartError(f"no Spark mart at {warehouse}: the folder does not exist")
    return mart


def copy_mart(source: Mart, target: SparkMart, *, batch_rows: int = 1_000_000) -> dict[str, int]:
    """Copy every table of the DuckDB mart ``source`` into ``target``; rows per table.

    The way to move a mart that outgrew one machine onto Spark: each table streams out of
    DuckDB in Arrow batches of ``batch_rows`` and is written as Parquet by Spark.
    """
    counts: dict[str, int] = {}
    for name in TABLES:
        batches = source.table(name).to_pyarrow_batches(chunk_size=batch_rows)
        first = True
        rows = 0
        for batch in batches:
            target.write(name, pa.Table.from_batches([batch]), overwrite=first)
            first = False
            rows += batch.num_rows
        if first:  # an empty table: keep its schema
            empty = pa.Table.from_batches([], schema=batches.schema)
            target.write(name, empty, overwrite=True)
        counts[name] = rows
    return counts
