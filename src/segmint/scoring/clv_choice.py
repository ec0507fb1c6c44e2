"""Choosing a transaction model by holdout error: each candidate fitted on a calibration
period, its predictions of the holdout compared with what customers did.

``auto`` (``segmint clv fit``) fits every candidate of :mod:`segmint.scoring.clv_fit` on
the calibration period, predicts the holdout period and keeps the model whose per-customer
predictions are closest to what customers did, the comparison FHL (2005) use to validate
the BG/NBD against the Pareto/NBD. Closest in root mean squared error: the models predict
each customer's *expected* purchases, which squared error rewards, while absolute error
rewards the median (0 for most customers) and so prefers whichever model under-predicts
most; on a retailer with a Christmas holdout it kept a model 25% short of the total over a
seasonal one within 5% (docs/clv.md). The backtest (:mod:`segmint.scoring.clv_backtest`)
and the diagnostics (:mod:`segmint.insight.clv_diagnostics`) read the same holdout
predictions (:func:`holdout_purchases`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmint.exceptions import ConvergenceError, ModelInputError
from segmint.features.btyd_split import CalibrationHoldout
from segmint.models.seasonal import SeasonalInputs
from segmint.scoring.clv_fit import TRANSACTION_MODELS, ClvFit, fit_clv, split_by
from segmint.scoring.option_defaults import MAX_ITER


def holdout_purchases(fit: ClvFit, split: CalibrationHoldout) -> np.ndarray:
    """Each calibration customer's expected purchases over the holdout period."""
    frame = split.frame
    return fit.predictor(frame).predict_purchases(
        split.holdout_weeks, frame["frequency"], frame["recency"], frame["T"]
    )


def candidate_forms(names: tuple[str, ...], covariate: str | None) -> list[tuple[str, str | None]]:
    """Each model as (name, None), then with a ``covariate`` each one split by it."""
    forms: list[tuple[str, str | None]] = [(name, None) for name in names]
    if covariate is not None:
        forms += [(name, covariate) for name in names]
    return forms


@dataclass(frozen=True)
class FitLimits:
    """How every candidate of a comparison is fitted (:func:`fit_clv`'s options)."""

    penalizer: float = 0.0
    strict: bool = False
    calendar: SeasonalInputs | None = None
    max_iter: int = MAX_ITER


def fitted_forms(
    summary: pd.DataFrame,
    names: tuple[str, ...],
    covariate: str | None,
    limits: FitLimits,
) -> Iterator[tuple[str, str, str | None, ClvFit | ConvergenceError | ModelInputError]]:
    """(label, name, covariate, fit or why not) of each of :func:`candidate_forms`, in order:
    a form split by the covariate is its model's own fit split (:func:`split_by`), so a
    seasonal index is estimated once per model, not again for its split."""
    fits: dict[str, ClvFit] = {}
    for name, by in candidate_forms(names, covariate):
        label = name if by is None else f"{name} by {by}"
        try:
            if by is not None and name in fits:
                fit = split_by(fits[name], summary, by, limits.calendar)
            else:
                fit = fit_clv(
                    summary,
                    name,
                    penalizer=limits.penalizer,
                    strict=limits.strict,
                    calendar=limits.calendar,
                    covariate=by,
                    max_iter=limits.max_iter,
                )
        except (ConvergenceError, ModelInputError) as exc:
            yield label, name, by, exc
            continue
        fits[label] = fit
        yield label, name, by, fit


@dataclass(frozen=True)
class ModelChoice:
    """The candidates compared on a calibration/holdout split and the one chosen.

    Attributes:
        comparison: one row per candidate: ``model``, ``log_likelihood``, ``mae``, ``rmse``
            (per-customer holdout purchases), ``predicted_total``, ``actual_total``,
            ``total_error`` (relative); ordered best first. Failed fits have NaN errors and
            their reason in ``error``.
        chosen: name of the chosen model.
        reason: one sentence saying why.
        fits: the calibration-period fit of every candidate that could be fitted.
    """

    comparison: pd.DataFrame
    chosen: str
    reason: str
    fits: dict[str, ClvFit]


def _comparison_row(label: str, fit: ClvFit, split: CalibrationHoldout) -> dict[str, object]:
    """One candidate's row of :attr:`ModelChoice.comparison`."""
    actual = split.frame["holdout_purchases"].to_numpy()
    predicted = holdout_purchases(fit, split)
    return {
        "model": label,
        "log_likelihood": fit.transactions.log_likelihood_,
        "mae": float(np.mean(np.abs(predicted - actual))),
        "rmse": float(np.sqrt(np.mean((predicted - actual) ** 2))),
        "predicted_total": float(predicted.sum()),
        "actual_total": float(actual.sum()),
        "total_error": float(predicted.sum() / max(actual.sum(), 1e-12) - 1.0),
        "error": "",
        "note": " ".join(fit.notes),
    }


def choose_model(
    split: CalibrationHoldout,
    candidates: tuple[str, ...] = tuple(TRANSACTION_MODELS),
    *,
    penalizer: float = 0.0,
    strict: bool = False,
    calendar: SeasonalInputs | None = None,
    covariate: str | None = None,
    max_iter: int = MAX_ITER,
) -> ModelChoice:
    """Fit each candidate on the calibration period and pick the lowest holdout RMSE.

    With a ``covariate`` every candidate is also fitted split by it (:func:`fitted_forms`),
    so the comparison shows whether the covariate helps. A candidate that cannot be fitted
    (e.g. a seasonal model on less than a year) is listed with its reason and not chosen.

    Raises:
        ConvergenceError: no candidate could be fitted (each one's reason is listed).
    """
    rows: list[dict[str, object]] = []
    fits: dict[str, ClvFit] = {}
    failures: list[str] = []
    limits = FitLimits(penalizer, strict, calendar, max_iter)
    for label, _, _, fit in fitted_forms(split.frame, candidates, covariate, limits):
        if not isinstance(fit, ClvFit):
            failures.append(f"{label}: {fit}")
            rows.append({"model": label, "error": str(fit), "note": ""})
            continue
        fits[label] = fit
        rows.append(_comparison_row(label, fit, split))
    if not fits:
        raise ConvergenceError("no candidate model could be fitted: " + "; ".join(failures))
    comparison = pd.DataFrame(rows).sort_values(["rmse", "model"], na_position="last")
    comparison = comparison.reset_index(drop=True)
    best = comparison.iloc[0]
    reason = (
        f"{best.model} has the lowest root mean squared error of per-customer purchases in the "
        f"{split.holdout_weeks:.1f}-week holdout ({best.rmse:.4f}"
    )
    others = comparison.iloc[1:].dropna(subset=["rmse"])
    if len(others):
        reason += "; " + ", ".join(f"{r.model} {r.rmse:.4f}" for r in others.itertuples())
    reason += f"), and predicts {best.total_error:+.1%} of the actual holdout purchases in total."
    return ModelChoice(comparison, str(best.model), reason, fits)
