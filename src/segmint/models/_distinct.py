"""Distinct values and distinct rows, without hashing floats when the values allow it.

Merging identical customer histories (:class:`segmint.models._base.Histories`) needs the
distinct (x, t_x, T) rows and the distinct counts and ages. Counts are whole numbers and
ages are usually whole days, or whole days expressed in weeks: such values are their own
small integer codes (value times a small denominator), which a lookup table or one 32-bit
hash pass over the packed row code handles several times faster than hashing floats.
Every function here gives exactly what :func:`pandas.factorize` would: codes and values
in order of first appearance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from segmint.models._validation import FloatArray

_MAX_DENOMINATOR = 400  # ages k/d with d up to 400 (days, weeks of days, hours...) index directly
_MAX_SPAN = 1 << 22  # widest range of whole-number keys indexed through a lookup table
_SAMPLE = 256  # values sampled to guess the denominator before checking all of them


def distinct_rows(*columns: FloatArray) -> tuple[NDArray[np.intp], tuple[FloatArray, ...]]:
    """Each row's index into the distinct rows of ``columns``, and those rows' values.

    Distinct rows come in order of first appearance. Each column is coded by whole
    numbers (see :func:`_whole_number_keys`, or hash codes for other values), the codes
    are packed into one integer per row and that integer is hashed once.
    """
    key = np.zeros(columns[0].size, dtype=np.int64)
    width = 1  # key < width
    for column in columns:
        codes, span = _column_codes(column)
        if width >= 2**62 // span:  # packing would overflow: recode the key densely first
            key, levels = pd.factorize(key)
            width = max(len(levels), 1)
        key = key * span + codes
        width *= span
    if width <= 2**32:  # a 32-bit hash table is smaller, so faster
        key = key.astype(np.uint32)
    row, levels = pd.factorize(key)
    distinct = []
    for column in columns:
        values = np.empty(len(levels))
        values[row] = column  # every occurrence of a row holds the same value
        distinct.append(values)
    return row, tuple(distinct)


def _column_codes(values: FloatArray) -> tuple[NDArray[np.intp], int]:
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
    weeks computed from days) are coded through lookup tables indexed by the whole number
    k = value * d: no hashing, several times faster than ``pandas.factorize``, which
    codes any other input.
    """
    keys, denominator = _whole_number_keys(values)
    if keys is None:
        codes, levels = pd.factorize(values)
        return codes, np.asarray(levels, dtype=np.float64)
    span = int(keys.max(initial=0)) + 1
    first = np.full(span, values.size, dtype=np.intp)
    np.minimum.at(first, keys, np.arange(values.size))  # each key's first position
    seen = np.flatnonzero(first < values.size)
    in_order = seen[np.argsort(first[seen])]  # the keys present, by first appearance
    code_of_key = np.empty(span, dtype=np.intp)
    code_of_key[in_order] = np.arange(in_order.size)
    return code_of_key[keys], in_order / denominator


def _whole_number_keys(values: FloatArray) -> tuple[NDArray[np.intp] | None, float]:
    """``(k, d)`` with ``k / d == values`` exactly, k whole and below ``_MAX_SPAN``, or (None, 1).

    d is the smallest denominator up to ``_MAX_DENOMINATOR`` that makes a strided sample
    whole; the exact round trip k / d == value is then checked on every value, so two
    values share a key if and only if they are equal.
    """
    largest = float(values.max(initial=0.0))
    max_denominator = min(_MAX_DENOMINATOR, int((_MAX_SPAN - 1) // max(largest, 1.0)))
    if values.size == 0 or max_denominator < 1:
        return None, 1.0
    sample = values[:: max(values.size // _SAMPLE, 1)]
    scaled = sample[None, :] * np.arange(1, max_denominator + 1, dtype=np.float64)[:, None]
    whole = np.all(np.abs(scaled - np.rint(scaled)) <= 1e-9 * np.maximum(scaled, 1.0), axis=1)
    if not whole.any():
        return None, 1.0
    denominator = float(np.argmax(whole) + 1)
    keys = values * denominator
    np.rint(keys, out=keys)
    if not np.array_equal(keys / denominator if denominator > 1 else keys, values):
        return None, 1.0
    return keys.astype(np.intp), denominator
