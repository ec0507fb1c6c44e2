"""Use cases of scoring customer lifetime value: every buyer scored and stored.

:func:`score` is ``segmint clv score``: every customer scored with the stored fit (or a
new one), with the purchase histories' churn risk for the value x risk grid.
:func:`run_clv` fits, stores and scores in one go (``segmint demo``, ``quickstart``). The
fits are chosen and checked by :mod:`segmint.workflows.clv`; the CLI and
:class:`segmint.workspace.Workspace` call these, so they give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import ibis

from segmint.exceptions import ConvergenceError, InputError, ModelInputError
from segmint.features.asof import AsOf, checked_as_of
from segmint.mart import Mart, fetch
from segmint.models.seasonal import SeasonalModel
from segmint.scoring.btyd_churn import store_btyd_churn_risk
from segmint.scoring.clv_fit import ClvFit, check_model, fit_clv
from segmint.scoring.clv_scores import (
    ScoreRun,
    latest_fit,
    score_customers,
    store_fit,
    stored_summary,
)
from segmint.scoring.option_defaults import MAX_ITER
from segmint.workflows.clv import ORDER, Say, calendar_for, quiet
from segmint.workflows.features import kept_summary

T = TypeVar("T")


@dataclass(frozen=True)
class ClvScoreOptions:
    """How ``segmint clv score`` scores.

    Attributes:
        horizon_weeks: the CLV and expected-purchases horizon.
        discount_rate: yearly discount rate, applied monthly.
        windows: extra CLV windows in months, e.g. ``((0, 12), (12, 36))``.
        model: refit this transaction model instead of using the stored fit.
        penalizer: L2 penalty of a new fit.
        chunk_size: customers scored at a time by the models not scored in the engine
            (:mod:`segmint.scoring.clv_expression`).
        max_iter: the optimiser's iteration limit of a new fit, and of the MBG/NBD fitted
            for the purchase histories' churn risk.
    """

    horizon_weeks: float = 52.0
    discount_rate: float = 0.10
    windows: tuple[tuple[float, float], ...] = ()
    model: str | None = None
    penalizer: float = 0.0
    chunk_size: int = 100_000
    max_iter: int = MAX_ITER

    def __post_init__(self) -> None:
        """Refuse windows that are not (start, end) months with 0 <= start < end."""
        for window in self.windows:
            pair = tuple(window) if isinstance(window, tuple | list) else ()
            if len(pair) != 2 or not all(isinstance(m, int | float) for m in pair):
                pair = (-1.0, -1.0)
            if not 0 <= pair[0] < pair[1]:
                raise InputError(
                    "windows are (start, end) pairs of months with 0 <= start < end, e.g. "
                    f"windows=((12, 36),) for one window; got {self.windows!r}"
                )


def score(
    mart: Mart,
    as_of: AsOf | None = None,
    options: ClvScoreOptions | None = None,
    *,
    on_note: Say | None = None,
    on_progress: Callable[[float], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> ScoreRun:
    """Score every customer with a purchase by ``as_of`` and store the scores.

    Uses the stored fit when it was fitted on data up to ``as_of`` (and no model is asked
    for), else fits and stores one now; ``on_note`` is told which. The BTYD summary (of the
    fit, the scores and the histories' churn risk) is read from the stored features when
    they are current (:func:`segmint.workflows.features.kept_summary`), else summed from
    the purchases once. ``on_step`` is told each step as it begins, ``on_progress`` the
    share of customers scored.

    Raises:
        MartError: no customer has a purchase by the date.
    """
    o = options or ClvScoreOptions()
    day = checked_as_of(mart, as_of)
    say = on_note or quiet
    step = on_step or quiet
    step("the CLV fit")

    def scored(fit: ClvFit, summary: ibis.Table | None = None) -> ScoreRun:
        return score_customers(
            mart,
            fit,
            day,
            horizon_weeks=o.horizon_weeks,
            annual_discount_rate=o.discount_rate,
            windows=o.windows,
            chunk_size=o.chunk_size,
            on_progress=on_progress,
            on_step=on_step,
            summary=summary,
        )

    stored = None if o.model is not None else stored_fit(mart, day, say)

    def on(summary: ibis.Table) -> ScoreRun:
        fitted = stored or new_fit(mart, day, o.model, (o.penalizer, o.max_iter), say, summary)
        run = scored(fitted, summary)
        step("each buyer's risk of no purchase in the next 90 days")
        store_history_risk(mart, day, say, o.max_iter, summary)
        return run

    return with_summary(mart, day, on, step)


def with_summary(mart: Mart, day: dt.date, use: Callable[[ibis.Table], T], step: Say = quiet) -> T:
    """``use`` given the BTYD summary as of ``day``: read from the stored features when they
    are current (:func:`segmint.workflows.features.kept_summary`), else summed from the
    purchases once and kept as a scratch table while ``use`` runs (``step`` is told), so a
    fit, the scores and the histories' churn risk all read the same rows, summed at most once.
    """
    kept = kept_summary(mart, day)
    if kept is not None:
        return use(kept)
    step("each customer's purchases summarised")
    with stored_summary(mart, day) as summary:
        return use(summary)


def store_history_risk(
    mart: Mart,
    day: dt.date,
    say: Say,
    max_iter: int = MAX_ITER,
    summary: ibis.Table | None = None,
) -> None:
    """Store the purchase histories' churn risk as of ``day`` for the value x risk grid
    (:func:`segmint.scoring.btyd_churn.store_btyd_churn_risk`, fitted with the iteration
    limit ``max_iter`` on ``summary``, the BTYD summary as of ``day`` when the caller has
    it), and say what was done."""
    try:
        found = store_btyd_churn_risk(mart, day, max_iter=max_iter, summary=summary)
    except (ConvergenceError, ModelInputError) as exc:
        say(f"no churn risk from the purchase histories as of {day}: {exc}")
        return
    if found is not None:
        say(f"churn_risk of {len(found.risk):,} buyers stored: {found.source}")


def stored_fit(mart: Mart, day: dt.date, say: Say) -> ClvFit | None:
    """The fit stored last, if it was fitted on data up to ``day`` (else None)."""
    stored = latest_fit(mart)
    if stored is None or stored[1] > day:
        return None
    say(f"using the {stored[0].name} fit stored as of {stored[1]}")
    fit_ = stored[0]
    if isinstance(fit_.transactions, SeasonalModel):  # its ages are measured to ``day``
        fit_ = replace(fit_, transactions=fit_.transactions.at(day))
    return fit_


def new_fit(
    mart: Mart,
    day: dt.date,
    model: str | None,
    limits: tuple[float, int],
    say: Say,
    summary: ibis.Table,
) -> ClvFit:
    """Fit ``model`` (default the BG/NBD) on ``summary``, the BTYD summary as of ``day``,
    with ``limits`` (penalty, iteration limit), and store it."""
    name = check_model(model or "bgnbd")
    say(f"fitting {name} as of {day}")
    penalizer, max_iter = limits
    fitted = fit_clv(
        fetch.frame(summary, ORDER),
        name,
        penalizer=penalizer,
        calendar=calendar_for(mart, (name,), day),
        max_iter=max_iter,
    )
    for note in fitted.notes:
        say(note)
    store_fit(mart, fitted, day)
    return fitted


def run_clv(
    mart: Mart,
    as_of: AsOf | None = None,
    *,
    model: str = "bgnbd",
    horizon_weeks: float = 52.0,
    annual_discount_rate: float = 0.10,
    max_iter: int = MAX_ITER,
) -> ScoreRun:
    """Fit ``model`` with Gamma-Gamma on everything up to ``as_of``, store it, score every buyer.

    ``model``: a transaction model or its seasonal form (the purchase calendar to ``as_of``
    is read for it, as ``segmint clv score --model`` does: :func:`new_fit`).

    Stores the fit in ``model_runs`` and ``clv``, ``p_alive``, ``expected_purchases`` and
    ``expected_spend`` per customer in ``scores``, with the purchase histories' churn risk
    (:func:`store_history_risk`). The three read one BTYD summary (:func:`with_summary`):
    the stored features' when they are current, else the purchases summed once; the fit
    reads it in customer order (:data:`ORDER`). ``max_iter``: the iteration limit of every
    fit (one that reaches it keeps where it stopped and warns).
    """
    day = checked_as_of(mart, as_of)
    check_model(model)

    def on(summary: ibis.Table) -> ScoreRun:
        fitted = new_fit(mart, day, model, (0.0, max_iter), quiet, summary)
        run = score_customers(
            mart,
            fitted,
            day,
            horizon_weeks=horizon_weeks,
            annual_discount_rate=annual_discount_rate,
            summary=summary,
        )
        store_history_risk(mart, day, quiet, max_iter, summary)
        return run

    return with_summary(mart, day, on)
