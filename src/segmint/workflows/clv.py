"""Use cases of customer lifetime value: fit (compare, check, store) and backtest.

:func:`fit` is the whole chain behind ``segmint clv fit``: split the history into a
calibration period and a holdout, choose the transaction model (or take the one asked
for), measure its holdout predictions, compute the diagnostics, fit it again on everything
up to the date and store it. :func:`backtest` measures each model on a split. Both read
the inputs kept here (a covariate's values, the purchase calendar of the seasonal forms,
the order of a summary), as do the scores (:mod:`segmint.workflows.clv_score`). The CLI
and :class:`segmint.workspace.Workspace` call these, so they give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from segmint.features.asof import AsOf, checked_as_of, parse_as_of
from segmint.features.btyd import btyd_summary, transaction_days
from segmint.features.btyd_covariate import check_covariate, covariate_values
from segmint.features.btyd_split import CalibrationHoldout, calibration_holdout
from segmint.insight.clv_diagnostics import ClvDiagnostics, diagnose
from segmint.mart import Mart, fetch
from segmint.models.seasonal import SeasonalInputs
from segmint.scoring.clv_backtest import backtest as backtest_models
from segmint.scoring.clv_backtest import holdout_metrics
from segmint.scoring.clv_choice import ModelChoice, choose_model
from segmint.scoring.clv_fit import (
    SEASONAL_MODELS,
    TRANSACTION_MODELS,
    ClvFit,
    check_model,
    check_spend,
    fit_clv,
)
from segmint.scoring.clv_scores import store_fit
from segmint.scoring.option_defaults import AUTO, MAX_ITER
from segmint.workflows.features import kept_summary

Say = Callable[[str], None]
"""Where a use case tells a step or a note as it goes (a progress line, a CLI hint)."""

ORDER = "customer_id"
"""The column a fit's summary is read in the order of. A fit whose maximum is on the
boundary gets a penalty chosen by K-fold cross-validation over the rows
(:mod:`segmint.models.boundary`), so its parameters depend on their order; the engine
gives them in any order, and the stored features in another than the purchases summed."""


def quiet(_: str) -> None:
    """Say nothing: the :data:`Say` of a caller that follows no steps."""


def add_covariate(
    mart: Mart, frame: pd.DataFrame, covariate: str | None, day: dt.date
) -> pd.DataFrame:
    """``frame`` (one row per ``customer_id``) with the covariate's values as of ``day`` in a
    ``covariate`` column, rows in the same order; ``frame`` itself without a covariate."""
    if covariate is None:
        return frame
    values = covariate_values(mart, covariate, day).to_pandas()
    return frame.merge(values, on="customer_id", how="left", validate="one_to_one")


def purchase_calendar(mart: Mart, day: dt.date) -> SeasonalInputs:
    """The calendar a seasonal model needs: repeat purchases per month of the year up to ``day``.

    A repeat purchase is a customer-day after the customer's first (as in
    :func:`segmint.features.btyd.btyd_summary`).
    """
    days = transaction_days(mart, day)
    firsts = days.group_by("customer_id").aggregate(first_day=days.day.min())
    joined = days.join(firsts, "customer_id")
    repeat = joined.filter(joined.day > joined.first_day)
    counts = repeat.group_by(month=repeat.day.month()).aggregate(n=repeat.count()).to_pandas()
    months = np.zeros(12)
    months[counts["month"].to_numpy(dtype=np.int64) - 1] = counts["n"].to_numpy(np.float64)
    return SeasonalInputs(day, months)


def calendar_for(mart: Mart, names: tuple[str, ...], day: dt.date) -> SeasonalInputs | None:
    """:func:`purchase_calendar` to ``day`` if one of ``names`` is seasonal (or ``auto``), else
    ``None``: it is a scan of every transaction, which the other models have no use for."""
    if any(name == AUTO or name in SEASONAL_MODELS for name in names):
        return purchase_calendar(mart, day)
    return None


ALL_MODELS = tuple(TRANSACTION_MODELS) + SEASONAL_MODELS
"""Every transaction model and its seasonal form; a seasonal one that cannot be fitted
(less than a year of calibration) is reported with the reason, side by side."""


@dataclass(frozen=True)
class ClvFitOptions:
    """How ``segmint clv fit`` fits.

    Attributes:
        model: ``auto`` (compare every transaction model on the holdout), ``bgnbd``,
            ``paretonbd`` or ``mbgnbd``.
        spend: the spend model: ``gammagamma``.
        holdout_weeks: weeks before the date held out to check the calibration fit.
        penalizer: L2 penalty on the log-parameters (0 = plain maximum likelihood).
        strict: refuse a maximum on the boundary instead of fitting its limiting model or
            a penalty chosen by held-out likelihood (:mod:`segmint.models.boundary`).
        covariate: split the transaction model's customers by this covariate
            (:mod:`segmint.features.btyd_covariate`); with ``auto`` each model (seasonal
            forms too) is compared with and without it.
        max_iter: the optimiser's iteration limit of every fit; a fit that reaches it
            keeps where it stopped and warns.
    """

    model: str = AUTO
    spend: str = "gammagamma"
    holdout_weeks: int = 26
    penalizer: float = 0.0
    strict: bool = False
    covariate: str | None = None
    max_iter: int = MAX_ITER


@dataclass(frozen=True)
class ClvFitRun:
    """What :func:`fit` measured and stored.

    Attributes:
        as_of: the date the final model is fitted as of.
        split: the calibration/holdout split it was checked on.
        choice: the comparison of the candidates (``None`` when one model was asked for).
        calibration: the model fitted on the calibration period.
        holdout: its holdout metrics (:data:`segmint.scoring.clv_backtest.METRICS`).
        diagnostics: the numbers of its four diagnostic plots.
        final: the model fitted on everything up to ``as_of``, stored.
        run_id: the stored transaction model's run id in ``model_runs``.
    """

    as_of: dt.date
    split: CalibrationHoldout
    choice: ModelChoice | None
    calibration: ClvFit
    holdout: dict[str, float]
    diagnostics: ClvDiagnostics
    final: ClvFit
    run_id: int


def fit(
    mart: Mart,
    as_of: AsOf | None = None,
    options: ClvFitOptions | None = None,
    *,
    on_step: Say | None = None,
) -> ClvFitRun:
    """Choose, check and fit a transaction model with Gamma-Gamma, and store the final fit.

    Raises:
        InputError: unknown model names, or a holdout that leaves no calibration period.
        ConvergenceError: no model can be fitted (e.g. no repeat buyers).
    """
    o = options or ClvFitOptions()
    step = on_step or quiet
    name, _ = check_model(o.model, allow_auto=True), check_spend(o.spend)
    covariate = None if o.covariate is None else check_covariate(o.covariate)
    day = checked_as_of(mart, as_of)
    split_end = day - dt.timedelta(weeks=o.holdout_weeks)
    step(f"calibration to {split_end}, holdout to {day}")
    split = calibration_holdout(mart, split_end, day)
    split = replace(split, frame=add_covariate(mart, split.frame, covariate, split_end))
    choice = None
    calendar = calendar_for(mart, (name,), split_end)
    if name == AUTO:
        step("comparing models on the holdout")
        choice = choose_model(
            split,
            ALL_MODELS,
            penalizer=o.penalizer,
            strict=o.strict,
            calendar=calendar,
            covariate=covariate,
            max_iter=o.max_iter,
        )
        calibration = choice.fits[choice.chosen]
    else:
        calibration = fit_clv(
            split.frame,
            name,
            penalizer=o.penalizer,
            strict=o.strict,
            calendar=calendar,
            covariate=covariate,
            max_iter=o.max_iter,
        )
    metrics = holdout_metrics(calibration, split)
    step("diagnostics")
    diagnostics = diagnose(split, calibration)
    step(f"fitting {calibration.label} on everything up to {day}")
    final = _refit(mart, day, calibration, o)
    stored: dict[str, Any] = {"holdout_weeks": o.holdout_weeks, "holdout": metrics}
    if choice is not None:
        stored["comparison"] = choice.comparison.to_dict(orient="records")
    run_id, _ = store_fit(mart, final, day, stored)
    return ClvFitRun(day, split, choice, calibration, metrics, diagnostics, final, run_id)


def _refit(mart: Mart, day: dt.date, calibration: ClvFit, o: ClvFitOptions) -> ClvFit:
    """``calibration``'s model (and covariate) fitted on everything up to ``day``, on the
    summary of the stored features when they are current
    (:func:`segmint.workflows.features.kept_summary`)."""
    summary = kept_summary(mart, day)
    frame = fetch.frame(btyd_summary(mart, day) if summary is None else summary, ORDER)
    return fit_clv(
        add_covariate(mart, frame, calibration.covariate, day),
        calibration.name,
        penalizer=o.penalizer,
        strict=o.strict,
        calendar=calendar_for(mart, (calibration.name,), day),
        covariate=calibration.covariate,
        max_iter=o.max_iter,
    )


@dataclass(frozen=True)
class Backtest:
    """A backtest: the split and one row of metrics per model."""

    split: CalibrationHoldout
    metrics: pd.DataFrame


def backtest(
    mart: Mart,
    calibration_end: AsOf,
    holdout_end: AsOf | None = None,
    models: tuple[str, ...] = (),
    *,
    penalizer: float = 0.0,
    strict: bool = False,
    covariate: str | None = None,
    on_step: Say | None = None,
    max_iter: int = MAX_ITER,
) -> Backtest:
    """Fit each model (default: all, and their seasonal forms given a year of calibration)
    on the calibration period and measure its holdout; with a ``covariate``, each
    non-seasonal model also split by it, side by side.

    Raises:
        InputError: an unknown model, or a holdout that does not end after the calibration.
        ConvergenceError: a model cannot be fitted.
    """
    step = on_step or quiet
    step("splitting the history")
    split = calibration_holdout(mart, parse_as_of(calibration_end), holdout_end)
    by = None if covariate is None else check_covariate(covariate)
    split = replace(split, frame=add_covariate(mart, split.frame, by, split.calibration_end))
    names = tuple(check_model(n) for n in models) if models else ALL_MODELS
    calendar = calendar_for(mart, names, split.calibration_end)
    step("fitting and predicting")
    metrics = backtest_models(
        split,
        names,
        penalizer=penalizer,
        strict=strict,
        calendar=calendar,
        covariate=by,
        max_iter=max_iter,
    )
    return Backtest(split, metrics)
