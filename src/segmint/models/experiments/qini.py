"""How good an uplift ranking is, judged on held-out members of a randomised campaign.

An uplift score cannot be checked customer by customer (nobody is both target and
control), only on groups: rank the held-out members by score, and for the top fraction
``phi`` compare target and control among them.

- **Qini curve** (Radcliffe 2007): the incremental outcome of targeting the top ``phi``,
  ``Q(phi) = Y_t(phi) - Y_c(phi) * N_t(phi) / N_c(phi)``, where ``Y`` sums the outcome and
  ``N`` counts members of each group within the top ``phi``. Here it is divided by the
  number of members ranked, so ``Q(1) = N_t / N * (mean_t - mean_c)``.
- **Qini coefficient**: the area between the Qini curve and the straight line of random
  targeting, ``integral of Q(phi) - phi * Q(1)``; positive when the ranking finds the
  responsive customers first, 0 for a random ranking.
- **Uplift at k**: the observed lift ``mean_t - mean_c`` among the top ``k`` share of
  members ranked by score (Gutierrez & Gérardy 2017, "overall" ranking).

Members with equal scores are treated as one block, so ties cannot flatter a score.

References:
    Radcliffe, N. J. (2007). Using control groups to target on predicted lift: building
    and assessing uplift models. Direct Marketing Analytics Journal 1, 14-21.
    Gutierrez, P. & Gérardy, J.-Y. (2017). Causal inference and uplift modelling: a review
    of the literature. PMLR 67, 1-13.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from segmint.exceptions import ModelInputError
from segmint.models.experiments._arrays import FloatArray, flags, outcomes, same_length


@dataclass(frozen=True)
class QiniCurve:
    """The Qini curve at each distinct score cut-off (plus the origin).

    Attributes:
        fraction: share of members targeted, from 0 to 1.
        incremental: incremental outcome per member ranked, ``Q(phi)``.
        random: the random-targeting line ``phi * Q(1)``.
    """

    fraction: FloatArray
    incremental: FloatArray
    random: FloatArray


def _inputs(
    score: ArrayLike, y: ArrayLike, treatment: ArrayLike
) -> tuple[FloatArray, FloatArray, np.ndarray]:
    s = outcomes("score", score, minimum=1)
    outcome = outcomes("y", y, minimum=1)
    target = flags("treatment", treatment)
    same_length(score=s, y=outcome, treatment=target)
    if target.all() or not target.any():
        raise ModelInputError(
            "evaluating uplift needs held-out members of both groups; got only "
            f"{'target' if target.all() else 'control'} members."
        )
    return s, outcome, target


def qini_curve(score: ArrayLike, y: ArrayLike, treatment: ArrayLike) -> QiniCurve:
    """The Qini curve of ranking members by ``score`` (highest first).

    Args:
        score: predicted uplift per member.
        y: observed outcome per member.
        treatment: True for target members.
    """
    s, outcome, target = _inputs(score, y, treatment)
    order = np.argsort(-s, kind="stable")
    s, outcome, target = s[order], outcome[order], target[order]
    n_t = np.cumsum(target)
    n_c = np.cumsum(~target)
    y_t = np.cumsum(np.where(target, outcome, 0.0))
    y_c = np.cumsum(np.where(target, 0.0, outcome))
    last_of_tie = np.r_[s[1:] != s[:-1], True]  # cut only between distinct scores
    n_t, n_c, y_t, y_c = n_t[last_of_tie], n_c[last_of_tie], y_t[last_of_tie], y_c[last_of_tie]
    counted = np.flatnonzero(last_of_tie) + 1
    scaled_control = np.divide(y_c * n_t, n_c, out=np.zeros(n_c.size), where=n_c > 0)
    n = s.size
    incremental = np.r_[0.0, (y_t - scaled_control) / n]
    fraction = np.r_[0.0, counted / n]
    return QiniCurve(fraction, incremental, fraction * incremental[-1])


def qini_coefficient(score: ArrayLike, y: ArrayLike, treatment: ArrayLike) -> float:
    """Area between the Qini curve and random targeting (positive: better than random)."""
    curve = qini_curve(score, y, treatment)
    gain = curve.incremental - curve.random
    return float(np.sum((gain[1:] + gain[:-1]) / 2.0 * np.diff(curve.fraction)))


def uplift_at_k(score: ArrayLike, y: ArrayLike, treatment: ArrayLike, k: float = 0.3) -> float:
    """Observed ``mean(target) - mean(control)`` among the top ``k`` share by ``score``.

    The cut-off is extended to include every member tied with the last one kept.

    Raises:
        ModelInputError: ``k`` outside (0, 1], or the top ``k`` lacks one of the groups.
    """
    if not 0.0 < k <= 1.0:
        raise ModelInputError(f"k is the share of members targeted, in (0, 1]; got {k}.")
    s, outcome, target = _inputs(score, y, treatment)
    order = np.argsort(-s, kind="stable")
    keep = max(1, int(np.ceil(k * s.size)))
    threshold = s[order][keep - 1]
    top = s >= threshold
    top_t, top_c = top & target, top & ~target
    if not top_t.any() or not top_c.any():
        raise ModelInputError(
            f"the top {k:.0%} by score has no {'target' if not top_t.any() else 'control'} "
            "members; use a larger k or more held-out members."
        )
    return float(outcome[top_t].mean() - outcome[top_c].mean())
