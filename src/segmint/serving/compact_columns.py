"""Arrow columns held in as little memory as gives the same Python values back.

The server's in-process copies (:mod:`segmint.serving.sorted_table`) hold millions of rows
a view reads one at a time. A column with few distinct values of any type (dates, segment
and model names, small counts, rates with a few hundred values) is held as a dictionary
with one- or two-byte indices; other whole numbers in the narrowest integer type that holds
them. Every value a row gives back (``as_py``) is the one the engine's cursor gives.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DICTIONARY_BELOW = 0.5
"""Columns with fewer distinct values than this share of their rows (and at most
:data:`DICTIONARY_MOST`) are dictionary-encoded: same values, a fraction of the memory."""

DICTIONARY_MOST = 32_767
"""Most distinct values a dictionary of other than text holds (two-byte indices)."""

SAMPLE = 65_536
"""Rows looked at first: a column whose first rows are mostly distinct (ids, timestamps,
amounts) is ruled out of a dictionary without counting all its values."""

LONGER = 4 * SAMPLE
"""Rows counted next: a column with more distinct values than the limit in them has more in
the whole (order timestamps in customer order repeat within the first rows, but exceed
:data:`DICTIONARY_MOST` long before the end of a million rows)."""


def compact(column: pa.ChunkedArray) -> pa.Array:
    """``column`` in one contiguous array: dictionary-encoded when it has few distinct
    values (or was encoded as it was read), whole numbers in the narrowest type that holds
    them; every value as before."""
    array = column.combine_chunks()
    if pa.types.is_dictionary(array.type):
        return array.cast(pa.dictionary(narrowest(0, len(array.dictionary)), array.type.value_type))
    if not len(array) or pa.types.is_boolean(array.type):
        return array
    if few_values(array):
        encoded = pc.dictionary_encode(array)
        return encoded.cast(pa.dictionary(narrowest(0, len(encoded.dictionary)), array.type))
    if pa.types.is_integer(array.type):
        return _narrowed(array)
    return array


def merged(pieces: list[pa.Array], picked: pa.Array | None = None) -> pa.Array:
    """The compacted ``pieces`` of one column, one after the other, as one compacted array
    (pieces compacted apart may hold their values in different ways); with ``picked``, the
    rows at those positions of it, in that order (taken from the pieces as they are)."""
    pieces = [piece for piece in pieces if len(piece)] or pieces[:1]
    if len(pieces) == 1 and picked is None:
        return pieces[0]
    if all(pa.types.is_dictionary(piece.type) for piece in pieces):
        kind = pa.dictionary(pa.int32(), pieces[0].type.value_type)
        chunked = pa.chunked_array([p.cast(kind) for p in pieces]).unify_dictionaries()
    else:
        plain = [p.dictionary_decode() if pa.types.is_dictionary(p.type) else p for p in pieces]
        kinds = {piece.type for piece in plain}
        kind = pa.int64() if all(pa.types.is_integer(k) for k in kinds) else plain[0].type
        chunked = pa.chunked_array([piece.cast(kind) for piece in plain])
    return compact(chunked if picked is None else chunked.take(picked))


def few_values(array: pa.Array) -> bool:
    """Whether ``array`` has few enough distinct values for a dictionary: fewer than
    :data:`DICTIONARY_BELOW` of its rows, and for other than text (whose values cost more
    than an index of any width) at most :data:`DICTIONARY_MOST`. Judged on the first
    :data:`SAMPLE` rows alone when those already have too many distinct values, which for
    other than text the overall limit already says, so it is text that gains: a column of
    ids is ruled out at once (the choice is one of memory: the values come back the same
    either way)."""
    limit = int(DICTIONARY_BELOW * len(array))
    if not pa.types.is_string(array.type):
        limit = min(DICTIONARY_MOST, limit)
    first = array.slice(0, SAMPLE)
    seen = len(pc.unique(first))
    if seen > limit or seen > DICTIONARY_BELOW * len(first):
        return False
    longer = array.slice(0, LONGER)  # more values than the limit there: more in the whole
    if len(longer) < len(array) and len(pc.unique(longer)) > limit:
        return False
    return len(pc.unique(array)) <= limit


def narrowest(low: int, high: int) -> pa.DataType:
    """The narrowest signed integer type that holds ``low`` and ``high``."""
    for width in (np.int8, np.int16, np.int32):
        info = np.iinfo(width)
        if info.min <= low and high <= info.max:
            return pa.from_numpy_dtype(width)
    return pa.int64()


def _narrowed(array: pa.Array) -> pa.Array:
    """Whole numbers in the narrowest signed type that holds their least and greatest."""
    bounds = pc.min_max(array)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    return array if low is None else array.cast(narrowest(low, high))
