"""Opening the mart: the only place in segmint that holds a database connection.

The mart is a DuckDB file reached through Ibis, so every relational step is an Ibis
expression that another Ibis backend can run too. :class:`Mart` adds what the rest of
segmint needs on top of the Ibis connection: creating the schema, tables by name,
all-or-nothing transactions, and publishing the serving snapshot a dashboard reads
(:mod:`segmint.mart.snapshot`) when a writer closes.

A mart opened for writing holds DuckDB's exclusive lock on the file, one opened read-only
a shared one: commands that only read open it read-only (``connect(read_only=True)``), and
a process that finds the lock taken gets :class:`MartBusyError` naming the holder. A new
mart file is readable and writable by its owner only.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import ibis
import ibis.expr.types as ir
import sqlglot.expressions as sge
from ibis.backends.duckdb import Backend as DuckDBBackend
from ibis.backends.sql.datatypes import DuckDBType
from ibis.common.exceptions import TableNotFound

from segmint.config import Settings, get_settings
from segmint.exceptions import MartError
from segmint.mart.fetch import scalar
from segmint.mart.identifiers import quoted
from segmint.mart.memtables import released
from segmint.mart.schema import TABLES
from segmint.mart.snapshot import (
    FILE_MODE,
    copy_to_snapshot,
    is_current,
    snapshot_path,
    wal_is_empty,
)

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)


class MartBusyError(MartError):
    """Another process has the mart file open in a way that excludes this open."""


class Mart:
    """A customer data mart opened on an Ibis backend.

    Args:
        con: an Ibis DuckDB connection.
        path: where the mart file lives (``":memory:"`` for a throwaway mart).
        read_only: the connection cannot write.
        publishes: on :meth:`close`, :meth:`publish` the serving snapshot (for connections
            that own a read-write open of the mart file).
    """

    database: str | None = None
    """The engine database that holds the mart's tables (None: the connection's current one)."""

    def __init__(
        self, con: DuckDBBackend, path: str, *, read_only: bool = False, publishes: bool = False
    ) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only
        self.publishes = publishes

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        """The engine connection, for transactions and file scans Ibis does not wrap."""
        raw: duckdb.DuckDBPyConnection = self.con.con
        return raw

    def init(self) -> list[str]:
        """Create every mart table that does not exist yet; return the names created.

        Tables created by an older segmint get the columns added since, as NULL.
        """
        existing = self.table_names()
        created = []
        for name, table in TABLES.items():
            if name not in existing:
                self.con.create_table(name, schema=table.ibis_schema())
                created.append(name)
            else:
                self._add_missing_columns(name, table.ibis_schema())
        return created

    def _add_missing_columns(self, name: str, schema: ibis.Schema) -> None:
        have = set(self.con.table(name).columns)
        for column, dtype in schema.items():
            if column not in have:
                definition = sge.ColumnDef(
                    this=sge.to_identifier(column, quoted=True), kind=DuckDBType.from_ibis(dtype)
                )
                alter = sge.Alter(
                    this=sge.to_table(name, quoted=True), kind="TABLE", actions=[definition]
                )
                self.con.raw_sql(alter)

    def table_names(self) -> set[str]:
        """The names of the tables this mart holds."""
        return set(self.con.list_tables(database=self.database))

    def is_initialised(self) -> bool:
        """True when every mart table exists."""
        return set(TABLES) <= self.table_names()

    def is_up_to_date(self) -> bool:
        """True when every mart table exists with every column this segmint declares."""
        if not self.is_initialised():
            return False
        return all(
            set(table.ibis_schema().names) <= set(self.table(name).columns)
            for name, table in TABLES.items()
        )

    def table(self, name: str) -> ibis.Table:
        """The mart table ``name`` as an Ibis expression."""
        try:  # asked straight away: listing every table first costs a query per call
            return self.con.table(name, database=self.database)
        except TableNotFound:
            raise MartError(
                f"the mart {self.path} has no table '{name}'. Run `segmint init` "
                f"(or load data with `segmint ingest`) first."
            ) from None

    def has_table(self, name: str) -> bool:
        """Whether the mart holds table ``name`` (also one a writer creates, like ``features``)."""
        return name in self.table_names()

    def create_table(
        self,
        name: str,
        data: ir.Table | pa.Table | None = None,
        *,
        schema: ibis.Schema | None = None,
        temp: bool = False,
    ) -> ir.Table:
        """Create (or replace) table ``name`` from ``data``, or empty with ``schema``; the
        new table.

        ``temp``: a scratch table of this connection that the engine may keep in memory.
        In-memory tables ``data`` reads are unregistered once the table is written
        (:mod:`segmint.mart.memtables`).
        """
        if not isinstance(data, ir.Table):
            table: ir.Table = self.con.create_table(
                name, data, schema=schema, temp=temp, overwrite=True
            )
            return table
        with released(self.con, data, self.raw.unregister):
            table = self.con.create_table(name, data, schema=schema, temp=temp, overwrite=True)
        return table

    def temp_table(self, name: str, rows: pa.Table) -> ir.Table:
        """The scratch table ``name`` of this connection, written from ``rows``; drop it
        with :meth:`drop_temp`.

        ``rows`` are registered with the engine only while the table is written: an Ibis
        memtable stays registered with the connection until the process ends (Ibis frees
        them only at exit), which a long-lived connection (a server's) would pay per call.
        """
        view = f"{name}_rows"
        self.raw.register(view, rows)
        try:
            self.raw.execute(f"CREATE TEMP TABLE {quoted(name)} AS SELECT * FROM {quoted(view)}")
        finally:
            self.raw.unregister(view)
        table: ir.Table = self.con.table(name, database=("temp", "main"))
        return table

    def drop_temp(self, name: str) -> None:
        """Drop the scratch table ``name`` if it exists (:meth:`temp_table`)."""
        self.raw.execute(f"DROP TABLE IF EXISTS temp.main.{quoted(name)}")

    def insert(self, name: str, data: ir.Table | pa.Table) -> None:
        """Append the rows of ``data`` to table ``name``.

        Python rows (an Arrow table, an expression over ``ibis.memtable``) are registered
        with the engine only while they are written (:mod:`segmint.mart.memtables`): a
        long-lived connection would otherwise keep every insert's rows.
        """
        table = data if isinstance(data, ir.Table) else ibis.memtable(data)
        with released(self.con, table, self.raw.unregister):
            self.con.insert(name, table)

    def reading(self, expr: ir.Expr) -> AbstractContextManager[None]:
        """A block that reads ``expr`` (``to_pyarrow()``, ``to_pandas()``, ``execute()``):
        the in-memory tables of ``expr`` (``ibis.memtable``) it registers with the engine
        are unregistered when it ends (:mod:`segmint.mart.memtables`).

        Ibis would keep them registered until the process ends, so a long-lived connection
        (a server's, a Python workspace's) would keep every such read's rows. Read ``expr``
        again after the block and it is registered again.
        """
        return released(self.con, expr, self.raw.unregister)

    def drop_table(self, name: str) -> None:
        """Drop table ``name`` if the mart holds it."""
        self.con.drop_table(name, force=True)

    @contextmanager
    def staging(self) -> Iterator[Mart]:
        """The DuckDB mart a load reads its file into and checks it in: this mart itself
        (a Spark mart hands out a scratch one, :mod:`segmint.mart.spark_staging`). The
        load's working copies are deleted when the block ends
        (:mod:`segmint.mart.load_scratch`)."""
        from segmint.mart import load_scratch

        try:
            yield self
        finally:
            load_scratch.release(self)

    def batches(self, expr: ir.Table, rows: int, key: str = "customer_id") -> Iterator[pa.Table]:
        """The rows of ``expr``, at most ``rows`` at a time, streamed from the engine as it
        computes them, so a caller holds one batch at a time (``key`` is for engines that
        must split the rows themselves: :meth:`segmint.mart.spark.SparkMart.batches`).

        While the batches are read nothing may run another statement on this mart: DuckDB
        would end the stream early, without an error. A column kept after its batch keeps
        the whole batch's memory: keep a copy (:func:`segmint.mart.fetch.detached`).
        """
        import pyarrow as pa

        for batch in expr.to_pyarrow_batches(chunk_size=rows):
            if batch.num_rows:
                yield pa.Table.from_batches([batch])

    def count(self, name: str) -> int:
        """Number of rows in table ``name``."""
        return int(scalar(self.table(name).count()))

    def delete(self, name: str, **equals: object) -> None:
        """Delete the rows of table ``name`` whose columns equal the given values."""
        condition = sge.and_(
            *(sge.column(c, quoted=True).eq(_literal(v)) for c, v in equals.items())
        )
        self.con.raw_sql(sge.delete(sge.to_table(name, quoted=True), where=condition))

    @contextmanager
    def unordered(self) -> Iterator[None]:
        """Let the engine produce rows in any order inside the block.

        For writes whose readers never rely on row order (feature tables, stored
        segmentations): DuckDB then builds and writes them on every core and holds less
        in memory, instead of keeping each thread's rows in their original order.
        The setting is this cursor's own (its session): by default it is the whole
        database's, so a server computing a profile would change the order every other
        request's statements give, and two such blocks overlapping in two threads could
        leave it off for good.
        """
        previous = self.raw.sql("SELECT current_setting('preserve_insertion_order')").fetchone()
        self.raw.execute("SET SESSION preserve_insertion_order = false")
        try:
            yield
        finally:
            restore = "true" if previous is None or previous[0] else "false"
            self.raw.execute(f"SET SESSION preserve_insertion_order = {restore}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block as one transaction: it commits whole or rolls back whole."""
        self.raw.begin()
        try:
            yield
        except BaseException:
            self.raw.rollback()
            raise
        self.raw.commit()

    def publish(self, *, force: bool = False) -> bool:
        """Copy the mart to its serving snapshot when a server reads one and the mart changed
        since the last copy; True when it copied.

        Called by :meth:`close` for connections that write the mart file, so a running
        dashboard sees every committed load without a restart; call it to publish while
        keeping the connection open.

        Args:
            force: copy even when no snapshot exists yet or nothing changed (a server
                starting).
        """
        if self.read_only or self.path == ":memory:":
            return False
        if not force and not snapshot_path(self.path).exists():
            return False  # nobody serves this mart
        try:
            self.raw.execute("CHECKPOINT")
        except duckdb.Error as exc:
            log.warning("the serving snapshot of %s is not updated: %s", self.path, exc)
            return False
        if not wal_is_empty(self.path):
            log.warning(
                "the serving snapshot of %s is not updated: another connection of this process "
                "keeps changes in the write-ahead log; they are published when it closes",
                self.path,
            )
            return False
        if not force and is_current(self.path):
            return False
        copy_to_snapshot(self.path)
        return True

    def close(self) -> None:
        """Close the connection (the file stays), publishing the serving snapshot first when
        this connection writes the mart and a server reads it."""
        if self.publishes:
            try:
                self.publish()
            except (OSError, duckdb.Error) as exc:
                log.warning("could not update the serving snapshot of %s: %s", self.path, exc)
        self.con.disconnect()

    def replace_file(self, fresh: Path | str) -> None:
        """Put the database file ``fresh`` in place of the mart file in one step, and reopen.

        The hook of :func:`segmint.mart.privacy.rewrite_mart`, which copies the mart into a
        new file so that deleted rows leave no bytes behind. This connection is closed
        (which checkpoints the mart and removes its write-ahead log), a read-only open with
        a configuration of its own then holds the old file while ``fresh`` is moved over it
        (so no other process can start writing it meanwhile, and another connection of this
        process, which would go on writing the old file, is noticed), and the mart is
        reopened on the new file. Expressions built on the old connection must be built anew.

        Raises:
            MartError: the mart is read-only, in memory, or its write-ahead log did not
                empty; the mart file is left as it was.
            MartBusyError: another connection (of this process or another) has the mart open;
                the mart file is left as it was.
        """
        if self.read_only or self.path == ":memory:":
            raise MartError(
                f"cannot replace the file of the mart {self.path}: it is not open for writing"
            )
        settings = get_settings(self.path)
        self.con.disconnect()
        try:
            probe = duckdb.connect(
                self.path, read_only=True, config={"custom_user_agent": "segmint-replace"}
            )
        except duckdb.Error as exc:
            self.con = _open(self.path, settings)
            holder = (
                "another connection of this process"
                if "different configuration" in str(exc)
                else f"another {_holder(str(exc))}"
            )
            raise MartBusyError(
                f"cannot replace the file of the mart {self.path}: {holder} has it open. Close "
                "it and run this again."
            ) from None
        try:
            if not wal_is_empty(self.path):
                raise MartError(
                    f"the write-ahead log of {self.path} did not empty when the mart was closed; "
                    "its file was not replaced"
                )
            Path(fresh).replace(self.path)
            _sync_folder(Path(self.path).parent)
        finally:
            probe.close()
            self.con = _open(self.path, settings)

    def __enter__(self) -> Mart:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows opening folders)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _literal(value: object) -> sge.Expression:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return sge.cast(sge.convert(value.isoformat()), "DATE")
    return sge.convert(value)


