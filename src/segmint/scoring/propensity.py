"""Churn and purchase-intent scores from the mart: time-split training sets, baselines, storage.

The use case that trains, evaluates, scores and stores is
:func:`segmint.workflows.predict.run_prediction`; this module holds its parts.

Definitions (``docs/predictive.md``), for a horizon of ``h`` days and a scoring date ``D``:

* a *purchase* is a BTYD transaction: a completed or returned order (not cancelled) of
  non-negative value, as in :mod:`segmint.features.btyd`;
* **churn** (default ``h`` = 90): among customers with at least one purchase by the
  feature date, no purchase in the next ``h`` days. Score ``churn_risk``, model
  ``churn_gbm``;
* **purchase intent** (default ``h`` = 30): among every customer known at the feature
  date, prospects included, at least one purchase in the next ``h`` days. Score
  ``purchase_intent``, model ``intent_gbm``.

Time split, never random (:func:`plan_split`): the classifier is evaluated on features as
of ``T1 = D - h`` with labels from (T1, D], after training on a window that ends by T1:

* **seasonal** (the default once the history allows it): the training window is the one
  52 weeks before the window it predicts: features as of ``T1 - 364`` days with labels
  from the same calendar weeks a year earlier; the final model is trained on features as
  of ``D - 364`` with labels from (D - 364, D - 364 + h], the weeks a year before the ones
  it scores, and scores every customer as of ``D``. Purchases follow the calendar
  (Christmas, summer), so the share of customers who buy in a window depends on its season;
  a model trained on the previous window learns that window's season. On the synthetic
  retailer (20,000 customers, seed 1, churn over 90 days) the expected calibration error
  on the later window is 0.121 trained on the previous window and 0.017 trained on the
  same window a year earlier (AUC 0.912 and 0.925);
* **consecutive** (histories shorter than a year plus the horizon, or asked for): trained
  on features as of ``T0 = D - 2h`` with labels from (T0, T1], evaluated on the T1 set,
  then refitted on the T1 set to score every customer as of ``D``.

No label ever comes from after ``D`` and no feature from after its own date.

The BTYD baseline is evaluated on the same T1 customers: a BG/NBD (Fader, Hardie & Lee
2005) fitted on the BTYD summary as of T1 gives ``1 - P(alive)`` for churn, and the probability of at least one purchase in the next ``h`` days,

    P(X(T, T + t) > 0 | x, t_x, T) = P(alive) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)),

(alive customers buy at a rate lambda ~ Gamma(r + x, alpha + T) given their history and
cannot drop out before their next purchase), for intent and, as ``1 -`` it, for churn.
Customers without a purchase have no BTYD history; the baseline gives them the share of
such customers who bought in the training window, for each of two groups apart
(:func:`without_history`): prospects, who never ordered, and those who ordered and
cancelled every order (:func:`segmint.features.orders.cancelled_only`), who showed an
intent a prospect has not. A BG/NBD whose likelihood is highest on the boundary is
fitted as ``segmint clv fit`` fits it (:mod:`segmint.models.boundary`): its no-dropout
limit, the NBD (P(alive) = 1), or a penalty chosen by held-out likelihood, with a note.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from segmint.exceptions import ConvergenceError, ModelInputError, SegmintError
from segmint.features import build_features
from segmint.features.asof import end_of
from segmint.features.btyd import DAYS_PER_WEEK
from segmint.features.orders import cancelled_only, purchase_orders, purchase_values
from segmint.mart import TABLES, Mart, fetch
from segmint.mart.customers_of import CustomersOf
from segmint.mart.privacy.refits import unflagged_runs
from segmint.models import BGNBD, MBGNBD, NBD
from segmint.models._optimize import NoPlainFitError
from segmint.models.boundary import fit_transactions
from segmint.models.propensity import (
    PropensityClassifier,
    check_two_classes,
)
from segmint.scoring.campaigns.assignment import assignment_key
from segmint.scoring.clv_fit import LEAVE_OUT_STRICT, finding
from segmint.scoring.option_defaults import MAX_ITER
from segmint.scoring.score_rows import in_id_order, score_rows


class PredictionError(SegmintError):
    """A churn or intent model cannot be trained on this mart, date and horizon."""


@dataclass(frozen=True)
class Target:
    """What a propensity model predicts and where its scores go."""

    name: str
    score_name: str
    model: str
    default_horizon_days: int
    buyers_only: bool
    """Only customers with a purchase by the feature date (churn); else everyone."""
    positive_is_purchase: bool
    """The label is 1 for "bought in the horizon" (intent) or for "did not" (churn)."""


TARGETS = {
    "churn": Target("churn", "churn_risk", "churn_gbm", 90, True, False),
    "intent": Target("intent", "purchase_intent", "intent_gbm", 30, False, True),
}
BTYD_COLUMNS = ("btyd_frequency", "btyd_recency", "btyd_T")
TRAINING_ROWS = 300_000
"""Customers a training or evaluation set holds at most; a larger population is sampled
(:func:`sampled`). Trees on the features learn about as well from this many as from all
of them (docs/predictive.md, "At scale"), and the sets' features stay in memory."""
SCORING_ROWS = 500_000
"""Customers whose features are read and scored at once (:func:`score_everyone`)."""
SAMPLE_SEED = 0
"""Seed of the sha256 key that samples a set (:func:`sampled`)."""


