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

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from segmint.models._validation import FloatArray

_MAX_DENOMINATOR = 400  # ages k/d with d up to 400 (days, weeks of days, hours...) index directly
_MAX_SPAN = 1 << 22  # widest range of whole-number keys indexed through a lookup table
_SAMPLE = 64  # values sampled to guess the denominator before checking all of them


def distinct_rows(*columns: FloatArray) -> tuple[NDArray[np.intp], tuple[FloatArray, ...]]:
    """Each row's index into the distinct rows of ``columns``, and those rows' values.

    Distinct rows come in order of first appearance. Each column is coded by whole
    numbers (see :func:`_whole_number_keys`, or hash codes for other values), the codes
    are packed into one integer per row (:func:`_packed_codes`) and that is hashed once.
    """
    key = _packed_codes([_column_codes(column) for column in columns])
    row, levels = pd.factorize(key)
    distinct = []
    for column in columns:
        values = np.empty(len(levels))
        values[row] = column  # every occurrence of a row holds the same value
        distinct.append(values)
    return row, tuple(distinct)


def _packed_codes(coded: list[tuple[NDArray[np.intp], int]]) -> NDArray[np.integer[Any]]:
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
    denominator = int(np.argmax(whole)) + 1
    if denominator == 1:  # whole numbers: truncating is exact exactly when they are whole
        keys = values.astype(np.intp)
        return (keys, 1.0) if np.array_equal(keys, values) else (None, 1.0)
    scaled_values = values * denominator
    np.rint(scaled_values, out=scaled_values)
    keys = scaled_values.astype(np.intp)
    scaled_values /= denominator
    return (keys, float(denominator)) if np.array_equal(scaled_values, values) else (None, 1.0)
