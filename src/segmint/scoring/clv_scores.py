"""Scoring every customer's CLV and storing scores and fitted models in the mart.

Scores (``scores`` table, one row per customer, ``as_of``, model and score name):

* ``clv``: discounted expected value of the purchases in the next ``horizon_weeks``
  (:func:`segmint.models.customer_lifetime_value`, monthly discounting periods);
* ``p_alive``: probability the customer is still active at ``as_of``;
* ``expected_purchases``: expected repeat purchases over the horizon;
* ``expected_spend``: expected value per purchase (Gamma-Gamma, E[M | x, zbar]);
* ``clv_m<a>_<b>`` for each extra window of months [a, b) asked for (months 12-36 are the
  second and third year), so value that arrives later can be told from value that
  arrives soon.

Scores are stored under the fit's model name (``bgnbd+gammagamma``…); storing again for
the same ``as_of``, model and score replaces those rows, in one transaction, each score
in ``customer_id`` order (:data:`~segmint.scoring.score_rows.ID_ORDER`). The summary
is materialised once in the engine. The BG/NBD, MBG/NBD and NBD are then scored by the
engine itself, from one row per distinct (x, T) pair computed here
(:mod:`segmint.scoring.clv_expression`); the other models' summaries are read back chunk
by chunk, so memory stays bounded by ``chunk_size`` customers (and :data:`INSERT_ROWS`
score rows waiting to be written) whatever the size of the base.

Fitted models go to ``model_runs`` (parameters, standard errors and metrics as JSON, the
model pickled) so ``segmint clv score`` can score a new date without refitting.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from segmint.exceptions import MartError
from segmint.features.btyd import btyd_summary
from segmint.features.btyd_covariate import with_covariate
from segmint.mart import TABLES, Mart, fetch
from segmint.mart.privacy.refits import unflagged_runs
from segmint.models import customer_lifetime_value
from segmint.scoring.clv_expression import in_engine, scores_in_engine
from segmint.scoring.clv_fit import ClvFit, spend_inputs
from segmint.scoring.score_rows import in_id_order, score_rows

WEEKS_PER_MONTH = 52.0 / 12.0
"""One discounting period (a month) in weeks."""

SCORE_NAMES = ("clv", "p_alive", "expected_purchases", "expected_spend")
"""The scores every CLV run stores, besides the optional windows."""

_SUMMARY_TABLE = "_segmint_clv_summary"
_FIT_SUMMARY_TABLE = "_segmint_clv_fit_summary"
_WIDE_TABLE = "_segmint_clv_wide"
"""Scratch table of the scores computed by the engine, one row per customer, in id order."""
INSERT_ROWS = 2_000_000
"""Score rows gathered before they are written: fewer, larger inserts cost the engine less."""


@dataclass(frozen=True)
class ScoreRun:
    """What a scoring run stored.

    Attributes:
        as_of: date of the scores.
        model: model name the scores are stored under.
        n_customers: customers scored.
        totals: per score name, the sum over customers (for clv: the base's value).
    """

    as_of: dt.date
    model: str
    n_customers: int
    totals: dict[str, float]


def monthly_rate(annual_rate: float) -> float:
    """The monthly discount rate equivalent to ``annual_rate`` ((1+d)^(1/12) - 1)."""
    return float((1.0 + annual_rate) ** (1.0 / 12.0) - 1.0)


def window_name(start_month: float, end_month: float) -> str:
    """Score name of the CLV in months [start, end), e.g. ``clv_m12_36``."""
    return f"clv_m{start_month:g}_{end_month:g}"


def score_frame(
    fit: ClvFit,
    summary: pd.DataFrame,
    *,
    horizon_weeks: float = 52.0,
    annual_discount_rate: float = 0.10,
    windows: tuple[tuple[float, float], ...] = (),
) -> pd.DataFrame:
    """One column per score (:data:`SCORE_NAMES`, then windows) for each row of ``summary``."""
    x, t_x, age = summary["frequency"], summary["recency"], summary["T"]
    spend = fit.spend.expected_spend(*spend_inputs(summary))
    discount = monthly_rate(annual_discount_rate)
    transactions = fit.predictor(summary)

    def clv(start_weeks: float, end_weeks: float) -> np.ndarray:
        return customer_lifetime_value(
            transactions,
            spend,
            x,
            t_x,
            age,
            horizon_start=start_weeks,
            horizon_end=end_weeks,
            period_length=WEEKS_PER_MONTH,
            discount_rate=discount,
            chunk_size=max(len(summary), 1),  # the caller chunks; a covariate model is bound
        )

    scores = {
        "clv": clv(0.0, horizon_weeks),
        "p_alive": transactions.probability_alive(x, t_x, age),
        "expected_purchases": transactions.predict_purchases(horizon_weeks, x, t_x, age),
        "expected_spend": spend,
    }
    for start, end in windows:
        scores[window_name(start, end)] = clv(start * WEEKS_PER_MONTH, end * WEEKS_PER_MONTH)
    return pd.DataFrame(scores, index=summary.index)


def score_customers(
    mart: Mart,
    fit: ClvFit,
    as_of: dt.date,
    *,
    horizon_weeks: float = 52.0,
    annual_discount_rate: float = 0.10,
    windows: tuple[tuple[float, float], ...] = (),
    chunk_size: int = 100_000,
    on_progress: Callable[[float], None] | None = None,
    on_step: Callable[[str], None] | None = None,
    summary: ibis.Table | None = None,
) -> ScoreRun:
    """Score every customer with a purchase by ``as_of`` and store the scores (see module doc).

    Args:
        horizon_weeks: the CLV and expected-purchases horizon.
        annual_discount_rate: yearly discount rate, applied monthly.
        windows: extra CLV windows in months, e.g. ``((0, 12), (12, 36))``.
        chunk_size: customers held in memory at once.
        on_progress: called with the share of customers scored so far.
        on_step: told the name of each step as it begins (the summary, the scoring, the
            storing), so a long run says where it is.
        summary: the BTYD summary as of ``as_of`` when the caller has it stored
            (:func:`stored_summary`, or the stored features'
            :func:`segmint.features.btyd.summary_of_features`), so it is not computed again.

    Raises:
        MartError: no customer has a purchase by ``as_of``.
    """
    o = _Options(horizon_weeks, annual_discount_rate, windows, chunk_size)
    pushed = in_engine(fit)
    say = on_step or (lambda _: None)
    if summary is None:
        say("each customer's purchases summarised")
    rows = _summary(mart, fit, as_of, numbered=not pushed, base=summary)
    reused = rows is summary  # the caller's table as it is: nothing added to it
    table = rows if reused else mart.create_table(_SUMMARY_TABLE, rows, temp=True)
    try:
        n = int(table.count().execute())
        if n == 0:
            raise MartError(
                f"no customer has a purchase up to {as_of}, so there is nobody to score. "
                "Load orders or pass a later --as-of."
            )
        with mart.transaction():
            for name in (*SCORE_NAMES, *(window_name(a, b) for a, b in windows)):
                mart.delete("scores", as_of=as_of, model=fit.model_name, score_name=name)
            if pushed:
                totals = _score_in_engine(mart, fit, table, as_of, o, say)
            else:
                say(f"{n:,} customers scored {o.chunk_size:,} at a time")
                totals = _score_in_chunks(mart, fit, table, n, as_of, o, on_progress)
    finally:
        mart.drop_table(_SUMMARY_TABLE)
    if on_progress is not None:
        on_progress(1.0)
    return ScoreRun(as_of, fit.model_name, n, totals)


@dataclass(frozen=True)
class _Options:
    """How :func:`score_customers` values customers and how many it holds at once."""

    horizon_weeks: float
    annual_discount_rate: float
    windows: tuple[tuple[float, float], ...]
    chunk_size: int


def _score_in_chunks(
    mart: Mart,
    fit: ClvFit,
    table: ibis.Table,
    n: int,
    as_of: dt.date,
    o: _Options,
    on_progress: Callable[[float], None] | None,
) -> dict[str, float]:
    """Score the ``n`` customers of the numbered summary ``table`` here, ``o.chunk_size``
    at a time, and store the scores; the total of each score."""
    totals: dict[str, float] = {}
    pending: list[pa.Table] = []
    for lo in range(0, n, o.chunk_size):
        chunk = fetch.frame(table.filter((table.row >= lo) & (table.row < lo + o.chunk_size)))
        scores = score_frame(
            fit,
            chunk,
            horizon_weeks=o.horizon_weeks,
            annual_discount_rate=o.annual_discount_rate,
            windows=o.windows,
        )
        for name in scores.columns:
            totals[name] = totals.get(name, 0.0) + float(scores[name].sum())
        pending.append(_score_rows(chunk["customer_id"], scores, as_of, fit.model_name))
        if sum(t.num_rows for t in pending) >= INSERT_ROWS or lo + o.chunk_size >= n:
            mart.insert("scores", in_id_order(pa.concat_tables(pending)))
            pending = []
        if on_progress is not None:
            on_progress(min(lo + o.chunk_size, n) / n)
    return totals


def _score_in_engine(
    mart: Mart,
    fit: ClvFit,
    table: ibis.Table,
    as_of: dt.date,
    o: _Options,
    say: Callable[[str], None],
) -> dict[str, float]:
    """Score the customers of the summary ``table`` in the engine
    (:mod:`segmint.scoring.clv_expression`) and store the scores; the total of each score.
    ``say`` is told each step."""
    weeks = {"clv": (0.0, o.horizon_weeks)}
    for a, b in o.windows:
        weeks[window_name(a, b)] = (a * WEEKS_PER_MONTH, b * WEEKS_PER_MONTH)
    names = [*SCORE_NAMES, *(name for name in weeks if name != "clv")]
    say("values if alive of each distinct (frequency, age)")
    with scores_in_engine(
        mart,
        fit,
        table,
        horizon_weeks=o.horizon_weeks,
        values=weeks,
        period_weeks=WEEKS_PER_MONTH,
        discount=monthly_rate(o.annual_discount_rate),
    ) as wide:
        say("scores computed and stored by the engine")
        # in id order once, then each score's rows in turn: a scan and UNION ALL keep the
        # order (the rows as ID_ORDER sorts them, cheaper than sorting every score's rows)
        mart.create_table(_WIDE_TABLE, wide.order_by("customer_id"), temp=True)
        try:
            ordered = mart.table(_WIDE_TABLE)
            rows = [
                ordered.select(
                    "customer_id",
                    as_of=ibis.literal(as_of, "date"),
                    model=ibis.literal(fit.model_name, "string"),
                    score_name=ibis.literal(name, "string"),
                    value=ordered[name].cast("float64"),
                )
                for name in sorted(names)
            ]
            mart.insert("scores", ibis.union(*rows, distinct=False))
            sums = ordered.aggregate(**{n: ordered[n].sum() for n in names}).to_pyarrow()
        finally:
            mart.drop_table(_WIDE_TABLE)
    return {name: float(sums[name][0].as_py()) for name in names}


@contextmanager
def stored_summary(mart: Mart, as_of: dt.date) -> Iterator[ibis.Table]:
    """The BTYD summary as of ``as_of`` stored as a scratch table for the block: read by a
    fit and then by the scores, computed once."""
    mart.create_table(_FIT_SUMMARY_TABLE, btyd_summary(mart, as_of), temp=True)
    try:
        yield mart.table(_FIT_SUMMARY_TABLE)
    finally:
        mart.drop_table(_FIT_SUMMARY_TABLE)


def _summary(
    mart: Mart, fit: ClvFit, as_of: dt.date, *, numbered: bool, base: ibis.Table | None
) -> ibis.Table:
    """The BTYD summary as of ``as_of`` (``base`` when given) with ``fit``'s covariate;
    ``numbered``: rows numbered by id (``row``), so they can be read a chunk at a time."""
    summary = btyd_summary(mart, as_of) if base is None else base
    if fit.covariate is not None:
        summary = with_covariate(mart, summary, fit.covariate, as_of)
    if not numbered:
        return summary
    return summary.mutate(row=ibis.row_number().over(order_by="customer_id"))


def _score_rows(customers: pd.Series, scores: pd.DataFrame, as_of: dt.date, model: str) -> pa.Table:
    """The ``scores`` rows of a chunk: every customer's first score, then the next…"""
    ids = pa.array(customers, pa.string())
    rows = [score_rows(ids, as_of, model, str(name), scores[name].to_numpy()) for name in scores]
    return pa.concat_tables(rows)


def store_fit(
    mart: Mart, fit: ClvFit, as_of: dt.date, metrics: dict[str, Any] | None = None
) -> tuple[int, int]:
    """Store the transaction and spend models of ``fit`` in ``model_runs``; their run ids.

    ``metrics`` (e.g. the holdout comparison) is stored with the transaction model.
    """
    runs = mart.table("model_runs")
    first = int(runs.run_id.max().fill_null(0).execute()) + 1
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    spend_id, transaction_id = first, first + 1
    rows = [
        _run_row(spend_id, "gammagamma", "spend", as_of, fit.spend, {}, {}, now),
        _run_row(
            transaction_id,
            fit.name,
            "clv",
            as_of,
            fit.transactions,
            {"spend_run_id": spend_id, "covariate": fit.covariate},
            {
                "n_customers": fit.n_customers,
                "n_repeat_buyers": fit.n_repeat_buyers,
                **(metrics or {}),
            },
            now,
        ),
    ]
    table = ibis.memtable(pd.DataFrame(rows), schema=TABLES["model_runs"].ibis_schema())
    with mart.transaction():
        mart.insert("model_runs", table)
    return transaction_id, spend_id


def _run_row(
    run_id: int,
    model: str,
    kind: str,
    as_of: dt.date,
    estimator: Any,
    extra_params: dict[str, Any],
    metrics: dict[str, Any],
    now: dt.datetime,
) -> dict[str, Any]:
    params = {
        "params": estimator.params_,
        "standard_errors": estimator.standard_errors_,
        "penalizer_coef": estimator.penalizer_coef,
        **extra_params,
    }
    fit_metrics = {
        "log_likelihood": estimator.log_likelihood_,
        "converged": bool(estimator.converged_),
        **metrics,
    }
    return {
        "run_id": run_id,
        "model": model,
        "kind": kind,
        "as_of": as_of,
        "params": json.dumps(params, default=float),
        "metrics": json.dumps(fit_metrics, default=float),
        "model_blob": pickle.dumps(estimator),
        "created_at": now,
    }


def latest_fit(mart: Mart) -> tuple[ClvFit, dt.date] | None:
    """The CLV fit stored last in ``model_runs`` and the date it was fitted as of, if any.

    A fit an erasure flagged for refit (its transactions or spend model could include a
    forgotten person) is not used: None then, so ``segmint clv score`` fits again and
    ``segmint score`` leaves CLV out until it has.

    The blobs are pickles written by :func:`store_fit`: load only marts you trust.
    """
    runs = mart.table("model_runs")
    usable = unflagged_runs(mart, runs)
    clv = usable.filter(usable.kind == "clv")
    last = clv.order_by(ibis.desc("run_id")).limit(1).to_pandas()
    if last.empty:
        return None
    row = last.iloc[0]
    params, metrics = json.loads(row["params"]), json.loads(row["metrics"])
    spend_id = int(params["spend_run_id"])
    spend_row = usable.filter(usable.run_id == spend_id).to_pandas()
    if spend_row.empty and int(runs.filter(runs.run_id == spend_id).count().execute()):
        return None  # the spend model alone was flagged: the pair is refitted together
    if spend_row.empty:
        raise MartError(
            f"model run {row['run_id']} refers to spend model run {params['spend_run_id']}, "
            "which is missing. Refit with `segmint clv fit`."
        )
    fit = ClvFit(
        str(row["model"]),
        pickle.loads(row["model_blob"]),
        pickle.loads(spend_row.iloc[0]["model_blob"]),
        int(metrics["n_customers"]),
        int(metrics["n_repeat_buyers"]),
        covariate=params.get("covariate"),
    )
    return fit, pd.Timestamp(row["as_of"]).date()
