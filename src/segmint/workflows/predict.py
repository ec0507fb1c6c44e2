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

import ibis
import numpy as np
import pandas as pd

from segmint.features.asof import AsOf, checked_as_of
from segmint.features.btyd import summary_of_features
from segmint.mart import Mart
from segmint.models.propensity import PropensityClassifier, evaluate, feature_importance
from segmint.scoring.clv_scores import ScoreRun, score_customers
from segmint.scoring.option_defaults import MAX_ITER
from segmint.scoring.propensity import (
    TARGETS,
    TRAINING_ROWS,
    Baselines,
    Split,
    Target,
    TimeSplit,
    btyd_baselines,
    cancelled_rows,
    check_labels,
    labelled_set,
    latest_model,
    plan_split,
    population,
    score_everyone,
    store_run,
    store_scores,
    target_of,
)
from segmint.scoring.weak_models import worse_than
from segmint.workflows.clv_score import stored_fit
from segmint.workflows.features import current
from segmint.workflows.privacy import apply_stored_retention

LabelledSet = tuple[pd.DataFrame, np.ndarray]
"""Features by customer and their labels (:func:`segmint.scoring.propensity.labelled_set`)."""


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
    reused: bool = False
    """True when a stored model scored the customers (``run_id`` is its run) and nothing
    was trained: ``validation`` and ``importance`` are that run's."""
    notes: tuple[str, ...] = ()
    """One sentence per fit of the run that was not a plain maximum-likelihood fit (the
    BTYD baseline's on the boundary), saying what was done instead."""


def run_prediction(
    mart: Mart,
    target_name: str,
    as_of: AsOf | None = None,
    horizon_days: int | None = None,
    *,
    split: Split = "auto",
    features: ibis.Table | None = None,
    random_state: int = 0,
    training_rows: int = TRAINING_ROWS,
    strict: bool = False,
    max_iter: int = MAX_ITER,
) -> PredictionRun:
    """Train, evaluate against the BTYD baseline, score every customer as of ``D`` and store.

    ``split``: ``auto`` (seasonal once the history reaches a year before the evaluated
    window, else consecutive), ``seasonal`` or ``consecutive`` (:func:`plan_split`).
    ``features``: every feature as of ``as_of``, when the caller has them stored already
    (else they are built). ``training_rows``: customers each training and evaluation set
    holds at most (a seeded sample of a larger population); every customer is scored, in
    chunks. ``strict``: refuse a BTYD baseline whose maximum is on the boundary
    (:func:`btyd_baselines`); ``max_iter``: the iteration limit of the baseline's fit.

    Raises:
        PredictionError: unknown target, too little history for the horizon and split, or
            a label with one class.
    """
    target = target_of(target_name)
    day = checked_as_of(mart, as_of)
    horizon = target.default_horizon_days if horizon_days is None else horizon_days
    plan = plan_split(mart, target, day, horizon, split)
    train, validation, refit = _labelled_sets(mart, plan, horizon, target, training_rows)
    train_day, validation_day = plan.train_day, plan.validation_day

    model = PropensityClassifier(random_state=random_state).fit(train[0], train[1])
    X_val, y_val = validation
    scores = {target.model: model.predict_proba(X_val)[:, 1]}
    baselines = _baselines(mart, plan, target, train, X_val, horizon, strict, max_iter)
    scores |= baselines.scores
    metrics = {name: evaluate(y_val, values) for name, values in scores.items()}
    importance = feature_importance(model, X_val, y_val, random_state=random_state)

    final = PropensityClassifier(random_state=random_state).fit(*refit)
    customers, values = score_everyone(mart, final, population(mart, day, target, features))
    store_scores(mart, day, target.model, target.score_name, customers, values)
    run = PredictionRun(
        target,
        day,
        horizon,
        train_day,
        validation_day,
        len(train[1]),
        len(customers),
        metrics,
        importance,
        run_id=0,
        split=plan,
        notes=tuple(n for n in (baselines.note, weak_model_note(metrics, target, plan)) if n),
    )
    return _stored(mart, run, final, train[1])


def weak_model_note(
    metrics: dict[str, dict[str, Any]], target: Target, plan: TimeSplit
) -> str | None:
    """A warning when the model predicted the evaluation window no better than the same
    rate for everyone, or worse than a BTYD baseline (both by Brier score); else None.

    Its scores are stored all the same (value tiers and the value & risk page pass over
    them, :mod:`segmint.scoring.weak_models`), so a reader must learn it from the run. On CDNOW (one cohort, every customer
    new in the first quarter of 1997) the seasonal split trained on customers a few weeks
    old and the model scored worse than the base rate.
    """
    worse = worse_than(metrics, target.model)
    if not worse:
        return None
    note = (
        f"{target.model} predicted the evaluation window after {plan.validation_day} worse "
        f"than {' and than '.join(worse)}: Brier {metrics[target.model]['brier']:.4f}; its "
        f"{target.score_name} scores are stored all the same, so read them with care"
    )
    if plan.kind == "seasonal":
        note += (
            "; the seasonal split learnt from the same weeks a year earlier (the stored "
            f"model from the customers as of {plan.refit_day}): `segmint predict "
            f"{target.name} --split consecutive` learns from the window just before"
        )
    return note + "."


