"""Where a load keeps its working copies: compressed, in a scratch database beside the mart.

A load materialises the rows of its file once they are parsed and checked (every column,
its parsed value, the reason a row is refused), and reads them several times: for the
quarantine, the duplicates and the insert. As a temporary table that copy lives in the
engine's memory and, past its cap, is spilled to disk as it is held in memory,
uncompressed: loading the 25 million web events of a million customers with the engine
capped at 400 MB spilled 4.2 GB for a table stored in 0.57 GB, and 300 million events
(12 million customers) needed more than 48 GB of free disk. Written as a table of a
database file, DuckDB compresses it as it stores any table, so the copy takes about what
the loaded table takes. The scratch database is a file beside the mart
(``<mart>.load-scratch``), attached on the first working copy of a load and detached and
deleted when the load ends (:meth:`segmint.mart.Mart.staging`); one left by a load that
was killed is replaced by the next. A mart in memory, and a dry run (the mart open
read-only), keep their working copies in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import ibis.expr.types as ir
import sqlglot.expressions as sge

from segmint.mart.identifiers import quoted

if TYPE_CHECKING:
    from segmint.mart.connection import Mart

DATABASE = "_segmint_load"
"""The name the scratch database is attached under."""


def scratch_path(mart_path: str) -> Path:
    """The scratch database file of the mart at ``mart_path``."""
    return Path(f"{mart_path}.load-scratch")


def working_table(mart: Mart, name: str, expr: ir.Table) -> ir.Table:
    """``expr`` stored as table ``name`` of the load's scratch database (see the module)."""
    if not _has_scratch(mart):
        return mart.create_table(name, expr, temp=True)
    if not _attached(mart):
        path = scratch_path(mart.path)
        _remove(path)
        location = sge.convert(str(path)).sql(dialect="duckdb")
        mart.raw.execute(f"ATTACH {location} AS {quoted(DATABASE)}")
    table: ir.Table = mart.con.create_table(name, expr, database=(DATABASE, "main"), overwrite=True)
    return table


def release(mart: Mart) -> None:
    """Detach the scratch database, if the load attached one, and delete its file."""
    if not _has_scratch(mart) or not _attached(mart):
        return
    mart.raw.execute(f"DETACH {quoted(DATABASE)}")
    _remove(scratch_path(mart.path))


def _has_scratch(mart: Mart) -> bool:
    """Whether ``mart`` keeps its working copies in a scratch file: not when it is in
    memory, nor when it is open read-only (a dry run: nothing is written beside it)."""
    return mart.path != ":memory:" and not mart.read_only


def _attached(mart: Mart) -> bool:
    found = mart.raw.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [DATABASE]
    ).fetchone()
    return bool(found and found[0])


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)
