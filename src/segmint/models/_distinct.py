"""Distinct values and distinct rows, without hashing floats when the values allow it.

Merging identical customer histories (:class:`segmint.models._base.Histories`) needs the
distinct (x, t_x, T) rows and the distinct counts and ages. Counts are whole numbers and
ages are usually whole days, or whole days expressed in weeks: such a value is one small
whole number k = value * d for a small denominator d, and 32-bit hashing of k (or of a
row's k packed into one integer) is several times faster than hashing floats. Every
function here gives exactly what :func:`pandas.factorize` would: codes and values in order
of first appearance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from segmint.models._validation import FloatArray

_MAX_DENOMINATOR = 400  # ages k/d with d up to 400 (days, weeks of days, hours...) index directly
_MAX_SPAN = 1 << 22  # largest whole number k = value * d taken as a key
_SAMPLE = 64  # values sampled to guess the denominator before checking all of them
_HASH_SIZE_HINT = 1 << 18
"""Rows the hash table of distinct whole-number rows is first sized for; it grows as more
are found. Sized for every row, a million rows' table takes about 25 MB, which costs a
fresh process more to page in than growing it costs when rows repeat, as whole-number
histories do."""
_CHUNK_ROWS = 1 << 16  # rows packed per pass: a pass's temporaries stay in the CPU cache


def distinct_rows(*columns: FloatArray) -> tuple[NDArray[np.intp], tuple[FloatArray, ...]]:
    """Each row's index into the distinct rows of ``columns``, and those rows' values.

    Distinct rows come in order of first appearance. Whole-number columns take
    :func:`distinct_whole_rows`; otherwise each column is coded first
    (:func:`_column_codes`) and the codes' rows are hashed (:func:`distinct_code_rows`).
    """
    whole = distinct_whole_rows(*columns)
    if whole is not None:
        return whole.row, whole.values()
    row, codes = distinct_code_rows([_column_codes(column) for column in columns])
    distinct = []
    for column in columns:
        values = np.empty(codes[0].size)
        values[row] = column  # every occurrence of a row holds the same value
        distinct.append(values)
    return row, tuple(distinct)


@dataclass(frozen=True)
class WholeRows:
    """Distinct rows of whole-number columns: each input row's index into them, and
    per column the distinct rows' whole numbers k and the denominator d (value = k / d)."""

    row: NDArray[np.intp]
    keys: tuple[NDArray[np.uint32], ...]
    denominators: tuple[int, ...]

    def values(self) -> tuple[FloatArray, ...]:
        """The distinct rows' values, column by column."""
        return tuple(k / d for k, d in zip(self.keys, self.denominators, strict=True))


def distinct_whole_rows(*columns: FloatArray) -> WholeRows | None:
    """:func:`distinct_rows` of whole-number columns, or None unless every column is one.

    Each row is packed into one 32-bit integer in a single pass
    (:func:`_packed_whole_numbers`), the integers are hashed once and the distinct rows'
    whole numbers are decoded from the distinct integers.
    """
    whole = _packed_whole_numbers(columns)
    if whole is None:
        return None
    key, scales = whole
    row, levels = pd.factorize(key, size_hint=min(key.size, _HASH_SIZE_HINT))
    rest = np.asarray(levels, dtype=np.uint32)  # the distinct integers, one per row
    keys = []
    for _, span in reversed(scales):
        keys.append(rest % np.uint32(span))
        rest //= np.uint32(span)
    return WholeRows(row, tuple(reversed(keys)), tuple(d for d, _ in scales))


def distinct_keys(
    keys: NDArray[np.uint32], denominator: float
) -> tuple[NDArray[np.intp], FloatArray]:
    """:func:`distinct_values` of the values ``keys / denominator``, from their whole numbers.

    The 32-bit keys are hashed in a table sized for their span, not for every value.
    """
    span = int(keys.max(initial=0)) + 1
    codes, whole = pd.factorize(keys, size_hint=min(span, keys.size))
    return codes, np.asarray(whole, dtype=np.float64) / denominator


def distinct_code_rows(
    coded: list[tuple[NDArray[np.integer[Any]], int]],
) -> tuple[NDArray[np.intp], tuple[NDArray[np.intp], ...]]:
    """Each row's index into the distinct rows of some columns' codes, and those rows' codes.

    ``coded`` holds each column's (codes, span), codes in ``range(span)``. Distinct rows
    come in order of first appearance; the codes are packed into one integer per row
    (:func:`_packed_codes`), which is hashed once.
    """
    packed = _packed_codes(coded)
    row, levels = pd.factorize(packed)
    distinct = []
    for codes, _ in coded:
        of_row = np.empty(len(levels), dtype=np.intp)
        of_row[row] = codes  # every occurrence of a row holds the same codes
        distinct.append(of_row)
    return row, tuple(distinct)