def _baselines(
    mart: Mart,
    plan: TimeSplit,
    target: Target,
    train: LabelledSet,
    validation: pd.DataFrame,
    horizon: int,
    strict: bool,
    max_iter: int,
) -> Baselines:
    """The BTYD baselines of the evaluation customers (:func:`btyd_baselines`). For intent,
    which customers of each set had ordered and cancelled every order by its date tells them
    from the prospects; churn's sets hold buyers only."""
    cancelled = None
    if not target.buyers_only:
        cancelled = (
            cancelled_rows(mart, plan.train_day, train[0].index),
            cancelled_rows(mart, plan.validation_day, validation.index),
        )
    return btyd_baselines(
        train, validation, horizon, target, strict=strict, max_iter=max_iter, cancelled=cancelled
    )


def _labelled_sets(
    mart: Mart, plan: TimeSplit, horizon: int, target: Target, rows: int
) -> tuple[LabelledSet, LabelledSet, LabelledSet]:
    """The training, evaluation and final training sets of ``plan``, each with two classes
    and at most ``rows`` customers."""
    dates = (plan.train_day, plan.validation_day, plan.refit_day)
    sets: dict[dt.date, LabelledSet] = {}
    for day in dates:
        if day not in sets:
            sets[day] = labelled_set(mart, day, horizon, target, rows)
            check_labels(sets[day][1], target, day, horizon)
    return sets[dates[0]], sets[dates[1]], sets[dates[2]]


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


def refresh_scores(
    mart: Mart,
    as_of: AsOf | None = None,
    *,
    features: ibis.Table | None = None,
    retrain: bool = False,
    strict: bool = False,
    max_iter: int = MAX_ITER,
) -> ScoreRefresh:
    """Store churn and intent scores as of ``as_of``, and score CLV with the stored fit.

    Churn and intent are scored with the model stored last for each (:func:`stored_scoring`)
    while it is younger than its horizon and no erasure flagged it for refit; otherwise, or
    with ``retrain``, the model is trained again (:func:`run_prediction`, default horizon).
    ``features``: every feature as of the date, when the caller has them already (else they
    come from the feature store, built only where it is stale). ``strict``: a model trained
    again refuses a BTYD baseline whose maximum is on the boundary; ``max_iter``: the
    iteration limit of its baseline's fit.
    The CLV fit is the one stored last by ``segmint clv fit`` (never refitted here), used
    only if it was fitted as of ``as_of`` or earlier, so no score sees later data, and a
    seasonal one measures ages to the date, as ``segmint clv score`` does
    (:func:`segmint.workflows.clv_score.stored_fit`); its inputs are read from the features' BTYD columns
    (:func:`segmint.features.btyd.summary_of_features`), not summed again from every
    purchase. The stored retention policy is applied first.
    """
    apply_stored_retention(mart)
    day = checked_as_of(mart, as_of)
    if features is None:  # the day's features from the store, built once for both targets
        features = current(mart, day)[1]
    predictions = []
    for name in TARGETS:
        reused = None if retrain else stored_scoring(mart, name, day, features)
        trained = reused or run_prediction(
            mart, name, day, features=features, strict=strict, max_iter=max_iter
        )
        predictions.append(trained)
    fit = stored_fit(mart, day, lambda _: None)
    clv = None
    if fit is not None:
        clv = score_customers(mart, fit, day, summary=summary_of_features(features))
    return ScoreRefresh(day, predictions, clv)


def stored_scoring(
    mart: Mart, target_name: str, day: dt.date, features: ibis.Table | None = None
) -> PredictionRun | None:
    """Score every customer as of ``day`` with the stored ``target_name`` model and store the
    scores; None (nothing stored) when there is no usable model.

    Usable: stored as of ``day`` or earlier, fewer days before it than its horizon (a churn
    model for 90 days serves the 90 days after its date; then its season and customers
    have moved on), not flagged for refit by an erasure, and the features still hold every
    column it was trained on.
    """
    target = target_of(target_name)
    model = latest_model(mart, target, day)
    if model is None:
        return None
    horizon = int(model.params["horizon_days"])
    if (day - model.as_of).days >= horizon:
        return None
    current = population(mart, day, target, features)
    if set(model.estimator.feature_names_in_) - set(current.columns):
        return None
    customers, values = score_everyone(mart, model.estimator, current)
    store_scores(mart, day, target.model, target.score_name, customers, values)
    params = model.params
    validation_day = dt.date.fromisoformat(params["validation_as_of"])
    split = TimeSplit(
        params.get("split", "consecutive"),
        dt.date.fromisoformat(params["train_as_of"]),
        validation_day,
        dt.date.fromisoformat(params.get("refit_as_of", params["validation_as_of"])),
    )
    return PredictionRun(
        target,
        day,
        horizon,
        split.train_day,
        validation_day,
        int(model.metrics["n_train"]),
        len(customers),
        model.metrics["validation"],
        pd.DataFrame(model.metrics["importance"]),
        model.run_id,
        split,
        reused=True,
        notes=tuple(n for n in (weak_model_note(model.metrics["validation"], target, split),) if n),
    )
