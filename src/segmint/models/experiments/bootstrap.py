"""Bootstrap interval of a difference in means, vectorised and memory-bounded.

Each group is resampled with replacement (the nonparametric bootstrap, Efron 1979;
percentile interval, Efron & Tibshirani 1993, ch. 13) ``n_resamples`` times, and the
interval is read off the percentiles of the resampled differences (and ratios).

Resampling a million members a thousand times naively draws a billion indices. Two exact
shortcuts keep it fast without a Python loop over resamples:

- **Few distinct values** (conversion 0/1, orders 0/1/2…): a resample is fully described
  by how often each distinct value is drawn, a multinomial vector; one
  ``Generator.multinomial(n, shares, size=B)`` call draws all ``B`` resamples.
- **Mostly zeros** (revenue per member: most members buy nothing): each of the ``n``
  draws lands on a non-zero member with probability ``k / n``, so the number of non-zero
  draws of a resample is ``Binomial(n, k / n)`` and only those need an index. The cost is
  about ``B * k`` draws instead of ``B * n``; each block of resamples counts its draws
  per member in a matrix of about ``_BLOCK_CELLS`` cells, so memory stays bounded
  whatever the group size, in parallel streams.

Both give exactly the distribution of the mean of ``n`` draws with replacement.
:func:`bootstrap_differences` resamples *members*, not values: several outcomes of the same
members (conversion, revenue, margin…) share one set of draws, which is both the joint
bootstrap of the campaign and the cheapest (the random draws dominate the cost).

References:
    Efron, B. (1979). Bootstrap methods: another look at the jackknife. Annals of
    Statistics 7(1), 1-26.
    Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from segmint.exceptions import ModelInputError
from segmint.models.experiments._arrays import FloatArray, confidence_level, outcomes
from segmint.models.experiments.difference import Interval

MIN_RESAMPLES = 1_000
_FEW_VALUES = 64  # distinct values up to which the multinomial route is used
_BLOCK_CELLS = 1 << 16  # cells of a block's count matrix (resamples x rows): 512 KB, in cache
_STREAMS = 4  # independent random streams the sparse draws are split into, one per task


@dataclass(frozen=True)
class BootstrapInterval:
    """Percentile bootstrap intervals of ``mean(target) - mean(control)`` and of the ratio.

    Attributes:
        ci: interval of the absolute difference.
        relative_ci: interval of ``mean(target) / mean(control) - 1``; None when a resampled
            control mean is 0.
        n_resamples: resamples drawn per group.
        confidence: the intervals' level.
    """

    ci: Interval
    relative_ci: Interval | None
    n_resamples: int
    confidence: float


def bootstrap_difference(
    y_target: ArrayLike,
    y_control: ArrayLike,
    *,
    n_resamples: int = 2_000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> BootstrapInterval:
    """Percentile bootstrap interval of the difference (and ratio) of two group means.

    Args:
        y_target: outcome per target member.
        y_control: outcome per control member.
        n_resamples: resamples per group, at least 1,000.
        confidence: interval level.
        random_state: seed or generator; the same seed gives the same interval.

    Raises:
        ModelInputError: fewer than 1,000 resamples, a group of fewer than two members, or
            non-finite outcomes.
    """
    target = outcomes("y_target", y_target)
    control = outcomes("y_control", y_control)
    (interval,) = bootstrap_differences(
        target[:, None],
        control[:, None],
        n_resamples=n_resamples,
        confidence=confidence,
        random_state=random_state,
    )
    return interval


def bootstrap_differences(
    y_target: ArrayLike,
    y_control: ArrayLike,
    *,
    n_resamples: int = 2_000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> list[BootstrapInterval]:
    """Bootstrap intervals of several outcomes at once, resampling members jointly.

    Args:
        y_target: one row per target member, one column per outcome.
        y_control: one row per control member, the same columns.
        n_resamples, confidence, random_state: as in :func:`bootstrap_difference`.

    Returns:
        One interval per column.

    Raises:
        ModelInputError: fewer than 1,000 resamples, arrays that are not two-dimensional
            with the same columns, a group of fewer than two members, or non-finite values.
    """
    if n_resamples < MIN_RESAMPLES:
        raise ModelInputError(
            f"n_resamples must be at least {MIN_RESAMPLES:,} for stable 95 % percentiles; "
            f"got {n_resamples}."
        )
    level = confidence_level(confidence)
    target = _matrix("y_target", y_target)
    control = _matrix("y_control", y_control)
    if target.shape[1] != control.shape[1]:
        raise ModelInputError(
            f"y_target and y_control must have the same outcomes (columns); got "
            f"{target.shape[1]} and {control.shape[1]}."
        )
    rng = np.random.default_rng(random_state)
    means_t = resampled_means(target, n_resamples, rng)
    means_c = resampled_means(control, n_resamples, rng)
    tail = (1.0 - level) / 2.0 * 100.0
    intervals = []
    for column in range(target.shape[1]):
        mt, mc = means_t[:, column], means_c[:, column]
        low, high = np.percentile(mt - mc, [tail, 100.0 - tail])
        relative_ci: Interval | None = None
        if np.all(mc != 0.0):
            rel_low, rel_high = np.percentile(mt / mc - 1.0, [tail, 100.0 - tail])
            relative_ci = (float(rel_low), float(rel_high))
        intervals.append(
            BootstrapInterval((float(low), float(high)), relative_ci, n_resamples, level)
        )
    return intervals


def _matrix(name: str, values: ArrayLike) -> FloatArray:
    """``values`` as a finite two-dimensional float array of at least two rows."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ModelInputError(
            f"{name} must be two-dimensional (members x outcomes); got shape {array.shape}."
        )
    for column in range(array.shape[1]):
        outcomes(f"{name}[:, {column}]", array[:, column])
    return array