def _packed_whole_numbers(
    columns: tuple[FloatArray, ...],
) -> tuple[NDArray[np.uint32], list[tuple[int, int]]] | None:
    """Rows packed into one 32-bit integer from their whole-number keys, or None.

    With k = value * d whole for every value of a column (see :func:`_denominator`),
    the row's integer is the mixed-radix number of its columns' k. Built a cache-sized
    chunk at a time, so a million rows cost one pass and one output array. None when a
    column is not whole multiples of one small fraction or the rows need more than 32
    bits. Also returns each column's (d, span of k).
    """
    scales = []
    for column in columns:
        denominator = _denominator(column)
        if denominator is None:
            return None
        scales.append((denominator, int(np.rint(column.max(initial=0.0) * denominator)) + 1))
    if np.prod([float(span) for _, span in scales]) > 2**32:
        return None
    packed = np.zeros(columns[0].size, dtype=np.uint32)
    for start in range(0, columns[0].size, _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        out = packed[rows]
        for column, (denominator, span) in zip(columns, scales, strict=True):
            values = column[rows]
            keys = np.rint(values * denominator if denominator > 1 else values)
            if not np.array_equal(keys / denominator if denominator > 1 else keys, values):
                return None
            out *= np.uint32(span)
            np.add(out, keys, out=out, casting="unsafe")  # whole and below 2^32: exact
    return packed, scales


def _packed_codes(coded: list[tuple[NDArray[np.integer[Any]], int]]) -> NDArray[np.integer[Any]]:
    """One integer per row that is equal exactly where all the columns' codes are.

    Mixed-radix packing of the (codes, span) of each column, in 32 bits when they fit (a
    smaller hash table hashes faster); in 64 bits otherwise, recoding the packed prefix
    densely whenever the next column would overflow it.
    """
    if np.prod([float(span) for _, span in coded]) <= 2**32:
        narrow = coded[0][0].astype(np.uint32)
        for codes, span in coded[1:]:
            narrow *= np.uint32(span)
            np.add(narrow, codes, out=narrow, casting="unsafe")  # codes < span: no wrap-around
        return narrow
    key = coded[0][0].astype(np.int64)
    width = coded[0][1]  # key < width
    for codes, span in coded[1:]:
        if width >= 2**62 // span:
            key, levels = pd.factorize(key)
            width = max(len(levels), 1)
        key = key * span + codes
        width *= span
    return key


def _column_codes(values: FloatArray) -> tuple[NDArray[np.integer[Any]], int]:
    """Codes that are equal exactly where ``values`` are, and one more than the largest."""
    keys, _ = _whole_number_keys(values)
    if keys is None:
        codes, levels = pd.factorize(values)
        return codes, max(len(levels), 1)
    return keys, int(keys.max(initial=0)) + 1


def distinct_values(values: FloatArray) -> tuple[NDArray[np.intp], FloatArray]:
    """``(codes, levels)`` as :func:`pandas.factorize` gives them: ``levels[codes] == values``,
    levels distinct and in order of first appearance.

    Values that are whole multiples of one small fraction 1/d (counts; ages in days, or in
    weeks computed from days) are factorised as the 32-bit whole numbers value * d, in a
    hash table sized for their span: faster than hashing the floats.
    """
    keys, denominator = _whole_number_keys(values)
    if keys is None:
        codes, levels = pd.factorize(values)
        return codes, np.asarray(levels, dtype=np.float64)
    return distinct_keys(keys, denominator)


def _whole_number_keys(values: FloatArray) -> tuple[NDArray[np.uint32] | None, float]:
    """``(k, d)`` with ``k / d == values`` exactly and k whole (see :func:`_denominator`),
    or (None, 1) when the values are not whole multiples of one small fraction.

    The round trip k / d == value is checked on every value, so two values share a key
    if and only if they are equal.
    """
    denominator = _denominator(values)
    if denominator is None:
        return None, 1.0
    if denominator == 1:  # whole numbers: truncating is exact exactly when they are whole
        keys = values.astype(np.uint32)
        return (keys, 1.0) if np.array_equal(keys, values) else (None, 1.0)
    scaled = values * denominator
    np.rint(scaled, out=scaled)
    keys = scaled.astype(np.uint32)
    scaled /= denominator
    return (keys, float(denominator)) if np.array_equal(scaled, values) else (None, 1.0)


def _denominator(values: FloatArray) -> int | None:
    """The smallest d up to ``_MAX_DENOMINATOR`` that makes a strided sample of ``values``
    whole multiples of 1/d, keeping value * d below ``_MAX_SPAN``; None if there is none.

    A guess from the sample: callers check every value.
    """
    largest = float(values.max(initial=0.0))
    max_denominator = min(_MAX_DENOMINATOR, int((_MAX_SPAN - 1) // max(largest, 1.0)))
    if values.size == 0 or max_denominator < 1:
        return None
    sample = values[:: max(values.size // _SAMPLE, 1)]
    scaled = sample[None, :] * np.arange(1, max_denominator + 1, dtype=np.float64)[:, None]
    whole = np.all(np.abs(scaled - np.rint(scaled)) <= 1e-9 * np.maximum(scaled, 1.0), axis=1)
    return int(np.argmax(whole)) + 1 if whole.any() else None
