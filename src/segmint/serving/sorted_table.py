"""Rows of a table grouped by ``customer_id``, held in the process and found by binary search.

Each customer's id is held once, in a sorted numpy array of bytes
(:mod:`segmint.serving.keys`), with where its rows start; the other columns are Arrow arrays
in customer order. A customer's rows cost a binary search and one Arrow scalar per value:
tens of microseconds, where an engine statement costs 1.5-3 ms at a million customers (a
parse, a plan and the scan of a row group of 122,880 rows).

The copy holds what a lookup needs in as little memory as gives the same values back:
a column with few distinct values (dates, segment names, small counts, rates with a few
hundred values) is dictionary-encoded with one- or two-byte indices, other whole numbers
are held in the narrowest integer type that holds them, and ``most`` keeps only each
customer's first rows where a view shows no more. Only columns whose Python values Arrow
gives exactly as the engine's cursor does are held (text, booleans, integers, doubles,
dates, timestamps): :func:`sorted_table` refuses any other type, and the caller reads the
mart instead.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.serving.compact_columns import compact, few_values, merged
from segmint.serving.keys import as_keys, key_range

log = logging.getLogger(__name__)

KEY = "customer_id"

EXACT_TYPES = frozenset(
    {"VARCHAR", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "DATE"}
    | {"TIMESTAMP"}
)
"""Engine types whose values come out of Arrow exactly as out of the engine's cursor."""

AHEAD = 2
"""Parts of a copy read at once (each holds its raw rows until compacted)."""

BATCH_ROWS = 131_072
"""Rows read from the engine at a time (their ids become bytes batch by batch)."""

EARLIEST = -(2**63)
"""What a missing value of the column that orders a customer's rows latest first (see
:func:`regrouped_table`) is sorted as: after every other value, as the engine puts it."""

Decoded = tuple[list[Any], npt.NDArray[np.integer[Any]]]
"""A dictionary column as its values (Python objects, then None) and each row's index
(-1, the None at the end, for a null)."""

Rows = tuple[list[str], list[tuple[Any, ...]]]
"""Column names and row tuples, as a cursor's ``description`` and ``fetchall`` give them."""


@dataclass(frozen=True)
class SortedTable:
    """One table's rows grouped by ``customer_id``: each id once, where its rows start, and
    the other columns.

    ``columns`` names the columns of a row, as the view's statement on the mart names them;
    ``arrays`` holds each one's values, None for ``customer_id``, whose value is the id looked
    up (equal byte for byte to the stored one) rather than a column kept. The rows of
    ``keys[i]`` are ``starts[i]`` to ``starts[i + 1]``. A dictionary column is read through
    its values as Python objects and its indices as numpy (a tenth of the cost of an Arrow
    dictionary scalar).
    """

    columns: list[str]
    keys: npt.NDArray[np.bytes_]
    starts: npt.NDArray[np.integer[Any]]
    arrays: tuple[pa.Array | None, ...]
    decoded: tuple[Decoded | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "decoded", tuple(_decoded(array) for array in self.arrays))

    def rows(self, customer_id: str) -> list[tuple[Any, ...]]:
        """The rows of ``customer_id``, in the copy's order."""
        low, high = self._span(customer_id)
        return [self._row(position, customer_id) for position in range(low, high)]

    def rows_of(self, customer_ids: list[str]) -> list[tuple[Any, ...]]:
        """The rows of each of ``customer_ids`` in turn."""
        found: list[tuple[Any, ...]] = []
        for customer_id in customer_ids:
            found.extend(self.rows(customer_id))
        return found

    def _span(self, customer_id: str) -> tuple[int, int]:
        """The positions ``[low, high)`` of the rows of ``customer_id``."""
        low, high = key_range(self.keys, customer_id)
        if low == high:
            return 0, 0
        return int(self.starts[low]), int(self.starts[low + 1])

    def _row(self, position: int, customer_id: str) -> tuple[Any, ...]:
        """The row at ``position``, a row of ``customer_id``: one value per column (a few
        rows are read at a time, so a slice of every column would cost more)."""
        return tuple(
            customer_id
            if array is None
            else (array[position].as_py() if decoded is None else decoded[0][decoded[1][position]])
            for array, decoded in zip(self.arrays, self.decoded, strict=True)
        )

    @property
    def nbytes(self) -> int:
        """Memory held, in bytes."""
        held = sum(int(a.nbytes) for a in self.arrays if a is not None)
        filled = sum(  # indices of a column with nulls are a copy with -1 for them
            int(d[1].nbytes)
            for a, d in zip(self.arrays, self.decoded, strict=True)
            if a is not None and d is not None and a.null_count
        )
        return int(self.keys.nbytes) + int(self.starts.nbytes) + held + filled


