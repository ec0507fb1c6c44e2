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
  about ``B * k`` draws instead of ``B * n``, taken in blocks of at most
  ``_BLOCK_DRAWS`` so memory stays bounded whatever the group size.

Both give exactly the distribution of the mean of ``n`` draws with replacement.

References:
    Efron, B. (1979). Bootstrap methods: another look at the jackknife. Annals of
    Statistics 7(1), 1-26.
    Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from segmint.exceptions import ModelInputError
from segmint.models.experiments._arrays import FloatArray, confidence_level, outcomes
from segmint.models.experiments.difference import Interval

MIN_RESAMPLES = 1_000
_FEW_VALUES = 64  # distinct values up to which the multinomial route is used
_BLOCK_DRAWS = 1 << 22  # index draws held in memory at once (32 MB of int64)


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
    if n_resamples < MIN_RESAMPLES:
        raise ModelInputError(
            f"n_resamples must be at least {MIN_RESAMPLES:,} for stable 95 % percentiles; "
            f"got {n_resamples}."
        )
    level = confidence_level(confidence)
    target = outcomes("y_target", y_target)
    control = outcomes("y_control", y_control)
    rng = np.random.default_rng(random_state)
    means_t = resampled_means(target, n_resamples, rng)
    means_c = resampled_means(control, n_resamples, rng)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(means_t - means_c, [tail, 100.0 - tail])
    relative_ci: Interval | None = None
    if np.all(means_c != 0.0):
        rel_low, rel_high = np.percentile(means_t / means_c - 1.0, [tail, 100.0 - tail])
        relative_ci = (float(rel_low), float(rel_high))
    return BootstrapInterval((float(low), float(high)), relative_ci, n_resamples, level)


def resampled_means(values: FloatArray, n_resamples: int, rng: np.random.Generator) -> FloatArray:
    """Means of ``n_resamples`` resamples (with replacement) of ``values`` (already valid)."""
    n = values.size
    nonzero = values[values != 0.0]
    if nonzero.size == 0:
        return np.zeros(n_resamples)
    distinct, counts = np.unique(nonzero, return_counts=True)
    if distinct.size < _FEW_VALUES:
        return _multinomial_means(distinct, counts, n, n_resamples, rng)
    return _sparse_means(nonzero, n, n_resamples, rng)


def _multinomial_means(
    distinct: FloatArray,
    counts: np.ndarray,
    n: int,
    n_resamples: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Resampled means when the non-zero values take few distinct values."""
    shares = np.append(counts / n, max(0.0, 1.0 - counts.sum() / n))  # last cell: the zeros
    drawn = rng.multinomial(n, shares / shares.sum(), size=n_resamples)
    return np.asarray(drawn[:, :-1] @ distinct / n, dtype=np.float64)


def _sparse_means(
    nonzero: FloatArray, n: int, n_resamples: int, rng: np.random.Generator
) -> FloatArray:
    """Resampled means drawing only the non-zero members, in blocks of bounded size.

    The draws of one resample are contiguous, so each resample's sum is one segment of a
    single ``np.add.reduceat`` over the block's drawn values.
    """
    k = nonzero.size
    hits = rng.binomial(n, k / n, size=n_resamples)
    ends = np.cumsum(hits)
    index_type = np.int32 if k < 2**31 else np.int64
    sums = np.zeros(n_resamples)
    first = 0
    while first < n_resamples:
        done = int(ends[first - 1]) if first else 0
        last = int(np.searchsorted(ends, done + _BLOCK_DRAWS, side="right"))
        last = max(last, first + 1)  # one resample always fits, however large
        block = hits[first:last]
        filled = np.flatnonzero(block > 0)
        if filled.size:
            drawn = nonzero[rng.integers(0, k, size=int(block.sum()), dtype=index_type)]
            starts = (np.cumsum(block) - block)[filled]
            sums[first + filled] = np.add.reduceat(drawn, starts)
        first = last
    return sums / n
