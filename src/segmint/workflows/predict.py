"""Use case: train, evaluate and store churn or purchase-intent scores, or refresh every score.

For a horizon of ``h`` days and a scoring date ``D`` (definitions in ``docs/predictive.md``
and :mod:`segmint.scoring.propensity`): the classifier is evaluated against the BTYD
baselines on features as of ``T1 = D - h`` with labels from (T1, D], after training on the
same calendar window a year earlier (seasonal split) or on the window before (consecutive
split, for short histories); the final model, trained the same way for the window after
``D``, scores every customer as of ``D``. ``segmint predict``, ``segmint score``,
``segmint demo`` and :meth:`segmint.workspace.Workspace.predict` call these functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from segmint.features.asof import AsOf, resolve_as_of
from segmint.mart import Mart
from segmint.models.propensity import PropensityClassifier, evaluate, feature_importance
from segmint.scoring.clv_scores import ScoreRun, latest_fit, score_customers
from segmint.scoring.propensity import (
    TARGETS,
    Split,
    Target,
    TimeSplit,
    btyd_baselines,
    check_labels,
    feature_frame,
    labelled_set,
    plan_split,
    store_run,
    store_scores,
    target_of,
)
from segmint.workflows.privacy import apply_stored_retention


@dataclass(frozen=True)
class PredictionRun:
    """One trained, evaluated and stored propensity model.

    Attributes:
        validation: per scorer (the model, then the BTYD baselines) the metrics of
            :func:`segmint.models.propensity.evaluate` on the T1 split.
        importance: top features by permutation importance on the T1 split.
    """

    target: Target
    as_of: dt.date
    horizon_days: int
    train_as_of: dt.date
    validation_as_of: dt.date
    n_train: int
    n_scored: int
    validation: dict[str, dict[str, Any]]
    importance: pd.DataFrame
    run_id: int
    split: TimeSplit
    """The split's kind and dates (the final model's training date among them)."""


def run_prediction(
    mart: Mart,
    target_name: str,
    as_of: AsOf | None = None,
    horizon_days: int | None = None,
    *,
    split: Split = "auto",
    random_state: int = 0,
) -> PredictionRun:
    """Train, evaluate against the BTYD baseline, score every customer as of ``D`` and store.

    ``split``: ``auto`` (seasonal once the history reaches a year before the evaluated
    window, else consecutive), ``seasonal`` or ``consecutive``
    (:func:`segmint.scoring.propensity.plan_split`).

    Raises:
        PredictionError: unknown target, too little history for the horizon and split, or
            a label with one class.
    """
    target = target_of(target_name)
    day = resolve_as_of(mart, as_of)
    horizon = target.default_horizon_days if horizon_days is None else horizon_days
    plan = plan_split(mart, target, day, horizon, split)
    train_day, validation_day = plan.train_day, plan.validation_day
    train = labelled_set(mart, train_day, horizon, target)
    validation = labelled_set(mart, validation_day, horizon, target)
    refit = validation
    if plan.refit_day != validation_day:
        refit = labelled_set(mart, plan.refit_day, horizon, target)
    for (_, labels), when in (
        (train, train_day),
        (validation, validation_day),
        (refit, plan.refit_day),
    ):
        check_labels(labels, target, when, horizon)

    model = PropensityClassifier(random_state=random_state).fit(train[0], train[1])
    X_val, y_val = validation
    scores = {target.model: model.predict_proba(X_val)[:, 1]}
    scores |= btyd_baselines(train, X_val, horizon, target)
    metrics = {name: evaluate(y_val, values) for name, values in scores.items()}
    importance = feature_importance(model, X_val, y_val, random_state=random_state)

    final = PropensityClassifier(random_state=random_state).fit(*refit)
    current = feature_frame(mart, day, target)
    store_scores(
        mart,
        day,
        target.model,
        target.score_name,
        current.index,
        final.predict_proba(current)[:, 1],
    )
    run = PredictionRun(
        target,
        day,
        horizon,
        train_day,
        validation_day,
        len(train[1]),
        len(current),
        metrics,
        importance,
        run_id=0,
        split=plan,
    )
    return _stored(mart, run, final, train[1])


def _stored(
    mart: Mart, run: PredictionRun, final: PropensityClassifier, train_labels: np.ndarray
) -> PredictionRun:
    """Store the run in ``model_runs`` (parameters, metrics, the model); the run with its id."""
    target = run.target
    run_id = store_run(
        mart,
        model=target.model,
        kind=target.name,
        as_of=run.as_of,
        params={
            "target": target.name,
            "horizon_days": run.horizon_days,
            "train_as_of": run.train_as_of.isoformat(),
            "validation_as_of": run.validation_as_of.isoformat(),
            "split": run.split.kind,
            "refit_as_of": run.split.refit_day.isoformat(),
            "estimator": final.get_params(),
            "features": [str(c) for c in final.feature_names_in_],
        },
        metrics={
            "n_train": run.n_train,
            "train_positive_rate": float(np.mean(train_labels)),
            "validation": run.validation,
            "importance": run.importance.to_dict(orient="records"),
        },
        estimator=final,
    )
    return replace(run, run_id=run_id)


@dataclass(frozen=True)
class ScoreRefresh:
    """What :func:`refresh_scores` stored: one run per target, and the CLV scores if any.

    ``clv`` is ``None`` when no CLV fit on data up to the date is stored yet
    (``segmint clv fit`` stores one).
    """

    as_of: dt.date
    predictions: list[PredictionRun]
    clv: ScoreRun | None


def refresh_scores(mart: Mart, as_of: AsOf | None = None) -> ScoreRefresh:
    """Retrain and store churn and intent scores as of ``as_of``, and score CLV with the stored fit.

    Each target uses its default horizon. The CLV fit is the one stored last by
    ``segmint clv fit`` (never refitted here), used only if it was fitted as of ``as_of``
    or earlier, so no score sees later data. The stored retention policy is applied first.
    """
    apply_stored_retention(mart)
    day = resolve_as_of(mart, as_of)
    predictions = [run_prediction(mart, name, day) for name in TARGETS]
    stored = latest_fit(mart)
    clv = None
    if stored is not None and stored[1] <= day:
        clv = score_customers(mart, stored[0], day)
    return ScoreRefresh(day, predictions, clv)