def target_of(name: str) -> Target:
    """The :class:`Target` called ``name`` (``churn`` or ``intent``)."""
    try:
        return TARGETS[name]
    except KeyError:
        raise PredictionError(
            f"unknown prediction target {name!r}; choose one of {', '.join(TARGETS)}."
        ) from None


def purchases_between(mart: Mart, start: dt.date, end: dt.date) -> ir.Table:
    """Customers with purchases after the end of ``start`` up to the end of ``end``, and how
    many; only the lines of the window's orders are read."""
    after = dt.datetime.combine(start + dt.timedelta(days=1), dt.time())
    orders = purchase_values(mart, end, since=after)
    window = orders.filter(orders.net >= 0)
    return window.group_by("customer_id").aggregate(n_purchases=window.count())


def population(
    mart: Mart, day: dt.date, target: Target, features: ir.Table | None = None
) -> ir.Table:
    """The model inputs as of ``day`` for ``target``'s population, as an expression: every
    feature but dates, by customer; from ``features`` when given (every feature as of
    ``day``), else built."""
    features = build_features(mart, day) if features is None else features
    if target.buyers_only:
        features = features.filter(features.btyd_frequency.notnull())
    dates = [name for name, kind in features.schema().items() if kind.is_temporal()]
    return features.drop(*dates)


def sampled(table: ir.Table, rows: int) -> ir.Table:
    """At most ``rows`` customers of ``table``: those first by the sha256 key of their id
    (:func:`segmint.scoring.campaigns.assignment.assignment_key`, seed
    :data:`SAMPLE_SEED`), so every engine picks the same customers. All of them when
    fewer. Two dates' samples are the first of one order of keys, so they overlap heavily
    (a customer new since the earlier date can push an older one out of the later sample)."""
    keyed = table.mutate(_key=assignment_key(table.customer_id, SAMPLE_SEED))
    return keyed.order_by(["_key", "customer_id"]).limit(rows).drop("_key")


def labelled_set(
    mart: Mart, day: dt.date, horizon_days: int, target: Target, rows: int = TRAINING_ROWS
) -> tuple[pd.DataFrame, np.ndarray]:
    """Features as of ``day`` and labels from (``day``, ``day + horizon``], of at most
    ``rows`` customers (:func:`sampled`).

    The sample is drawn from the population's ids alone and kept in a scratch table; the
    features and labels are then built through
    :class:`~segmint.mart.customers_of.CustomersOf`, for the sampled customers only, and
    only their rows leave the engine.
    """
    who = build_features(mart, day, columns=list(BTYD_COLUMNS[:1]) if target.buyers_only else [])
    ids = sampled(population(mart, day, target, who), rows).select("customer_id")
    name = f"_segmint_sample_{uuid.uuid4().hex[:12]}"
    mart.create_table(name, ids, temp=True)
    try:
        only = CustomersOf(mart, mart.table(name))
        table = population(only, day, target)
        bought = purchases_between(only, day, day + dt.timedelta(days=horizon_days))
        table = table.mutate(_bought=table.customer_id.isin(bought.customer_id))
        frame = fetch.frame(table, sort_by="customer_id").set_index("customer_id")
    finally:
        mart.drop_table(name)
    did_buy = frame.pop("_bought").to_numpy(dtype=bool)
    labels = did_buy if target.positive_is_purchase else ~did_buy
    return frame, labels.astype(np.int64)


