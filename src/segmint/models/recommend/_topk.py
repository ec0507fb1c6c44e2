"""Top-k per row of a sparse candidate matrix, without a dense customer × item array.

Every recommender scores a few hundred candidate items per customer, held as a CSR
matrix (customers × items). Sorting all candidates would cost ``n log n``; a dense matrix
would cost a row of every item per customer. Instead rows are grouped by length (padded to
the next power of two, so padding at most doubles the work) and each group takes its ``k``
largest with ``argpartition``: linear in the number of candidates.

Ties are broken by the lower item index, so results do not depend on the algorithm.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from segmint.models.recommend._data import FloatArray, IntArray


def top_k_rows(matrix: sp.csr_array, k: int) -> tuple[IntArray, FloatArray]:
    """Each row's ``k`` largest stored entries, best first.

    Returns:
        ``(columns, values)``, both of shape ``(n_rows, k)``; a row with fewer than ``k``
        entries is padded with column ``-1`` and value NaN.
    """
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    n_rows = matrix.shape[0]
    columns = np.full((n_rows, k), -1, dtype=np.int64)
    values = np.full((n_rows, k), np.nan)
    lengths = np.diff(matrix.indptr).astype(np.int64)
    widths = np.full(n_rows, k, dtype=np.int64)
    long = lengths > k
    widths[long] = 1 << np.ceil(np.log2(lengths[long])).astype(np.int64)
    for width in np.unique(widths[lengths > 0]):
        rows = np.flatnonzero((widths == width) & (lengths > 0))
        cols, vals = _group_top_k(matrix, rows, lengths[rows], int(width), k)
        columns[rows] = cols
        values[rows] = vals
    return columns, values


def _group_top_k(
    matrix: sp.csr_array, rows: IntArray, lengths: IntArray, width: int, k: int
) -> tuple[IntArray, FloatArray]:
    """Top ``k`` of ``rows``, all of at most ``width`` entries (``width >= k``)."""
    n = rows.size
    total = int(lengths.sum())
    local = np.repeat(np.arange(n), lengths)
    starts = np.cumsum(lengths) - lengths
    position = np.arange(total) - np.repeat(starts, lengths)
    source = np.repeat(matrix.indptr[rows].astype(np.int64), lengths) + position
    padded = np.full((n, width), -np.inf)
    padded[local, position] = matrix.data[source]
    padded_cols = np.full((n, width), -1, dtype=np.int64)
    padded_cols[local, position] = matrix.indices[source]
    if width > k:
        # the k-th largest value per row, then everything above it and enough of the
        # entries equal to it, lowest column first (positions follow column order)
        kth = np.partition(padded, width - k, axis=1)[:, width - k]
        above = padded > kth[:, None]
        equal = padded == kth[:, None]
        need = k - above.sum(axis=1)
        take = above | (equal & (np.cumsum(equal, axis=1) <= need[:, None]))
        r, c = np.nonzero(take)
        padded = padded[r, c].reshape(n, k)
        padded_cols = padded_cols[r, c].reshape(n, k)
    order = np.argsort(-padded, axis=1, kind="stable")
    vals = np.take_along_axis(padded, order, axis=1)
    cols = np.take_along_axis(padded_cols, order, axis=1)
    empty = ~np.isfinite(vals)
    cols[empty] = -1
    vals[empty] = np.nan
    return cols, vals


def rows_from_keys(keys: IntArray, values: FloatArray, n_rows: int, n_cols: int) -> sp.csr_array:
    """A CSR matrix from sorted, distinct ``row * n_cols + col`` keys and their values."""
    row = keys // n_cols
    indptr = np.searchsorted(row, np.arange(n_rows + 1), side="left")
    return sp.csr_array((values, (keys % n_cols).astype(np.int32), indptr), shape=(n_rows, n_cols))