Part = tuple[str | None, str | None]
"""Ids from the first (None: the least) up to, not including, the second (None: no end)."""

IN_PART = f"($1::VARCHAR IS NULL OR {KEY} >= $1) AND ($2::VARCHAR IS NULL OR {KEY} < $2)"
"""A statement's condition for the rows of one :data:`Part` (its first two parameters)."""


def sorted_table(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[Any],
    columns: list[str],
    most: int | None = None,
    parts: Sequence[Part] | None = None,
) -> SortedTable | None:
    """The rows of ``sql`` (``customer_id`` first, then ``columns``; each customer's rows in
    their order, and cheapest when sorted by ``customer_id``, else a stable sort here groups
    them) as a :class:`SortedTable` whose rows have ``columns``, with at most ``most`` rows
    per customer (None: all); None when a column's type would not come out of Arrow exactly
    as out of the engine.

    With ``parts`` (in id order), ``sql`` takes the bounds of a :data:`Part` as its first
    two parameters (then ``params``) and is run once per part, up to :data:`AHEAD` parts at
    a time, each on a cursor of its own (:func:`_pieces`): the engine reads (and sorts) the
    next part while one is compacted.
    """
    names = _exact_names(con, sql, [None, None, *params] if parts is not None else params)
    if names is None:
        return None
    if parts is None:
        return _whole(_piece(con, sql, params, names, columns, most), columns)
    pieces = _pieces(con, sql, params, names, columns, most, parts)
    joined = _joined(pieces, columns)
    if joined is None:  # the engine cut the parts in another order of text: read it whole
        return _whole(_piece(con, sql, [None, None, *params], names, columns, most), columns)
    return joined


def regrouped_table(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[Any],
    columns: list[str],
    latest: str,
    most: int | None,
    parts: Sequence[Part],
) -> SortedTable | None:
    """The rows of ``sql`` run once per part of ``parts`` (the bounds its first two
    parameters, then ``params``) cut at anything but the customers' ids, so that one
    customer's rows may come from several parts, grouped by ``customer_id`` here: each
    customer's rows by the column ``latest``, latest first (nulls last, as the engine's
    ``ORDER BY latest DESC``), at most ``most`` (None: all); None when a column's type would
    not come out of Arrow exactly as out of the engine.

    Parts that the engine can read apart more cheaply than ranges of customers (the orders
    and their lines by ranges of order ids, say, which both are usually stored in) are
    read up to :data:`AHEAD` at a time and compacted as they come; then the rows are put
    in order once, and each column is merged and reordered in turn.
    """
    names = _exact_names(con, sql, [None, None, *params])
    if names is None:
        return None
    read = partial(_latest_piece, latest)
    pieces = _pieces(con, sql, params, names, columns, most, parts, read)
    keys = np.concatenate([piece[0] for piece in pieces])
    held = [piece[2] for piece in pieces]  # the pieces' own ids are let go
    del pieces
    order = _latest_first(keys, [columns_of[columns.index(latest)] for columns_of in held])
    keys, starts, kept = _grouped(keys[order], most)
    picked = pa.array(order if kept is None else order[kept])
    del order
    arrays: list[pa.Array | None] = []
    for i, name in enumerate(columns):
        column = [columns_of[i] for columns_of in held]
        for columns_of in held:
            columns_of[i] = None  # the reordered column replaces the pieces'
        arrays.append(None if name == KEY else merged([a for a in column if a is not None], picked))
    pa.default_memory_pool().release_unused()  # what ordering them held, back to the system
    return SortedTable(columns, keys, starts, tuple(arrays))


def _latest_first(
    keys: npt.NDArray[np.bytes_], latest: list[pa.Array | None]
) -> npt.NDArray[np.int64]:
    """The order of the rows by id, then by the column whose pieces are ``latest``, latest
    first (nulls last: :data:`EARLIEST`). The ids are read in place (fixed-size binary over
    the array's bytes: their padding sorts as the bytes' order, a shorter id first)."""
    width = keys.dtype.itemsize
    ids = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(keys), [None, pa.py_buffer(keys)]
    )
    chunks = []
    for piece in latest:
        if piece is None:
            continue
        plain = piece.dictionary_decode() if pa.types.is_dictionary(piece.type) else piece
        chunks.append(pc.fill_null(plain.cast(pa.int64()), EARLIEST))
    order = pc.sort_indices(
        pa.table({"key": pa.chunked_array([ids]), "latest": pa.chunked_array(chunks, pa.int64())}),
        sort_keys=[("key", "ascending"), ("latest", "descending")],
    )
    found: npt.NDArray[np.int64] = order.to_numpy()
    return found


