"""Loading files into a Spark mart: read, clean and check them in a scratch DuckDB, then
write the cleaned rows to the warehouse.

A load reads a file with DuckDB's readers (CSV dialect detection, rejects with their line
numbers, Excel, Parquet), checks every row against the mart (duplicates, unknown
customers, erased subjects) and quarantines the bad ones with a reason
(:mod:`segmint.mart.ingest`). On a Spark mart the same plan runs in a scratch DuckDB
database whose mart tables are views over the warehouse's own Parquet files, so the
duplicate and reference checks see every row Spark holds without copying them; the rows
the plan writes are materialised in the scratch database (which spills to its file when
they do not fit in memory) and appended to the warehouse in Arrow batches.

The machine running the load must see the warehouse folder (a local or mounted path); the
scratch database lives in a temporary folder removed when the load ends.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from segmint.config import get_settings
from segmint.mart.connection import Mart, open_scratch
from segmint.mart.plan import temp
from segmint.mart.schema import TABLES

if TYPE_CHECKING:
    from segmint.mart.spark import SparkMart

BATCH_ROWS = 1_000_000
"""Rows per Arrow batch appended to the warehouse (one Spark write each)."""


@contextmanager
def scratch_for(spark: SparkMart) -> Iterator[Mart]:
    """A scratch DuckDB mart whose tables read the Parquet files of ``spark``'s warehouse."""
    with tempfile.TemporaryDirectory(prefix="segmint-load-") as folder:
        scratch = open_scratch(Path(folder) / "load.duckdb", get_settings())
        try:
            for name, table in TABLES.items():
                _mirror(scratch, name, table.ibis_schema(), spark.location(name))
            yield scratch
        finally:
            scratch.close()


def _mirror(scratch: Mart, name: str, schema: ibis.Schema, folder: Path) -> None:
    """Make ``name`` in ``scratch`` a view over the Parquet files of ``folder``, typed as
    the mart declares (an empty table when the folder holds no file)."""
    files = sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        scratch.create_table(name, schema=schema)
        return
    scratch.con.create_view(name, typed(scratch.con.read_parquet(files), schema), overwrite=True)


def typed(rows: ibis.Table, schema: ibis.Schema) -> ibis.Table:
    """``rows`` with exactly the columns of ``schema``, in its order and types (a column
    ``rows`` lacks is NULL), as an append to a Parquet table must be."""
    return rows.select(
        *(
            (rows[column] if column in rows.columns else ibis.null()).cast(dtype).name(column)
            for column, dtype in schema.items()
        )
    )


def settle(scratch: Mart, name: str, rows: ibis.Table) -> ibis.Table:
    """Materialise ``rows`` for the mart table ``name`` in ``scratch``, typed as it is
    declared, so that writing one table does not change what the next one reads."""
    return temp(scratch, typed(rows, TABLES[name].ibis_schema()), "_segmint_out")


def copy_rows(rows: ibis.Table, target: Mart, name: str) -> int:
    """Append ``rows`` to ``target``'s table ``name`` in Arrow batches; how many."""
    written = 0
    for batch in rows.to_pyarrow_batches(chunk_size=BATCH_ROWS):
        if batch.num_rows:
            target.insert(name, pa.Table.from_batches([batch]))
            written += batch.num_rows
    return written
