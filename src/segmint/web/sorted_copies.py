"""In-process copies, sorted by ``customer_id``, of the small tables a 360° view looks into.

A 360° view looks up one customer. Each engine statement costs a parse, a plan and a scan
of the row group that holds the id (1.5-3 ms at a million customers, against 0.2 ms for a
statement that reads nothing), and the derived tables (``features``, ``assignments``,
``scores``) are written in whatever order the engine produced them, so there a lookup would
scan every row. The server therefore keeps Arrow copies of them in the process: the latest
stored date of ``features``, and ``assignments``, ``scores``, ``customers``,
``customer_pii`` and ``consents`` whole, each sorted by ``customer_id`` with the ids as a
numpy array of bytes, so a lookup is a binary search (``numpy.searchsorted``) and a slice:
tens of microseconds instead of milliseconds. ``orders``, ``order_lines`` and ``events`` are
too large to copy; they are stored in id order and read from the mart (the value of each
order is kept apart, see :mod:`segmint.web.order_values`).

A copy holds the rows in the order the engine's lookup would give them: customers, personal
data, consents and features in stored order, assignments and scores in the order of the
view's statements. Only columns whose Python values Arrow gives exactly as the engine's
cursor does are copied (text, booleans, integers, doubles, dates, timestamps); a table with
any other type is not copied and the view reads the mart's table.

The copies are rebuilt off the request path by :class:`segmint.web.warmup.Warmer` when the
tables change (see :func:`fingerprint`); until a copy exists a view reads the mart's table.
Memory: about 1 GB at a million customers (low-cardinality text is dictionary-encoded).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.features import stored_dates
from segmint.mart import Mart
from segmint.web import scores
from segmint.web.keys import as_keys, key_range
from segmint.web.order_values import OrderValues

log = logging.getLogger(__name__)

KEY = "customer_id"

COPIED: dict[str, tuple[tuple[str, ...] | None, str]] = {
    "customers": (None, "rowid"),
    "customer_pii": (None, "rowid"),
    "consents": (None, "rowid"),
    "assignments": (
        ("segmentation", "as_of", "segment", "version"),
        "segmentation, as_of, version DESC",
    ),
    scores.SCORES_TABLE: (
        ("as_of", "model", "score_name", "value"),
        "as_of DESC, score_name, model",
    ),
}
"""Tables copied whole: the columns the view's statement reads (None: all but ``ingest_id``,
in the mart's order), and the order of a customer's rows (the order that statement gives:
stored order, or its ``ORDER BY``)."""

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


@dataclass(frozen=True)
class Built:
    """One generation of copies; replaced whole, so a request reads one consistent set."""

    tables: dict[str, SortedTable]
    features: tuple[dt.date, SortedTable] | None
    has_scores: bool
    order_values: OrderValues | None


class SortedCopies:
    """The sorted copies to read, and the rebuilding of them.

    Until :meth:`rebuild` has built them, :meth:`rows` and :meth:`feature_rows` are None (read
    the mart's table), :meth:`order_values` is None and :meth:`has_scores` is None (unknown),
    so a view works either way.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: Built | None = None

    def rows(self, table: str, customer_id: str) -> Rows | None:
        """The rows of ``customer_id`` in the copy of ``table``; None when not copied."""
        copy = self._current_tables().get(table)
        return None if copy is None else (copy.columns, copy.rows(customer_id))

    def rows_of(self, table: str, customer_ids: list[str]) -> Rows | None:
        """The rows of each of ``customer_ids`` in turn in the copy of ``table``; None when
        not copied."""
        copy = self._current_tables().get(table)
        return None if copy is None else (copy.columns, copy.rows_of(customer_ids))

    def feature_rows(self, as_of: dt.date, customer_id: str) -> Rows | None:
        """The features of ``customer_id`` as of ``as_of``; None when that date is not copied."""
        with self._lock:
            built = self._built
        if built is None or built.features is None or built.features[0] != as_of:
            return None
        copy = built.features[1]
        return copy.columns, copy.rows(customer_id)

    def has_scores(self) -> bool | None:
        """Whether the mart had a usable ``scores`` table at the last rebuild (None: unknown)."""
        with self._lock:
            return None if self._built is None else self._built.has_scores

    def order_values(self) -> OrderValues | None:
        """Every order's value and number of lines at the last rebuild (None: not built)."""
        with self._lock:
            return None if self._built is None else self._built.order_values

    @property
    def nbytes(self) -> int:
        """Memory held by the current copies, in bytes."""
        with self._lock:
            built = self._built
        if built is None:
            return 0
        held = sum(copy.nbytes for copy in built.tables.values())
        held += built.features[1].nbytes if built.features is not None else 0
        return held + (built.order_values.nbytes if built.order_values is not None else 0)

    def rebuild(self, mart: Mart) -> None:
        """Build the copies anew from the mart's tables and put them in place at once.

        Requests that already hold the previous copies finish on them; the memory goes back
        when the last of them ends.
        """
        present = set(mart.con.list_tables())
        features: tuple[dt.date, SortedTable] | None = None
        dates = stored_dates(mart)
        if dates:
            table = _copy(mart, "features", None, "rowid", dates[-1])
            features = None if table is None else (dates[-1], table)
        has_scores = scores.has_scores(mart)
        tables: dict[str, SortedTable] = {}
        for name, (columns, order) in COPIED.items():
            if name not in present or (name == scores.SCORES_TABLE and not has_scores):
                continue
            copy = _copy(mart, name, columns, order)
            if copy is not None:
                tables[name] = copy
        values = OrderValues.build(mart) if {"orders", "order_lines"} <= present else None
        built = Built(tables, features, has_scores, values)
        with self._lock:
            self._built = built

    def clear(self) -> None:
        """Forget every copy (views read the mart's tables again)."""
        with self._lock:
            self._built = None

    def _current_tables(self) -> dict[str, SortedTable]:
        with self._lock:
            return {} if self._built is None else self._built.tables


def _copy(
    mart: Mart,
    table: str,
    columns: tuple[str, ...] | None,
    order: str,
    as_of: dt.date | None = None,
) -> SortedTable | None:
    """``table``'s ``columns`` (None: all but ``ingest_id``, and ``as_of`` when given, in the
    mart's order) sorted by customer and then ``order``; None when a column's type would not
    come out of Arrow exactly as out of the engine."""
    con = mart.raw
    described = con.execute(f"DESCRIBE {table}").fetchall()
    types = {row[0]: row[1] for row in described}
    skipped = {"ingest_id"} | ({"as_of"} if as_of is not None else set())
    shown = columns or tuple(row[0] for row in described if row[0] not in skipped)
    kept = [name for name in shown if name != KEY]
    inexact = [f"{name} {types[name]}" for name in (KEY, *kept) if types[name] not in EXACT_TYPES]
    if inexact:
        log.info("%s is read from the mart: no exact in-memory copy of %s", table, inexact)
        return None
    where, params = ("", []) if as_of is None else ("WHERE as_of = $1", [as_of])
    listed = ", ".join(f'"{name}"' for name in (KEY, *kept))
    sql = f"SELECT {listed} FROM {table} {where} ORDER BY {KEY}, {order}"
    values = con.execute(sql, params).fetch_arrow_table()
    values = values.filter(pc.is_valid(values.column(KEY)))  # a null id matches no lookup
    keys = as_keys(values.column(KEY))
    if len(keys) > 1 and not bool(np.all(keys[1:] >= keys[:-1])):
        order_of = np.argsort(keys, kind="stable")  # the engine's order of text differs
        keys, values = keys[order_of], values.take(pa.array(order_of))
    arrays = tuple(None if name == KEY else _compact(values.column(name)) for name in shown)
    return SortedTable(list(shown), keys, arrays)


def _compact(column: pa.ChunkedArray) -> pa.Array:
    """``column`` in one contiguous array, dictionary-encoded when it is low-cardinality
    text."""
    array = column.combine_chunks()
    if not pa.types.is_string(array.type) or not len(array):
        return array
    if len(pc.unique(array)) < DICTIONARY_BELOW * len(array):
        return pc.dictionary_encode(array)
    return array


def fingerprint(mart: Mart) -> tuple[Any, ...]:
    """What changes when a copied table changes: the feature dates, row counts (also of the
    orders and their lines, whose values are kept), and the latest version and date of the
    assignments."""
    present = set(mart.con.list_tables())
    counts = [
        mart.raw.execute(f"SELECT count(*) FROM {table}").fetchone() if table in present else None
        for table in ("features", *COPIED, "orders", "order_lines")
    ]
    stored = None
    if "assignments" in present:
        stored = mart.raw.execute("SELECT max(version), max(as_of) FROM assignments").fetchone()
    return tuple(stored_dates(mart)), *counts, stored, scores.has_scores(mart)