def _exact_names(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[str] | None:
    """The column names of ``sql``; None (logged) when a column's type would not come out
    of Arrow exactly as out of the engine."""
    described = con.execute(f"DESCRIBE {sql}", params).fetchall()
    inexact = [f"{row[0]} {row[1]}" for row in described if row[1] not in EXACT_TYPES]
    if inexact:
        log.info("no exact in-memory copy of %s; reading the mart", inexact)
        return None
    return [row[0] for row in described]


Piece = tuple[npt.NDArray[np.bytes_], npt.NDArray[np.integer[Any]], list[pa.Array | None]]
"""The ids, where their rows start and the compacted columns of a part (or of the whole)."""

Reader = Callable[
    [duckdb.DuckDBPyConnection, str, list[Any], list[str], list[str], int | None], Piece
]
"""What reads one part as a :data:`Piece`: :func:`_piece` or :func:`_latest_piece`."""


def _pieces(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[Any],
    names: list[str],
    columns: list[str],
    most: int | None,
    parts: Sequence[Part],
    read: Reader | None = None,
) -> list[Piece]:
    """The :func:`_piece` (or ``read``) of each of ``parts``, in order, up to :data:`AHEAD` at a time,
    each on its own cursor of ``con`` (which sees none of ``con``'s temporary tables,
    session settings or open transaction): while the rows of one part are compacted here
    the engine reads the next (the copies' time is about half engine, half compacting).
    When a part fails, the one still running is interrupted."""
    read = read or _piece
    if len(parts) == 1:
        return [read(con, sql, [*parts[0], *params], names, columns, most)]
    pieces: list[Piece] = []
    with ExitStack() as stack:
        cursors = [stack.enter_context(con.cursor()) for _ in range(AHEAD)]
        with ThreadPoolExecutor(AHEAD, thread_name_prefix="segmint-copy") as pool:
            running: deque[Future[Piece]] = deque()
            try:
                for i, part in enumerate(parts):
                    if len(running) == AHEAD:  # its cursor is free again
                        pieces.append(running.popleft().result())
                    bounded = [*part, *params]
                    running.append(
                        pool.submit(read, cursors[i % AHEAD], sql, bounded, names, columns, most)
                    )
                pieces.extend(future.result() for future in running)
            except BaseException:
                for cursor in cursors:
                    cursor.interrupt()  # the part still running ends now, not in seconds
                raise
    return pieces


def _piece(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[Any],
    names: list[str],
    columns: list[str],
    most: int | None,
) -> Piece:
    """The rows of ``sql`` run with ``params``, grouped by id (a stable sort when the engine
    did not sort them), at most ``most`` per id, compacted column by column."""
    keys, values = _read(con.execute(sql, params).to_arrow_reader(BATCH_ROWS), names)
    picked: npt.NDArray[np.int64] | None = None
    if len(keys) > 1 and not bool(np.all(keys[1:] >= keys[:-1])):
        picked = np.argsort(keys, kind="stable")  # a stable sort keeps each one's order
        keys = keys[picked]
    keys, starts, kept = _grouped(keys, most)
    if kept is not None:
        picked = kept if picked is None else picked[kept]
    held = dict(zip(names[1:], values.columns, strict=True))
    del values
    arrays = [None if name == KEY else _taken(held.pop(name), picked) for name in columns]
    pa.default_memory_pool().release_unused()  # the raw result's memory back to the system
    return keys, starts, arrays


def _latest_piece(
    latest: str,
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[Any],
    names: list[str],
    columns: list[str],
    most: int | None,
) -> Piece:
    """The rows of ``sql`` run with ``params``, compacted column by column, and of a
    customer with more than ``most`` rows in this part only the latest ``most`` by the
    column ``latest`` (their latest overall are among those of each part); in the order
    read when none has more (the rows are grouped once every part is read, and the piece's
    starts are empty)."""
    keys, values = _read(con.execute(sql, params).to_arrow_reader(BATCH_ROWS), names)
    held = dict(zip(names[1:], values.columns, strict=True))
    del values
    arrays = [None if name == KEY else _taken(held.pop(name), None) for name in columns]
    if most is not None and len(keys):
        order = _latest_first(keys, [arrays[columns.index(latest)]])
        ordered = keys[order]
        kept = _grouped(ordered, most)[2]
        if kept is not None:
            picked = pa.array(order[kept])
            keys = ordered[kept]
            arrays = [None if array is None else array.take(picked) for array in arrays]
    pa.default_memory_pool().release_unused()
    return keys, np.zeros(0, np.int64), arrays


def _taken(column: pa.ChunkedArray, picked: npt.NDArray[np.int64] | None) -> pa.Array:
    """``column`` compacted, then its rows ``picked`` (None: all, as they are): one column
    at a time, so the rows are never held twice."""
    array = compact(column)
    return array if picked is None else array.take(pa.array(picked))


def _whole(piece: Piece, columns: list[str]) -> SortedTable:
    """One piece as the table."""
    keys, starts, arrays = piece
    return SortedTable(columns, keys, starts, tuple(arrays))


def _joined(pieces: list[Piece], columns: list[str]) -> SortedTable | None:
    """The ``pieces`` of consecutive parts, one after the other, as one table (each column
    merged in turn, its pieces let go); None when their ids are not in order."""
    keys = np.concatenate([piece[0] for piece in pieces])
    if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        return None
    before = np.cumsum([0, *(int(piece[1][-1]) for piece in pieces[:-1])])
    starts = np.concatenate(
        [np.zeros(1, np.int64)]
        + [p[1][1:].astype(np.int64) + rows for p, rows in zip(pieces, before, strict=True)]
    )
    arrays: list[pa.Array | None] = []
    for i, name in enumerate(columns):
        column = [piece[2][i] for piece in pieces]
        for piece in pieces:
            piece[2][i] = None  # the merged column replaces the pieces'
        arrays.append(None if name == KEY else merged([a for a in column if a is not None]))
    width = np.int32 if int(starts[-1]) < 2**31 else np.int64
    return SortedTable(columns, keys, starts.astype(width), tuple(arrays))


def _read(
    reader: pa.RecordBatchReader, names: list[str]
) -> tuple[npt.NDArray[np.bytes_], pa.Table]:
    """The ids of ``reader``'s rows as bytes and the other columns, batch by batch, so the
    whole result is never held as read: ids become bytes, and a column with few values in
    the first batch is dictionary-encoded in every batch. Rows without an id are left out
    (they match no lookup)."""
    keys: list[npt.NDArray[np.bytes_]] = []
    chunks: list[list[pa.Array]] = [[] for _ in names[1:]]
    encode: list[bool] | None = None
    schema: pa.Schema | None = None
    for batch in reader:
        schema = batch.schema
        batch = batch.filter(pc.is_valid(batch.column(0)))
        keys.append(as_keys(batch.column(0)))
        columns = batch.columns[1:]
        if encode is None:
            encode = [not pa.types.is_boolean(c.type) and few_values(c) for c in columns]
        for held, column, encoded in zip(chunks, columns, encode, strict=True):
            held.append(pc.dictionary_encode(column) if encoded else column)
    if schema is None:
        return np.array([], dtype="S1"), pa.table({name: pa.array([]) for name in names[1:]})
    fields = list(schema)[1:]
    arrays = {f.name: _chunked(held, f.type) for f, held in zip(fields, chunks, strict=True)}
    found = np.concatenate(keys) if keys else np.array([], dtype="S1")
    return found, pa.table(arrays)


def _chunked(chunks: list[pa.Array], kind: pa.DataType) -> pa.ChunkedArray:
    """One column's batches; dictionary-encoded ones share one dictionary."""
    if chunks and pa.types.is_dictionary(chunks[0].type):
        return pa.chunked_array(chunks).unify_dictionaries()
    return pa.chunked_array(chunks, type=kind)


def _grouped(
    keys: npt.NDArray[np.bytes_], most: int | None
) -> tuple[npt.NDArray[np.bytes_], npt.NDArray[np.integer[Any]], npt.NDArray[np.int64] | None]:
    """Each id of the sorted ``keys`` once, where its rows start (and the end), and the rows
    kept when each id keeps at most ``most`` (None: every row kept)."""
    n = len(keys)
    firsts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if n else np.array([], np.int64)
    counts = np.diff(np.r_[firsts, n])
    kept: npt.NDArray[np.int64] | None = None
    if most is not None and len(counts) and int(counts.max()) > most:
        rank = np.arange(n) - np.repeat(firsts, counts)
        kept = np.flatnonzero(rank < most)
        counts = np.minimum(counts, most)
    width = np.int32 if n < 2**31 else np.int64
    starts = np.r_[0, np.cumsum(counts)].astype(width)
    return keys[firsts], starts, kept


def _decoded(array: pa.Array | None) -> Decoded | None:
    """A dictionary ``array`` as :data:`Decoded`; None for any other."""
    if array is None or not pa.types.is_dictionary(array.type):
        return None
    indices = array.indices if not array.null_count else pc.fill_null(array.indices, -1)
    return [*array.dictionary.to_pylist(), None], indices.to_numpy(zero_copy_only=True)