def connect(
    path: Path | str | None = None,
    *,
    settings: Settings | None = None,
    create: bool = True,
    read_only: bool = False,
) -> Mart:
    """Open the mart at ``path`` (created by default), its tables up to date.

    Args:
        path: the DuckDB file; defaults to the configured ``SEGMINT_MART``.
        settings: engine settings; read from the environment when omitted.
        create: create the file when missing. When False a missing mart is an error
            naming the path. Either way the tables are created or brought up to date.
        read_only: open for reading only (the mart must exist), so other readers may open
            it too. A mart made by an older segmint is brought up to date first when no
            other process holds it; in a process that already has the file open for
            writing, that open is shared.

    Raises:
        MartError: there is no mart at ``path`` (and ``create`` is False or ``read_only``
            True), or it cannot be opened.
        MartBusyError: another process holds the file (a writer, or a reader when this is
            a write).
    """
    settings = settings or get_settings(path)
    if settings.engine == "pyspark":
        from segmint.mart.spark import connect_spark

        return connect_spark(path if path is not None else settings.mart, read_only=read_only)
    target = str(path if path is not None else settings.mart)
    exists = target == ":memory:" or Path(target).exists()
    if not exists and (read_only or not create):
        raise MartError(
            f"no mart at {target}. Create one with `segmint init --mart {target}` or load data into it."
        )
    if read_only and target != ":memory:":
        return _connect_read_only(target, settings)
    mart = Mart(_open(target, settings), target, publishes=target != ":memory:")
    if not exists:
        Path(target).chmod(FILE_MODE)  # before any data is written: it will hold personal data
    mart.init()  # creates a new mart's tables; brings an older mart's tables up to date
    return mart