def score_everyone(
    mart: Mart, model: PropensityClassifier, table: ir.Table, rows: int = SCORING_ROWS
) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Every customer of ``table`` (:func:`population`) and ``model``'s probability of the
    positive class, read from the engine about ``rows`` customers at a time
    (:meth:`segmint.mart.Mart.batches`), so the features of no more than that are in memory
    at once (ten million customers' would take gigabytes)."""
    ids: list[pa.Array] = []
    values: list[np.ndarray] = []
    for batch in mart.batches(table, rows):
        frame = batch.to_pandas().set_index("customer_id")
        ids.append(fetch.detached(batch.column("customer_id"), pa.string()))
        values.append(model.predict_proba(frame)[:, 1])
    return pa.chunked_array(ids, pa.string()), np.concatenate(values) if values else np.empty(0)


def first_purchase_day(mart: Mart, as_of: dt.date) -> dt.date | None:
    """The day of the first purchase (a counted order of non-negative value) up to
    ``as_of``, if any.

    The earliest counted order's day is found from the orders alone, and only that day's
    lines are summed to check that one of its orders has a non-negative value; a day whose
    orders are all returns is passed over for the next. Summing every order's lines to
    find one date took minutes at ten million customers.
    """
    orders = purchase_orders(mart, as_of)
    for _ in range(RETURN_DAYS_PASSED):
        earliest = orders.order_ts.min().execute()
        if pd.isna(earliest):
            return None
        day = pd.Timestamp(earliest).date()
        that_day = purchase_values(mart, day, since=dt.datetime.combine(day, dt.time()))
        if that_day.filter(that_day.net >= 0).count().execute() > 0:
            return day
        orders = orders.filter(orders.order_ts >= end_of(day))
    since = orders.order_ts.min().execute()  # returns only so far: sum the rest at once
    if pd.isna(since):
        return None
    rest = purchase_values(mart, as_of, since=pd.Timestamp(since).to_pydatetime())
    first = rest.filter(rest.net >= 0).order_ts.min().execute()
    return None if pd.isna(first) else pd.Timestamp(first).date()


RETURN_DAYS_PASSED = 7
"""Days of returns only that :func:`first_purchase_day` passes over one by one before it
sums the remaining orders at once."""


SEASON_DAYS = 364
"""A year in whole weeks: the window a year earlier starts on the same weekday."""
Split = Literal["auto", "seasonal", "consecutive"]


@dataclass(frozen=True)
class TimeSplit:
    """The dates of a time split (module docstring).

    Attributes:
        kind: ``seasonal`` or ``consecutive``.
        train_day: features of the evaluated model's training set (labels the next ``h`` days).
        validation_day: ``T1 = D - h``, the evaluation set's feature date.
        refit_day: features of the final model's training set (``T1`` when consecutive).
    """

    kind: Literal["seasonal", "consecutive"]
    train_day: dt.date
    validation_day: dt.date
    refit_day: dt.date


def plan_split(
    mart: Mart, target: Target, as_of: dt.date, horizon_days: int, split: Split = "auto"
) -> TimeSplit:
    """The time split for ``target`` over ``horizon_days`` as of ``as_of``: seasonal when
    ``split`` is ``auto`` and the history reaches a year before the evaluated window.

    Raises:
        PredictionError: the horizon is not positive; the training date falls before the
            first purchase (for the split asked for, or for either under ``auto``); or a
            seasonal split with a horizon over 364 days.
    """
    if horizon_days < 1:
        raise PredictionError(f"--horizon-days must be at least 1; got {horizon_days}.")
    first = first_purchase_day(mart, as_of)
    horizon = dt.timedelta(days=horizon_days)
    validation_day = as_of - horizon
    year_before = validation_day - dt.timedelta(days=SEASON_DAYS)
    seasonal_fits = first is not None and horizon_days <= SEASON_DAYS and year_before > first
    if split == "seasonal" and not seasonal_fits:
        raise PredictionError(
            f"a seasonal split of {target.name} over {horizon_days} days as of {as_of} trains "
            f"on features as of {year_before} (a year before {validation_day}), but "
            + (
                f"the horizon is over {SEASON_DAYS} days"
                if horizon_days > SEASON_DAYS
                else f"the first purchase is on {first or 'no date (there are no purchases)'}"
            )
            + ". Use --split consecutive or a later --as-of."
        )
    if split != "consecutive" and seasonal_fits:
        refit_day = as_of - dt.timedelta(days=SEASON_DAYS)
        return TimeSplit("seasonal", year_before, validation_day, refit_day)
    train_day = check_history(first, target, as_of, horizon_days)
    return TimeSplit("consecutive", train_day, validation_day, validation_day)


def check_history(
    first: dt.date | None, target: Target, as_of: dt.date, horizon_days: int
) -> dt.date:
    """The consecutive split's training date ``as_of - 2 * horizon``, once the history
    (first purchase ``first``) reaches back to it.

    Raises:
        PredictionError: the training date falls before the first purchase.
    """
    train_day = as_of - dt.timedelta(days=2 * horizon_days)
    if first is None or train_day <= first:
        longest = 0 if first is None else ((as_of - first).days - 1) // 2
        fix = (
            f"Use --horizon-days {longest} or less, or a later --as-of."
            if longest >= 1
            else "Load more orders or pass a later --as-of."
        )
        raise PredictionError(
            f"{target.name} over {horizon_days} days as of {as_of} trains on features as of "
            f"{train_day} (as_of minus twice the horizon), but the first purchase is on "
            f"{first or 'no date (there are no purchases)'}: too little history. {fix}"
        )
    return train_day


def any_purchase_probability(
    model: BGNBD | MBGNBD | NBD, frame: pd.DataFrame, weeks: float
) -> np.ndarray:
    """BG/NBD probability of at least one purchase in the next ``weeks`` (module docstring);
    the same for the MBG/NBD (an alive customer drops out only at a purchase there too);
    under their no-dropout limit, the NBD, P(alive) is 1."""
    x, t_x, age = (frame[c].to_numpy(np.float64) for c in BTYD_COLUMNS)
    p = model.params_
    alive = model.probability_alive(x, t_x, age)
    none_if_alive = np.exp((p["r"] + x) * np.log((p["alpha"] + age) / (p["alpha"] + age + weeks)))
    result: np.ndarray = alive * (1.0 - none_if_alive)
    return result


@dataclass(frozen=True)
class Baselines:
    """The BTYD baselines' scores by name, and one sentence when the BG/NBD's plain fit
    was not possible (what was fitted instead, or why there is no baseline)."""

    scores: dict[str, np.ndarray]
    note: str = ""


def btyd_baselines(
    train: tuple[pd.DataFrame, np.ndarray],
    validation: pd.DataFrame,
    horizon_days: int,
    target: Target,
    *,
    strict: bool = False,
    max_iter: int = MAX_ITER,
    cancelled: tuple[np.ndarray, np.ndarray] | None = None,
) -> Baselines:
    """BTYD scores for the validation customers, oriented like ``target``'s label.

    Customers without a BTYD history get the share of their group who bought in the
    training window (:func:`without_history`; ``cancelled``: which training and which
    validation rows ordered and cancelled every order, None: none of them).

    A BG/NBD maximum on the boundary is not a dead end: its limit or a penalty chosen by
    held-out likelihood is fitted instead, as by ``segmint clv fit``
    (:func:`segmint.models.boundary.fit_transactions`), and the note says so; with
    ``strict`` it is refused, as ``clv fit --strict`` refuses it. When no fit is possible
    at all there is no baseline to compare with, and the note says why. ``max_iter``: the
    optimiser's iteration limit of the fit (one that reaches it keeps where it stopped and
    warns).

    Raises:
        ConvergenceError: ``strict`` and the BG/NBD's maximum is on the boundary.
    """
    buyers = validation["btyd_frequency"].notna().to_numpy()
    columns = [validation.loc[buyers, c].to_numpy(np.float64) for c in BTYD_COLUMNS]
    try:
        fit = fit_transactions(
            lambda c: BGNBD(penalizer_coef=c, max_iter=max_iter), columns, strict=strict
        )
    except (ConvergenceError, ModelInputError) as exc:
        if strict and isinstance(exc, NoPlainFitError):
            raise ConvergenceError(f"BTYD baseline: {exc.finding} {LEAVE_OUT_STRICT}.") from None
        return Baselines({}, f"no BTYD baseline: {finding(exc)}")
    model = fit.model
    p_any = without_history(train, len(validation), target, cancelled)
    p_any[buyers] = any_purchase_probability(
        model, validation.loc[buyers], horizon_days / DAYS_PER_WEEK
    )
    note = f"BTYD baseline: {fit.note}" if fit.note else ""
    if target.positive_is_purchase:
        return Baselines({"btyd_any_purchase": p_any}, note)
    alive = model.probability_alive(*(validation[c].to_numpy(np.float64) for c in BTYD_COLUMNS))
    return Baselines({"btyd_p_alive": 1.0 - alive, "btyd_any_purchase": 1.0 - p_any}, note)


def without_history(
    train: tuple[pd.DataFrame, np.ndarray],
    n_validation: int,
    target: Target,
    cancelled: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The baseline's probability of a purchase for each of ``n_validation`` customers
    without a BTYD history: the share of the training customers without one who bought in
    the training window, in their own group.

    The groups are the prospects, who never ordered, and the customers who ordered and
    cancelled every order (``cancelled``: boolean masks over the training rows and the
    validation rows; None: nobody did): they ordered once already, so their share of
    buyers need not be a prospect's. A group with nobody in the training set takes the
    share of every training customer without a history (0 when there is none).
    """
    frame, labels = train
    bought = labels if target.positive_is_purchase else 1 - labels
    none = frame["btyd_frequency"].isna().to_numpy()
    was, now = cancelled or (np.zeros(len(frame), bool), np.zeros(n_validation, bool))
    result = np.full(n_validation, float(bought[none].mean()) if none.any() else 0.0)
    for trained, scored in ((none & was, now), (none & ~was, ~now)):
        if trained.any():
            result[scored] = float(bought[trained].mean())
    return result


def cancelled_rows(mart: Mart, day: dt.date, customers: pd.Index) -> np.ndarray:
    """Which of ``customers`` had ordered and cancelled every order as of ``day``
    (:func:`segmint.features.orders.cancelled_only`; few customers, read at once)."""
    ids = fetch.values(cancelled_only(mart, day).customer_id)
    return np.asarray(customers.isin(ids), dtype=bool)


def check_labels(labels: np.ndarray, target: Target, day: dt.date, horizon: int) -> None:
    """Refuse labels of one class (nothing to learn from).

    Raises:
        PredictionError: every customer has the same label; says which date and horizon.
    """
    try:
        check_two_classes(labels, f"{target.name} labels after {day} ({horizon} days)")
    except SegmintError as exc:
        raise PredictionError(str(exc)) from None


def store_scores(
    mart: Mart,
    as_of: dt.date,
    model: str,
    score_name: str,
    customers: Sequence[str] | pd.Index | pa.ChunkedArray,
    values: np.ndarray,
) -> None:
    """Replace the ``scores`` rows of (``as_of``, ``model``, ``score_name``) with these,
    atomically, in ``customer_id`` order (:data:`segmint.scoring.score_rows.ID_ORDER`)."""
    table = score_rows(customers, as_of, model, score_name, values)
    with mart.transaction():
        mart.delete("scores", as_of=as_of, model=model, score_name=score_name)
        mart.insert("scores", in_id_order(table))


@dataclass(frozen=True)
class StoredModel:
    """A propensity model stored in ``model_runs`` with what its run recorded."""

    run_id: int
    as_of: dt.date
    params: dict[str, Any]
    metrics: dict[str, Any]
    estimator: PropensityClassifier


def latest_model(mart: Mart, target: Target, day: dt.date) -> StoredModel | None:
    """The ``target`` model stored last as of ``day`` or earlier, unless an erasure flagged it
    for refit (its fit could include a forgotten person); None when there is none.

    The blobs are pickles written by :func:`store_run`: load only marts you trust.
    """
    runs = mart.table("model_runs")
    mine = runs.filter(
        runs.kind == target.name,
        runs.model == target.model,
        runs.as_of <= ibis.literal(day, "date"),
    )
    last = unflagged_runs(mart, mine).order_by(ibis.desc("run_id")).limit(1).to_pandas()
    if last.empty:
        return None
    row = last.iloc[0]
    return StoredModel(
        int(row["run_id"]),
        pd.Timestamp(row["as_of"]).date(),
        json.loads(row["params"]),
        json.loads(row["metrics"]),
        pickle.loads(row["model_blob"]),
    )


def store_run(
    mart: Mart,
    *,
    model: str,
    kind: str,
    as_of: dt.date,
    params: dict[str, Any],
    metrics: dict[str, Any],
    estimator: PropensityClassifier,
) -> int:
    """Append a ``model_runs`` row (parameters and metrics as JSON, the model pickled); its id."""
    with mart.transaction():
        runs = mart.table("model_runs")
        run_id = int(runs.run_id.max().fill_null(0).execute()) + 1
        row = {
            "run_id": [run_id],
            "model": [model],
            "kind": [kind],
            "as_of": [as_of],
            "params": [json.dumps(params, default=str)],
            "metrics": [json.dumps(metrics, default=float)],
            "model_blob": [pickle.dumps(estimator)],
            "created_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        }
        table = ibis.memtable(pd.DataFrame(row), schema=TABLES["model_runs"].ibis_schema())
        mart.insert("model_runs", table)
    return run_id
