"""Rewriting the mart file, so that deleted rows leave no bytes behind.

DuckDB's ``DELETE`` marks rows deleted; their bytes stay in the file's blocks until those
blocks are reused, ``VACUUM`` reclaims nothing, and rebuilding a table inside the same file
only frees its old blocks (the bytes stay). So after an erasure the whole database is
copied into a new file (``COPY FROM DATABASE``: only live rows are copied), every table's
row count is compared between the two, and the new file replaces the mart in one
``os.replace`` (:meth:`segmint.mart.Mart.replace_file`). The mart's write-ahead log is
checkpointed and removed first, and when a server reads the mart a new serving snapshot
is published at once (:mod:`segmint.mart.snapshot`), replacing the old one.

The new file is made in a private folder beside the mart (mode 0700) and gets mode 0600
before any row is copied into it; the folder is removed afterwards whatever happens.
The rewrite needs free space for one more copy of the mart.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlglot.expressions as sge

from segmint.exceptions import MartError
from segmint.mart.connection import Mart
from segmint.mart.identifiers import quoted
from segmint.mart.snapshot import FILE_MODE, snapshot_path, wal_is_empty

ALIAS = "_segmint_rewrite"


@dataclass(frozen=True)
class RewriteResult:
    """What a rewrite did.

    Attributes:
        bytes_before: size of the mart file and its write-ahead log before.
        bytes_after: size of the new mart file.
        rows: row count of every table (equal in the old and the new file).
        published: a new serving snapshot was published.
    """

    bytes_before: int
    bytes_after: int
    rows: dict[str, int]
    published: bool


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def rewrite_mart(mart: Mart) -> RewriteResult:
    """Copy the mart into a new file holding only its live rows, and swap it in.

    Raises:
        MartError: the mart is in memory or read-only, the folder lacks space, or the copy
            differs from the mart (the mart file is then left as it was).
        MartBusyError: another connection has the mart open (see :meth:`Mart.replace_file`).
    """
    if mart.read_only or mart.path == ":memory:":
        raise MartError(
            f"the mart {mart.path} cannot be rewritten: it is not a file open for writing"
        )
    path = Path(mart.path)
    before = _size(path) + _size(Path(f"{path}.wal"))
    mart.raw.execute("CHECKPOINT")
    free = shutil.disk_usage(path.parent).free
    if free < _size(path):
        raise MartError(
            f"rewriting {path} needs up to {_size(path):,} bytes free beside it; {free:,} are. "
            "Free some space and run this again."
        )
    source = str(mart.raw.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]
    folder = Path(tempfile.mkdtemp(prefix=f".{path.name}.rewrite-", dir=path.parent))
    try:
        fresh = folder / path.name
        rows = _copy(mart, source, fresh)
        mart.replace_file(fresh)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    published = False
    if snapshot_path(path).exists():
        published = mart.publish(force=True)
    return RewriteResult(before, _size(path), rows, published)


def _copy(mart: Mart, source: str, fresh: Path) -> dict[str, int]:
    """Copy the database ``source`` of ``mart`` into the new file ``fresh``; the row counts."""
    raw = mart.raw
    raw.execute(f"ATTACH {sge.convert(str(fresh)).sql(dialect='duckdb')} AS {quoted(ALIAS)}")
    try:
        fresh.chmod(FILE_MODE)  # before any row is in it: it will hold personal data
        raw.execute(f"COPY FROM DATABASE {quoted(source)} TO {quoted(ALIAS)}")
        tables = [
            str(r[0])
            for r in raw.execute(
                "SELECT table_name FROM duckdb_tables() "
                "WHERE database_name = $1 AND schema_name = 'main' ORDER BY table_name",
                [source],
            ).fetchall()
        ]
        rows: dict[str, int] = {}
        for table in tables:
            old, new = (_count(raw, database, table) for database in (source, ALIAS))
            if old != new:
                raise MartError(
                    f"rewriting {mart.path}: the copy of table {table} has {new:,} rows, the "
                    f"mart {old:,}; the mart was left as it was"
                )
            rows[table] = old
    finally:
        raw.execute(f"DETACH {quoted(ALIAS)}")
    if not wal_is_empty(fresh):
        raise MartError(
            f"rewriting {mart.path}: the copy kept a write-ahead log; the mart was left as it was"
        )
    return rows


def _count(raw: duckdb.DuckDBPyConnection, database: str, table: str) -> int:
    name = ".".join(quoted(part) for part in (database, "main", table))
    found = raw.execute(f"SELECT count(*) FROM {name}").fetchone()
    return int(found[0]) if found else 0