def open_read_only(path: Path | str, settings: Settings | None = None) -> Mart:
    """The mart file at ``path`` opened read-only, as it is (no check of its tables).

    Raises:
        MartBusyError: a writer holds the file, or this process has it open for writing.
    """
    target = str(path)
    return Mart(
        _open(target, settings or get_settings(target), read_only=True), target, read_only=True
    )


def open_scratch(path: Path | str, settings: Settings) -> Mart:
    """A new DuckDB database at ``path`` for scratch work, with no mart tables and no
    serving snapshot (see :func:`segmint.mart.spark_staging.scratch_for`)."""
    scratch = Mart(_open(str(path), settings), str(path))
    scratch.raw.execute("SET TimeZone = 'UTC'")  # timestamps read from Parquet as stored
    return scratch


def _connect_read_only(target: str, settings: Settings) -> Mart:
    try:
        mart = open_read_only(target, settings)
    except _OpenHereError:
        return Mart(_open(target, settings), target)  # the same database: nothing to publish
    if mart.is_up_to_date():
        return mart
    mart.close()
    with suppress(MartBusyError):  # else a writer has it, and brings it up to date itself
        connect(target, settings=settings, create=False).close()  # adds what is missing
    return open_read_only(target, settings)


class _OpenHereError(MartBusyError):
    """This process has the file open with another configuration (read-write or read-only)."""


def _open(target: str, settings: Settings, *, read_only: bool = False) -> DuckDBBackend:
    config: dict[str, Any] = {}
    if settings.threads:
        config["threads"] = settings.threads
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    try:
        con = ibis.duckdb.connect(target, read_only=read_only, **config)
    except duckdb.Error as exc:
        message = str(exc)
        if "different configuration" in message:
            raise _OpenHereError(
                f"the mart {target} is already open in this process in another mode; "
                "close that connection first"
            ) from None
        if "lock" in message.lower():
            raise MartBusyError(
                f"the mart {target} is in use by another {_holder(message)}: "
                f"{'a load or other write' if read_only else 'a load, a write or a reader'} "
                "has it open. Try again when it has finished. (A running `segmint serve` "
                "never holds it: it reads a snapshot.)"
            ) from None
        raise MartError(f"cannot open the mart {target}: {exc}") from None
    con.raw_sql("SET enable_progress_bar = false")  # segmint shows its own progress
    return con


def _holder(message: str) -> str:
    """The process DuckDB names in a lock error ("PID 123"), as "process 123"."""
    found = re.search(r"PID (\d+)", message)
    return f"process {found.group(1)}" if found else "process id unknown"