def resampled_means(values: FloatArray, n_resamples: int, rng: np.random.Generator) -> FloatArray:
    """Column means of ``n_resamples`` resamples of the rows of ``values`` (already valid).

    ``values`` is members x outcomes (a one-dimensional array is one outcome); the result
    is resamples x outcomes (or one-dimensional with it).
    """
    matrix = values[:, None] if values.ndim == 1 else values
    n = matrix.shape[0]
    active = matrix[np.any(matrix != 0.0, axis=1)]
    if active.shape[0] == 0:
        means = np.zeros((n_resamples, matrix.shape[1]))
    else:
        few = _few_value_means(active, n, n_resamples, rng)
        means = _sparse_means(active, n, n_resamples, rng) if few is None else few
    return means[:, 0] if values.ndim == 1 else means


def _few_value_means(
    active: FloatArray, n: int, n_resamples: int, rng: np.random.Generator
) -> FloatArray | None:
    """The multinomial resampled means when the non-zero rows take few distinct values;
    None when they do not. One column with many values settles it without comparing
    whole rows (a sort of every row costs more than the draws of a small campaign)."""
    if any(np.unique(column).size >= _FEW_VALUES for column in active.T):
        return None
    distinct, counts = np.unique(active, axis=0, return_counts=True)
    if distinct.shape[0] >= _FEW_VALUES:
        return None
    return _multinomial_means(distinct, counts, n, n_resamples, rng)


def _multinomial_means(
    distinct: FloatArray,
    counts: np.ndarray,
    n: int,
    n_resamples: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Resampled means when the non-zero rows take few distinct values."""
    shares = np.append(counts / n, max(0.0, 1.0 - counts.sum() / n))  # last cell: the zeros
    drawn = rng.multinomial(n, shares / shares.sum(), size=n_resamples)
    return np.asarray(drawn[:, :-1] @ distinct / n, dtype=np.float64)


def _sparse_means(
    active: FloatArray, n: int, n_resamples: int, rng: np.random.Generator
) -> FloatArray:
    """Resampled means drawing only the members with a non-zero outcome.

    A column that is the same for every drawn row (conversion is 1 for every buyer) sums to
    that value times the resample's number of hits, with no draw. The other columns are
    drawn in ``_STREAMS`` independent streams (children of ``rng``) on a thread pool: NumPy
    releases the GIL in the draws and counts that dominate, and the streams are fixed, so
    the result does not depend on how many cores run them.
    """
    k, width = active.shape
    hits = rng.binomial(n, k / n, size=n_resamples)
    constant = np.all(active == active[0], axis=0)
    sums = np.empty((n_resamples, width))
    sums[:, constant] = hits[:, None] * active[0, constant]
    if not constant.all():
        columns = np.ascontiguousarray(active[:, ~constant])
        bounds = np.linspace(0, n_resamples, _STREAMS + 1).astype(int)
        streams = rng.spawn(_STREAMS)
        with ThreadPoolExecutor(max_workers=min(_STREAMS, os.cpu_count() or 1)) as pool:
            parts = pool.map(
                lambda i: _drawn_sums(columns, hits[bounds[i] : bounds[i + 1]], streams[i]),
                range(_STREAMS),
            )
            sums[:, ~constant] = np.vstack(list(parts))
    return sums / n


def _drawn_sums(columns: FloatArray, hits: np.ndarray, rng: np.random.Generator) -> FloatArray:
    """Column sums of resamples that draw ``hits[i]`` rows of ``columns`` each.

    The resamples go in blocks whose count matrix (resamples x rows) holds about
    ``_BLOCK_CELLS`` cells, small enough to stay in the processor's cache: each draw is
    counted in its resample's row of the matrix (one ``np.bincount`` over
    ``resample * k + row``), and the matrix times ``columns`` gives every sum of the block
    in one product. Memory stays bounded by the block whatever the group size, and
    counting into a cached matrix costs less than gathering each outcome's drawn values.
    """
    k, width = columns.shape
    sums = np.zeros((hits.size, width))
    per_block = max(_BLOCK_CELLS // k, 1)
    index_type = np.int32 if per_block * k < 2**31 else np.int64
    for first in range(0, hits.size, per_block):
        block = hits[first : first + per_block]
        rows = rng.integers(0, k, size=int(block.sum()), dtype=index_type)
        rows += np.repeat(np.arange(block.size, dtype=index_type) * k, block)
        counts = np.bincount(rows, minlength=block.size * k).reshape(block.size, k)
        sums[first : first + block.size] = counts @ columns
    return sums
