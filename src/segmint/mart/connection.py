"""Opening the mart: the only place in segmint that holds a database connection.

The mart is a DuckDB file reached through Ibis, so every relational step is an Ibis
expression that another Ibis backend can run too. :class:`Mart` adds what the rest of
segmint needs on top of the Ibis connection: creating the schema, tables by name and
all-or-nothing transactions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import ibis
import sqlglot.expressions as sge
from ibis.backends.duckdb import Backend as DuckDBBackend
from ibis.backends.sql.datatypes import DuckDBType

from segmint.config import Settings, get_settings
from segmint.exceptions import MartError
from segmint.mart.schema import TABLES


class Mart:
    """A customer data mart opened on an Ibis backend.

    Args:
        con: an Ibis DuckDB connection.
        path: where the mart file lives (``":memory:"`` for a throwaway mart).
    """

    def __init__(self, con: DuckDBBackend, path: str) -> None:
        self.con = con
        self.path = path

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        """The engine connection, for transactions and file scans Ibis does not wrap."""
        raw: duckdb.DuckDBPyConnection = self.con.con
        return raw

    def init(self) -> list[str]:
        """Create every mart table that does not exist yet; return the names created.

        Tables created by an older segmint get the columns added since, as NULL.
        """
        existing = set(self.con.list_tables())
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

    def is_initialised(self) -> bool:
        """True when every mart table exists."""
        return set(TABLES) <= set(self.con.list_tables())

    def table(self, name: str) -> ibis.Table:
        """The mart table ``name`` as an Ibis expression."""
        if name not in self.con.list_tables():
            raise MartError(
                f"the mart {self.path} has no table '{name}'. Run `segmint init` "
                f"(or load data with `segmint ingest`) first."
            )
        return self.con.table(name)

    def count(self, name: str) -> int:
        """Number of rows in table ``name``."""
        return int(self.table(name).count().execute())

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
        """
        previous = self.raw.sql("SELECT current_setting('preserve_insertion_order')").fetchone()
        self.raw.execute("SET preserve_insertion_order = false")
        try:
            yield
        finally:
            restore = "true" if previous is None or previous[0] else "false"
            self.raw.execute(f"SET preserve_insertion_order = {restore}")

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

    def close(self) -> None:
        """Close the connection (the file stays)."""
        self.con.disconnect()

    def __enter__(self) -> Mart:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _literal(value: object) -> sge.Expression:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return sge.cast(sge.convert(value.isoformat()), "DATE")
    return sge.convert(value)


def connect(
    path: Path | str | None = None, *, settings: Settings | None = None, create: bool = True
) -> Mart:
    """Open the mart at ``path`` (created by default), its tables up to date.

    Args:
        path: the DuckDB file; defaults to the configured ``SEGMINT_MART``.
        settings: engine settings; read from the environment when omitted.
        create: create the file when missing. When False a missing mart is an error
            naming the path. Either way the tables are created or brought up to date.
    """
    settings = settings or get_settings(path)
    target = str(path if path is not None else settings.mart)
    if target != ":memory:" and not create and not Path(target).exists():
        raise MartError(
            f"no mart at {target}. Create one with `segmint init --mart {target}` or load data into it."
        )
    config: dict[str, Any] = {}
    if settings.threads:
        config["threads"] = settings.threads
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    try:
        con = ibis.duckdb.connect(target, **config)
    except duckdb.Error as exc:
        raise MartError(f"cannot open the mart {target}: {exc}") from None
    con.raw_sql("SET enable_progress_bar = false")  # segmint shows its own progress
    mart = Mart(con, target)
    mart.init()  # creates a new mart's tables; brings an older mart's tables up to date
    return mart
