"""Query results read as Arrow record batches, so a command that needs no pandas loads none.

Ibis's ``execute()`` hands results over as pandas objects, and its DuckDB ``to_pyarrow()``
loads pandas too (for its type converters), as does pyarrow's own ``to_numpy()``;
importing pandas costs a command about half a second. Ibis's ``to_pyarrow_batches()``
streams the engine's Arrow batches as they are: these functions read through it and
return an Arrow table, plain Python values or NumPy arrays.

:func:`frame` is for large results that do go to pandas: Ibis's DuckDB ``execute()`` turns
every column holding a null into a list of Python objects first, which on a million
customers' features took 5–8 s where Arrow's own conversion takes 0.7 s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import pandas as pd


def arrow(expr: ir.Table | ir.Column | ir.Scalar) -> pa.Table:
    """Every row of ``expr`` as one Arrow table (a column or scalar as a one-column table).

    Where the engine returns a type other than the one Ibis declares (DuckDB sums
    integers into 128-bit decimals, Ibis calls the sum an int64), the batches do not
    match the declared schema; the query then runs again through Ibis's converting
    ``to_pyarrow()``. Callers that read large results cast their columns in the query.
    """
    try:
        table: pa.Table = expr.to_pyarrow_batches().read_all()
    except pa.ArrowInvalid:
        converted = expr.as_table().to_pyarrow()
        return converted
    return table


def frame(expr: ir.Table, sort_by: str | None = None) -> pd.DataFrame:
    """Every row of ``expr`` as a pandas frame, converted by Arrow (see the module doc),
    ordered by column ``sort_by`` when given (sorted in Arrow: faster than in the engine
    or in pandas for a million rows).

    Numbers with nulls become floats with NaN and text stays text, as ``execute()`` gives
    them; dates and timestamps keep Arrow's conversion (``datetime.date`` objects, and
    microseconds), so callers use it on tables without them or say how they read them.
    """
    table = arrow(expr)
    if sort_by is not None:
        table = table.take(pc.sort_indices(table, [(sort_by, "ascending")]))
    result: pd.DataFrame = table.to_pandas()
    return result


def detached(column: pa.ChunkedArray, kind: pa.DataType) -> pa.Array:
    """``column`` as ``kind``, copied into memory of its own.

    A column of a batch read from the engine shares the memory of the whole batch: DuckDB
    hands a batch over as one allocation, released when nothing of it is left. A column
    kept after its batch is gone (the ids of scored customers) keeps every other column of
    the batch alive with it: scoring ten million customers kept all their features, about
    1.2 KB per customer. Concatenating copies the values into a new array.
    """
    if column.num_chunks == 0:
        return pa.array([], kind)
    return pa.concat_arrays(column.cast(kind).chunks)


def scalar(expr: ir.Scalar) -> Any:
    """The value of a scalar expression as a Python object (None for a null)."""
    return arrow(expr).column(0)[0].as_py()


def rows(expr: ir.Table) -> list[dict[str, Any]]:
    """The rows of a (small) table expression as dicts of Python values."""
    found: list[dict[str, Any]] = arrow(expr).to_pylist()
    return found


def values(expr: ir.Column) -> list[Any]:
    """The values of a (small) column expression as a list of Python values."""
    found: list[Any] = arrow(expr).column(0).to_pylist()
    return found


def numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric or boolean column without nulls as a NumPy array.

    Numbers cross through DLPack (no copy for a single chunk); booleans, which Arrow packs
    eight to a byte, are unpacked from their bits.

    Raises:
        ValueError: the column has nulls.
    """
    if column.null_count:
        raise ValueError(f"a column of {column.type} with {column.null_count} nulls")
    array = column.combine_chunks()
    if not pa.types.is_boolean(array.type):
        return np.from_dlpack(array)
    bits = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    unpacked = np.unpackbits(bits, bitorder="little")
    return unpacked[array.offset : array.offset + len(array)].astype(bool)
