"""Rows of a table sorted by ``customer_id``, held in the process and found by binary search.

The ids are a numpy array of bytes (:mod:`segmint.serving.keys`), the other columns Arrow arrays,
so a customer's rows cost a binary search and one Arrow scalar per value: tens of
microseconds, where an engine statement costs 1.5-3 ms at a million customers (a parse, a
plan and the scan of a row group of 122,880 rows). Only columns whose Python values Arrow
gives exactly as the engine's cursor does are held (text, booleans, integers, doubles,
dates, timestamps): :func:`sorted_table` refuses any other type, and the caller reads the
mart instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.serving.keys import as_keys, key_range

log = logging.getLogger(__name__)

KEY = "customer_id"

EXACT_TYPES = frozenset(
    {"VARCHAR", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "DATE"}
    | {"TIMESTAMP"}
)
"""Engine types whose values come out of Arrow exactly as out of the engine's cursor."""

DICTIONARY_BELOW = 0.5
"""Text columns with fewer distinct values than this share of their rows are
dictionary-encoded (country, segment, channel…): same values, a fraction of the memory."""

Rows = tuple[list[str], list[tuple[Any, ...]]]
"""Column names and row tuples, as a cursor's ``description`` and ``fetchall`` give them."""


@dataclass(frozen=True)
class SortedTable:
    """One table's rows sorted by ``customer_id``: the ids as bytes and the other columns.

    ``columns`` names the columns of a row, as the view's statement on the mart names them;
    ``arrays`` holds each one's values, None for ``customer_id``, whose value is the id looked
    up (equal byte for byte to the stored one) rather than a column kept.
    """

    columns: list[str]
    keys: npt.NDArray[np.bytes_]
    arrays: tuple[pa.Array | None, ...]

    def rows(self, customer_id: str) -> list[tuple[Any, ...]]:
        """The rows of ``customer_id``, in the copy's order."""
        low, high = key_range(self.keys, customer_id)
        return [self._row(position, customer_id) for position in range(low, high)]

    def rows_of(self, customer_ids: list[str]) -> list[tuple[Any, ...]]:
        """The rows of each of ``customer_ids`` in turn."""
        found: list[tuple[Any, ...]] = []
        for customer_id in customer_ids:
            low, high = key_range(self.keys, customer_id)
            found.extend(self._row(position, customer_id) for position in range(low, high))
        return found

    def _row(self, position: int, customer_id: str) -> tuple[Any, ...]:
        """The row at ``position``, a row of ``customer_id``: one Arrow scalar per column
        (a few rows are read at a time, so a slice of every column would cost more)."""
        return tuple(
            customer_id if array is None else array[position].as_py() for array in self.arrays
        )

    @property
    def nbytes(self) -> int:
        """Memory held, in bytes."""
        return int(self.keys.nbytes) + sum(int(a.nbytes) for a in self.arrays if a is not None)


def sorted_table(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any], columns: list[str]
) -> SortedTable | None:
    """The rows of ``sql`` (``customer_id`` first, then ``columns``; already sorted by
    ``customer_id`` and then in each customer's order) as a :class:`SortedTable` whose rows
    have ``columns``; None when a column's type would not come out of Arrow exactly as out of
    the engine."""
    described = con.execute(f"DESCRIBE {sql}", params).fetchall()
    inexact = [f"{row[0]} {row[1]}" for row in described if row[1] not in EXACT_TYPES]
    if inexact:
        log.info("no exact in-memory copy of %s; reading the mart", inexact)
        return None
    values = con.execute(sql, params).fetch_arrow_table()
    values = values.filter(pc.is_valid(values.column(0)))  # a null id matches no lookup
    keys = as_keys(values.column(0))
    if len(keys) > 1 and not bool(np.all(keys[1:] >= keys[:-1])):
        order_of = np.argsort(keys, kind="stable")  # the engine's order of text differs
        keys, values = keys[order_of], values.take(pa.array(order_of))
    held = dict(zip(values.column_names[1:], values.columns[1:], strict=True))
    arrays = tuple(None if name == KEY else _compact(held[name]) for name in columns)
    return SortedTable(columns, keys, arrays)


def _compact(column: pa.ChunkedArray) -> pa.Array:
    """``column`` in one contiguous array, dictionary-encoded when it is low-cardinality
    text."""
    array = column.combine_chunks()
    if not pa.types.is_string(array.type) or not len(array):
        return array
    if len(pc.unique(array)) < DICTIONARY_BELOW * len(array):
        return pc.dictionary_encode(array)
    return array
