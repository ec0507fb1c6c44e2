"""Fitting the CLV models on a BTYD summary: the models by name, the fit and what it holds.

A CLV fit is a transaction model (BG/NBD, Fader, Hardie & Lee 2005; Pareto/NBD,
Schmittlein, Morrison & Colombo 1987; MBG/NBD, Batislam, Denizel & Filiztekin 2007) and
the Gamma-Gamma spend model (Fader & Hardie 2013, note 025), each from
:mod:`segmint.models`. Choosing among the transaction models by holdout error (``auto``)
is :mod:`segmint.scoring.clv_choice`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from segmint.exceptions import ConvergenceError, InputError, ModelInputError
from segmint.models import BGNBD, MBGNBD, NBD, GammaGamma, ParetoNBD
from segmint.models._optimize import AdvisedFitError, NoPlainFitError
from segmint.models.boundary import BoundaryFit, fit_spend, fit_transactions
from segmint.models.covariates import (
    BoundCovariateModel,
    CovariateModel,
    Groups,
    encode_groups,
    fit_covariate,
)
from segmint.models.seasonal import SeasonalInputs, SeasonalModel, fit_seasonal, with_covariate
from segmint.scoring.option_defaults import AUTO, MAX_ITER

BtydModel = BGNBD | ParetoNBD | MBGNBD | NBD | SeasonalModel | CovariateModel
"""A fitted continuous-time transaction model (the NBD is the others' no-dropout limit; a
seasonal model is one of them on the calendar's clock, :mod:`segmint.models.seasonal`; a
covariate model one of them per customer group, :mod:`segmint.models.covariates`)."""

Predictor = BGNBD | ParetoNBD | MBGNBD | NBD | SeasonalModel | BoundCovariateModel
"""A transaction model that predicts for given customers (a covariate model bound to them)."""

COVARIATE = "covariate"
"""The summary column holding each customer's covariate value
(:mod:`segmint.features.btyd_covariate`)."""

TRANSACTION_MODELS: dict[str, type[BGNBD | ParetoNBD | MBGNBD]] = {
    "bgnbd": BGNBD,
    "paretonbd": ParetoNBD,
    "mbgnbd": MBGNBD,
}
"""Transaction models by the name users type (``--model``)."""

SEASONAL = "-seasonal"
SEASONAL_MODELS = tuple(f"{name}{SEASONAL}" for name in TRANSACTION_MODELS)
"""Each transaction model with a monthly seasonal index (``bgnbd-seasonal``…)."""

SPEND_MODELS = ("gammagamma",)
"""Spend models by name (``--spend``)."""

P = ParamSpec("P")
R = TypeVar("R")

PENALTY_FLAG = "--penalizer"
"""The penalty as the ``clv`` commands name it (the models' ``penalizer_coef``)."""

LEAVE_OUT_STRICT = (
    "Leave out --strict to fit its limit (the NBD without dropout) or a penalty chosen by "
    "held-out likelihood"
)
"""What to do when ``strict`` refuses a fit on the boundary, in the commands' flags (the
commands without ``--penalizer``: ``score``, ``refresh``)."""

STRICT_ADVICE = f"{LEAVE_OUT_STRICT}, or give one with {PENALTY_FLAG} (e.g. 0.01)."
"""What to do when ``strict`` refuses a fit on the boundary, in the ``clv`` commands' flags."""


def penalty_as_flag(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` with the advice of a refused fit naming the commands' ``--penalizer``, where
    the models name their argument ``penalizer_coef`` (:class:`AdvisedFitError`).

    Raises:
        ConvergenceError: what :class:`AdvisedFitError` said, with the flag in its advice.
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AdvisedFitError as exc:
            raise ConvergenceError(exc.naming(PENALTY_FLAG)) from None

    return wrapper


def finding(exc: Exception) -> str:
    """What went wrong in a fit, for a note where the run goes on without it: the advice of
    an :class:`AdvisedFitError` left out (no knob of the run would follow it)."""
    return exc.finding if isinstance(exc, AdvisedFitError) else str(exc)


@dataclass(frozen=True)
class ClvFit:
    """A fitted transaction model and spend model, and what they were fitted on.

    Attributes:
        name: transaction model name (``bgnbd``…).
        transactions: the fitted transaction model.
        spend: the fitted Gamma-Gamma model.
        n_customers: customers in the summary.
        n_repeat_buyers: customers with a repeat purchase (the spend model's data).
        notes: one sentence per model whose plain maximum-likelihood fit was on the
            boundary, saying what was fitted instead and why (see
            :mod:`segmint.models.boundary`).
        covariate: the covariate the transaction model splits customers by (e.g.
            ``acquisition_channel``), or None.
    """

    name: str
    transactions: BtydModel
    spend: GammaGamma
    n_customers: int
    n_repeat_buyers: int
    notes: tuple[str, ...] = ()
    covariate: str | None = None

    @property
    def model_name(self) -> str:
        """Name the scores are stored under, e.g. ``bgnbd+gammagamma``."""
        return f"{self.name}+gammagamma"

    @property
    def label(self) -> str:
        """The model as a comparison lists it: ``bgnbd``, ``bgnbd by acquisition_channel``."""
        return self.name if self.covariate is None else f"{self.name} by {self.covariate}"

    @property
    def grouped(self) -> CovariateModel | None:
        """The covariate model inside the transaction model (on the seasonal clock for a
        seasonal form), or None without a covariate."""
        model = self.transactions
        inner = model.base if isinstance(model, SeasonalModel) else model
        return inner if isinstance(inner, CovariateModel) else None

    def _on_clock(self, model: Any) -> Any:
        """``model`` (a group's or a bound covariate model) on the seasonal clock of the
        transaction model, if it is seasonal."""
        outer = self.transactions
        return outer.with_base(model) if isinstance(outer, SeasonalModel) else model

    def predictor(self, summary: pd.DataFrame) -> Predictor:
        """The transaction model for the customers of ``summary``, in its row order: a
        covariate model is bound to their :data:`COVARIATE` column.

        Raises:
            InputError: a covariate model and a summary without the covariate column.
        """
        model = self.transactions
        if isinstance(model, CovariateModel):
            grouped = model
        elif isinstance(model, SeasonalModel) and isinstance(model.base, CovariateModel):
            grouped = model.base
        else:
            return model
        if COVARIATE not in summary.columns:
            raise InputError(
                f"{self.label} needs each customer's {self.covariate}; the summary has none"
            )
        bound = grouped.bind(summary[COVARIATE].to_numpy(dtype=object))
        return self._on_clock(bound)  # type: ignore[no-any-return]

    def by_group(self, summary: pd.DataFrame) -> list[tuple[np.ndarray, Any]]:
        """(rows of ``summary``, transaction model) per customer group: one group of every
        row unless the model has a covariate, else one per level with its parameters."""
        grouped = self.grouped
        if grouped is None:
            return [(np.ones(len(summary), dtype=bool), self.transactions)]
        codes = grouped.codes(summary[COVARIATE].to_numpy(dtype=object))
        return [
            (codes == i, self._on_clock(grouped.level_model(level)))
            for i, level in enumerate(grouped.levels)
        ]

    @property
    def typical(self) -> Any:
        """The transaction model of a typical customer: the largest group's with a covariate."""
        grouped = self.grouped
        if grouped is None:
            return self.transactions
        return self._on_clock(grouped.level_model(grouped.levels[0]))

    @property
    def typical_group(self) -> str | None:
        """Who :attr:`typical` describes with a covariate ("channel organic"), else None."""
        grouped = self.grouped
        return None if grouped is None else f"{self.covariate} {grouped.levels[0]}"


def check_model(name: str, *, allow_auto: bool = False) -> str:
    """``name`` in lower case, if it names a transaction model (or ``auto``).

    Raises:
        InputError: unknown name; lists the known ones.
    """
    key = name.strip().lower()
    known = [*([AUTO] if allow_auto else []), *TRANSACTION_MODELS, *SEASONAL_MODELS]
    if key not in known:
        raise InputError(f"unknown CLV model '{name}'; choose one of {', '.join(known)}")
    return key


def check_spend(name: str) -> str:
    """``name`` in lower case, if it names a spend model."""
    key = name.strip().lower()
    if key not in SPEND_MODELS:
        raise InputError(f"unknown spend model '{name}'; choose one of {', '.join(SPEND_MODELS)}")
    return key


def spend_inputs(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(x, zbar) for the spend model: customers whose repeat purchases are worth nothing
    carry no information about spend and count as x = 0 (the population mean)."""
    x = summary["frequency"].to_numpy(dtype=np.float64)
    zbar = summary["monetary_value"].to_numpy(dtype=np.float64)
    informative = zbar > 0
    return np.where(informative, x, 0.0), np.where(informative, zbar, 0.0)


@penalty_as_flag
def fit_clv(
    summary: pd.DataFrame,
    model: str = "bgnbd",
    *,
    penalizer: float = 0.0,
    strict: bool = False,
    calendar: SeasonalInputs | None = None,
    covariate: str | None = None,
    max_iter: int = MAX_ITER,
) -> ClvFit:
    """Fit transaction model ``model`` and the Gamma-Gamma model on ``summary``.

    A maximum on the boundary is not a dead end: the limiting model or a penalty chosen by
    held-out likelihood is fitted instead and the reason kept in ``notes``
    (:mod:`segmint.models.boundary`); ``strict`` refuses instead.

    Args:
        summary: ``frequency, recency, T, monetary_value`` per customer
            (:func:`segmint.features.btyd.btyd_summary`).
        model: ``bgnbd``, ``paretonbd``, ``mbgnbd`` or a ``-seasonal`` form.
        penalizer: L2 penalty on the log-parameters of both models (0 = plain MLE).
        strict: refuse a fit on the boundary instead of fitting its limit or a penalty.
        calendar: the calibration end and repeat purchases per month, for seasonal models.
        covariate: the covariate in ``summary``'s :data:`COVARIATE` column (:func:`split_by`).
        max_iter: the optimiser's iteration limit of every fit (models' ``max_iter``).

    Raises:
        InputError: unknown model; a seasonal one without ``calendar``; a covariate and no
            :data:`COVARIATE` column.
        ModelInputError: a seasonal model on less than a year; a covariate of one group.
        ConvergenceError: no repeat buyers, (``strict``) the data cannot identify a model,
            or the spend model's mean is infinite; advice names ``--penalizer``.
    """
    name = check_model(model)
    x = summary["frequency"].to_numpy(dtype=np.float64)
    n_repeat = int(np.count_nonzero(x > 0))
    if n_repeat == 0:
        raise ConvergenceError(
            f"none of the {len(summary):,} customers made a repeat purchase, so no CLV model "
            "can be fitted. Use a later --as-of (a longer history) or load more orders."
        )
    columns = (x, summary["recency"].to_numpy(np.float64), summary["T"].to_numpy(np.float64))
    base = _check_forms(name, summary, calendar, covariate)
    limits = (penalizer, strict, max_iter)
    transactions, spend = _boundary_fits(base, columns, spend_inputs(summary), *limits)
    spend.model.mean_parameters()  # a finite mean spend, or refused before any scoring
    model_ = transactions.model
    if base != name and calendar is not None:
        model_ = fit_seasonal(model_, *columns, calendar)
    seasonal_note = model_.note if isinstance(model_, SeasonalModel) else ""
    notes = tuple(n for n in (transactions.note, seasonal_note, spend.note) if n)
    fit = ClvFit(name, model_, spend.model, len(summary), n_repeat, notes)
    return fit if covariate is None else split_by(fit, summary, covariate, calendar)


@penalty_as_flag
def split_by(
    fit: ClvFit, summary: pd.DataFrame, covariate: str, calendar: SeasonalInputs | None
) -> ClvFit:
    """``fit`` (without a covariate, on ``summary``) with its transaction model split by
    ``covariate``, the summary's :data:`COVARIATE` column: the groups' multipliers fitted
    from its parameters (:mod:`segmint.models.covariates`); a seasonal form keeps its index
    and fits them on its clock (:func:`segmint.models.seasonal.with_covariate`).

    Raises:
        InputError: a seasonal fit and no ``calendar``.
        ModelInputError: a covariate of one group.
        ConvergenceError: a group's multiplier cannot be identified, its advice naming
            ``--penalizer`` as :func:`fit_clv`'s does (``clv backtest``'s note named the
            models' ``penalizer_coef``, which no command takes).
    """
    x, recency, age = (summary[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    groups = _groups(summary, covariate)
    model = fit.transactions
    split: BtydModel
    if isinstance(model, SeasonalModel):
        if calendar is None:
            raise InputError(f"splitting {fit.name} needs its calendar (SeasonalInputs)")
        split = with_covariate(model, x, recency, age, groups, calendar)
        notes = (*fit.notes, split.note)
    else:
        split, notes = fit_covariate(model, x, recency, age, groups), fit.notes
    return replace(fit, transactions=split, notes=notes, covariate=covariate)


def _boundary_fits(
    base: str,
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    spend: tuple[np.ndarray, np.ndarray],
    penalizer: float,
    strict: bool,
    max_iter: int,
) -> tuple[BoundaryFit, BoundaryFit]:
    """Transaction model ``base`` on (x, t_x, T) and the Gamma-Gamma on (x, zbar), each
    past a boundary unless ``strict`` (:mod:`segmint.models.boundary`).

    Raises:
        ConvergenceError: a refusal under ``strict``, with the flags that go past it.
    """
    try:
        transactions = fit_transactions(
            lambda c: TRANSACTION_MODELS[base](penalizer_coef=c, max_iter=max_iter),
            columns,
            penalizer=penalizer,
            strict=strict,
        )
        return transactions, fit_spend(
            lambda c: GammaGamma(penalizer_coef=c, max_iter=max_iter),
            spend,
            penalizer=penalizer,
            strict=strict,
        )
    except NoPlainFitError as exc:  # only under strict
        raise ConvergenceError(f"{exc.finding} {STRICT_ADVICE}") from None


def _check_forms(
    name: str, summary: pd.DataFrame, calendar: SeasonalInputs | None, covariate: str | None
) -> str:
    """The base model of ``name``, once a seasonal form has its calendar and a covariate its
    column (see :func:`fit_clv`)."""
    base = name.removesuffix(SEASONAL)
    if base != name and calendar is None:
        raise InputError(f"{name} needs the calendar of the purchases (SeasonalInputs)")
    if covariate is not None and COVARIATE not in summary.columns:
        raise InputError(
            f"a covariate splits a model fitted on a summary with its '{COVARIATE}' column; "
            f"this summary has no such column (model {name})"
        )
    return base


def _groups(summary: pd.DataFrame, covariate: str) -> Groups:
    """The customers' groups by ``covariate``; an error says how many have no value."""
    try:
        return encode_groups(summary[COVARIATE].to_numpy(dtype=object))
    except ModelInputError as exc:
        missing = int(summary[COVARIATE].isna().sum())
        raise ModelInputError(
            f"{covariate}: {exc} {missing:,} of {len(summary):,} customers have no value."
        ) from None
