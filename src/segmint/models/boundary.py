"""Fits that do not dead-end when the maximum likelihood is on the boundary.

When a model's likelihood is highest at the edge of its parameter space (e.g. the
BG/NBD's a -> 0 when no customer is seen to drop out within the window) the maximum
likelihood estimate does not exist as a point, but the data still say something definite.
Two answers, tried in order:

1. **The limiting model.** Every transaction model here tends to the NBD (Poisson
   purchasing, gamma rates, no dropout; :class:`segmint.models.nbd.NBD`) as dropout
   vanishes. When the NBD's maximum reaches the boundary's log-likelihood, the boundary
   *is* that limit and the NBD is fitted in its place.
2. **A small penalty chosen by held-out likelihood.** Otherwise (and for the spend model)
   an L2 penalty on the log-parameters is chosen from a grid by K-fold cross-validated
   log-likelihood of held-out customers (the penalised likelihood of Hoerl & Kennard's
   ridge idea, with the penalty tuned as in Hastie, Tibshirani & Friedman 2009, ch. 7).

A plain fit whose optimiser stops early on such a ridge
(:class:`segmint.models._optimize.StalledFitError`: where it stops depends on the last
bits of the input) takes the second answer: where it stopped is no maximum, so its
likelihood cannot tell whether the NBD limit is as good. Both are a
:class:`segmint.models._optimize.NoPlainFitError`. Each answer comes with one sentence
saying what was done and why. ``strict`` keeps the refusal for those who want it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from segmint.exceptions import ConvergenceError
from segmint.models._base import Histories
from segmint.models._optimize import NoPlainFitError, StalledFitError
from segmint.models._validation import FloatArray
from segmint.models.gamma_gamma import RepeatSpends
from segmint.models.nbd import NBD

PENALTY_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
"""Penalties tried, smallest first."""

FOLDS = 3
"""Folds of the held-out likelihood."""

Make = Callable[[float], Any]
"""Builds an unfitted model with the given penalty."""

HeldOut = Callable[[Any, Sequence[FloatArray]], float]
"""Log-likelihood of held-out rows (the model's data columns) under a fitted model."""


@dataclass(frozen=True)
class BoundaryFit:
    """A fitted model and, when the plain fit was not possible, what was done instead.

    Attributes:
        model: the fitted model (the one asked for, its NBD limit, or a penalised fit).
        note: one sentence on what was done and why; empty for a plain fit.
        penalty: the penalty of the final fit.
    """

    model: Any
    note: str = ""
    penalty: float = 0.0


def _limit_tolerance(ll: float) -> float:
    """How far below the boundary's log-likelihood the limit's maximum may be and still be it."""
    return 0.05 + 1e-6 * abs(ll)


def fit_transactions(
    make: Make, columns: Sequence[FloatArray], *, penalizer: float = 0.0, strict: bool = False
) -> BoundaryFit:
    """Fit a continuous-time transaction model on (x, t_x, T), not stopping at a boundary.

    Raises:
        NoPlainFitError: no plain fit (a boundary maximum or an early stop) and
            ``strict`` is set.
        ConvergenceError: neither the limit nor any penalty gives an identified fit.
    """
    try:
        return BoundaryFit(make(penalizer).fit(*columns), "", penalizer)
    except NoPlainFitError as exc:
        if strict:
            raise
        boundary = exc
    if isinstance(boundary, StalledFitError):  # no maximum: nothing to weigh the limit against
        return penalised_fit(make, columns, _continuous_held_out, boundary, floor=penalizer)
    plain = make(0.0)
    name = type(plain).__name__
    try:
        limit = NBD(penalizer_coef=penalizer, max_iter=plain.max_iter).fit(*columns)
    except NoPlainFitError:
        limit = None
    if limit is not None and limit.log_likelihood_ >= boundary.log_likelihood - _limit_tolerance(
        boundary.log_likelihood
    ):
        shown = ", ".join(f"{k}={v:.3g}" for k, v in boundary.params.items())
        note = (
            f"{name}: the likelihood is highest on the boundary ({shown}), i.e. no evidence "
            f"of dropout in the window; fitted its limit, the NBD without dropout "
            f"(log-likelihood {limit.log_likelihood_:,.2f}; the boundary's "
            f"{boundary.log_likelihood:,.2f})."
        )
        return BoundaryFit(limit, note, penalizer)
    return penalised_fit(make, columns, _continuous_held_out, boundary, floor=penalizer)


def _continuous_held_out(model: Any, columns: Sequence[FloatArray]) -> float:
    """Log-likelihood of held-out (x, t_x, T) rows under a fitted continuous-time model."""
    x, t_x, age = columns
    data = Histories.of(x, t_x, age, np.ones_like(x))
    theta = np.array([model.params_[n] for n in model.param_names])
    return float(model._log_likelihood(theta, data)[0])


def fit_spend(
    make: Make, columns: Sequence[FloatArray], *, penalizer: float = 0.0, strict: bool = False
) -> BoundaryFit:
    """Fit a spend model on (x, zbar), choosing a penalty by held-out likelihood if needed.

    Raises:
        NoPlainFitError: no plain fit (a boundary maximum or an early stop) and
            ``strict`` is set.
        ConvergenceError: no penalty gives an identified fit.
    """
    try:
        return BoundaryFit(make(penalizer).fit(*columns), "", penalizer)
    except NoPlainFitError as exc:
        if strict:
            raise
        return penalised_fit(make, columns, _spend_held_out, exc, floor=penalizer)


def _spend_held_out(model: Any, columns: Sequence[FloatArray]) -> float:
    """Log-likelihood of held-out (x, zbar) rows under a fitted Gamma-Gamma model."""
    x, zbar = columns
    keep = x > 0
    if not keep.any():
        return 0.0
    data = RepeatSpends.of(x[keep], zbar[keep], np.ones(int(keep.sum())))
    theta = np.array([model.params_[n] for n in model.param_names])
    return float(model._log_likelihood(theta, data)[0])


def penalised_fit(
    make: Make,
    columns: Sequence[FloatArray],
    held_out: HeldOut,
    boundary: NoPlainFitError,
    *,
    floor: float = 0.0,
) -> BoundaryFit:
    """The fit with the penalty (above ``floor``) of highest K-fold held-out log-likelihood.

    Raises:
        ConvergenceError: no penalty of the grid gives an identified fit.
    """
    scores = {c: cross_validated(make, columns, held_out, c) for c in PENALTY_GRID if c > floor}
    for penalty in sorted(scores, key=lambda c: -scores[c]):
        if not np.isfinite(scores[penalty]):
            break
        try:
            model = make(penalty).fit(*columns)
        except ConvergenceError:
            continue
        name = type(model).__name__
        note = (
            f"{name}: {boundary.reason}; fitted with penalty {penalty:g}, chosen by "
            f"{FOLDS}-fold held-out log-likelihood ({scores[penalty]:,.2f})."
        )
        return BoundaryFit(model, note, penalty)
    raise ConvergenceError(
        f"{boundary.finding} No limiting model or penalty up to {PENALTY_GRID[-1]:g} gives an "
        "identified fit either: use more customers or a longer history."
    )


def cross_validated(
    make: Make, columns: Sequence[FloatArray], held_out: HeldOut, c: float
) -> float:
    """Total held-out log-likelihood over :data:`FOLDS` folds of rows; -inf if a fold fails."""
    n = columns[0].size
    fold = np.random.default_rng(0).permutation(n) % FOLDS
    total = 0.0
    for k in range(FOLDS):
        train, test = fold != k, fold == k
        if not test.any():
            continue
        try:
            model = make(c).fit(*(col[train] for col in columns))
        except ConvergenceError:
            return -np.inf
        total += held_out(model, [col[test] for col in columns])
    return total
