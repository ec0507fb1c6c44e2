"""BTYD models whose purchase rate follows the calendar: a month-of-year seasonal index.

While active, a customer buys as a Poisson process with intensity lambda s(t), where
s(t) is a multiplier for the calendar month of t, the same every year. With the
operational clock Lambda(t) = integral of s from the first purchase, purchases are a
homogeneous Poisson process in Lambda (the time-rescaling theorem), so:

* the BG/NBD and MBG/NBD, whose dropout strikes right after a purchase, are exactly
  the same models on the operational clock: the likelihood of a customer's history is
  the base likelihood at (x, Lambda(t_x), Lambda(T)) times prod_j s(t_j), the density of
  the purchase times; with monthly multipliers the second factor is
  sum_m n_m log s_m in logs, n_m the repeat purchases made in month m;
* the Pareto/NBD on the operational clock lets the dropout hazard follow the same index.
  This is the Pareto/NBD with time-varying covariates of Bachmann, Meierer & Näf (2021)
  with month dummies as the covariates and one coefficient per month shared by the
  purchase and the attrition process (their model lets the two differ).

Expected purchases in a future window are the base model's at the window's operational
length, Lambda(T + t) - Lambda(T): the expected-purchases integral taken over the seasonal
intensity. The multipliers are estimated jointly with the base parameters by maximum
likelihood; they are reported relative to January (``feb`` = 1.3 means February's rate is
1.3 times January's) with standard errors from the observed information, and as an index
averaging 1 over the calendar year (:attr:`SeasonalModel.multipliers`). Every month
needs exposure, so the calibration period must span a year.

The joint fit differentiates numerically in the eleven multipliers, so its cost grows with
the customers times the parameters: at a million customers the Pareto/NBD form would take
the better part of an hour. Above :data:`JOINT_CUSTOMERS` customers the index is therefore
estimated by the joint fit on a seeded random sample of that many (their purchase-month
term the whole base's month counts scaled to the sample's repeat purchases), and the base
parameters are then fitted on every customer on the clock of that index, with the base
model's own analytic fit; ``note`` says so. The multipliers' standard errors are the
sample fit's.

One gamma and one beta distribution may not hold a customer base of a few kinds of
customers; on a retailer of seven kinds the seasonal BG/NBD over-predicted a Christmas
holdout by 5% for that reason (docs/clv.md). The BG/NBD and MBG/NBD forms therefore take
1 to 3 latent classes, each with its own base parameters, on the fitted index's clock, the
number chosen by BIC (:mod:`segmint.models.latent_class`); ``note`` says when more than
one is kept.

References
----------
Bachmann, P., Meierer, M. & Näf, J. (2021). "The Role of Time-Varying Contextual Factors
in Latent Attrition Models for Customer Base Analysis". Marketing Science 40(4), 783-809.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy
Way". Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from segmint.exceptions import ModelInputError
from segmint.models._base import Histories
from segmint.models._beta_geometric import BetaGeometricModel
from segmint.models._optimize import StartingPoint, maximise_likelihood
from segmint.models._validation import FloatArray, as_float_array, validate_rfm
from segmint.models.covariates import Groups, fit_covariate
from segmint.models.latent_class import LatentClassModel
from segmint.models.latent_class_fit import choose_classes
from segmint.models.seasonal_calendar import (
    MONTH_WEIGHTS,
    MONTHS,
    customer_spans,
    day_number,
    weeks_by_month,
)

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
YEAR_DAYS = 365
JOINT_CUSTOMERS = 20_000
"""Customers the joint fit of index and base parameters takes at most (module docstring)."""


@dataclass(frozen=True)
class SeasonalInputs:
    """What a seasonal fit needs besides (x, t_x, T).

    Attributes:
        as_of: the calibration end (the day the ages T are measured to).
        repeat_months: repeat purchases (customer-days after the first) made in each
            calendar month, January first, over the calibration period.
    """

    as_of: dt.date
    repeat_months: FloatArray


class SeasonalModel:
    """A fitted transaction model on the operational clock of a monthly seasonal index.

    Takes and returns calendar quantities, like the base model: ages in weeks back from
    :attr:`as_of`, horizons in weeks after it. ``params_`` holds the base parameters and
    the eleven month multipliers relative to January, ``standard_errors_`` theirs.
    """

    def __init__(
        self,
        base: Any,
        fit: tuple[dict[str, float], dict[str, float], float],
        as_of: dt.date,
        note: str = "",
    ) -> None:
        self.base = base
        self.params_, self.standard_errors_, self.log_likelihood_ = fit
        self.as_of = as_of
        self.note = note
        self.penalizer_coef = float(base.penalizer_coef)
        self.converged_ = True  # maximise_likelihood raises or warns otherwise

    @property
    def ratios(self) -> FloatArray:
        """Each month's rate relative to January's (January = 1)."""
        return np.array([1.0, *(self.params_[m] for m in MONTH_NAMES[1:])])

    @property
    def multipliers(self) -> FloatArray:
        """The seasonal index: each month's rate relative to the calendar year's mean."""
        return np.asarray(self.ratios / (MONTH_WEIGHTS @ self.ratios), dtype=np.float64)

    def with_base(self, base: Any) -> SeasonalModel:
        """The same clock around another base model: a group's model, or a covariate
        model bound to given customers (:meth:`segmint.scoring.clv_fit.ClvFit.predictor`)."""
        moved = copy.copy(self)
        moved.base = base
        return moved

    def at(self, as_of: dt.date) -> SeasonalModel:
        """The same model for customers whose ages are measured to ``as_of``."""
        moved = copy.copy(self)
        moved.as_of = as_of
        return moved

    def _clock(self, recency: FloatArray, T: FloatArray) -> tuple[FloatArray, FloatArray]:
        start, recency_end, end = customer_spans(recency.ravel(), T.ravel(), self.as_of)
        s = self.multipliers
        op_recency = (weeks_by_month(start, recency_end) @ s).reshape(recency.shape)
        return op_recency, (weeks_by_month(start, end) @ s).reshape(T.shape)

    def operational_age(self, T: ArrayLike) -> FloatArray:
        """Operational length of the ages ``T`` (weeks of whole days back from :attr:`as_of`)."""
        age = as_float_array("T", T)
        return self._clock(np.zeros(age.shape), age)[1]

    def expected_if_alive_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """The base model's expectation if alive (``expected_if_alive_grid``) over each
        horizon's operational length, at the operational age: :meth:`predict_purchases_grid`
        is this times :meth:`probability_alive` when the base model factors so (the BG/NBD,
        MBG/NBD and NBD)."""
        x, _, age = validate_rfm(frequency, np.zeros(np.shape(frequency)), T)
        op = self.operational_horizon(np.asarray(horizons, dtype=np.float64).reshape(-1))
        return np.asarray(
            self.base.expected_if_alive_grid(op, x, self.operational_age(age)), np.float64
        )

    def operational_horizon(self, t: ArrayLike) -> FloatArray:
        """Operational length of the windows of ``t`` weeks after :attr:`as_of` (whole days)."""
        t_arr = as_float_array("t", t, per_customer=False)
        start = np.full(t_arr.size, day_number(self.as_of) + 1, dtype=np.int64)
        end = start + np.rint(t_arr.ravel() * 7.0).astype(np.int64)
        return (weeks_by_month(start, end) @ self.multipliers).reshape(t_arr.shape)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected repeat purchases in the ``t`` weeks after :attr:`as_of`."""
        x, t_x, age = validate_rfm(frequency, recency, T)
        op_recency, op_age = self._clock(t_x, age)
        result = self.base.predict_purchases(self.operational_horizon(t), x, op_recency, op_age)
        return np.asarray(result, dtype=np.float64)

    def predict_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """:meth:`predict_purchases` at every horizon: one row per customer, one column per t."""
        x, t_x, age = validate_rfm(frequency, recency, T)
        op_recency, op_age = self._clock(t_x, age)
        op = self.operational_horizon(np.asarray(horizons, dtype=np.float64).reshape(-1))
        if not hasattr(self.base, "predict_purchases_grid"):
            return np.stack([self.base.predict_purchases(h, x, op_recency, op_age) for h in op], 1)
        return np.asarray(self.base.predict_purchases_grid(op, x, op_recency, op_age), np.float64)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(active at :attr:`as_of` | x, t_x, T): the base model's on the operational clock."""
        x, t_x, age = validate_rfm(frequency, recency, T)
        op_recency, op_age = self._clock(t_x, age)
        return np.asarray(self.base.probability_alive(x, op_recency, op_age), dtype=np.float64)

    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] of a customer just acquired, averaged over the calendar (the base model's:
        the index averages 1 over a year, so this is exact for whole years)."""
        return np.asarray(self.base.expected_purchases_new_customer(t), dtype=np.float64)

    def probability_of_purchases(self, k: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = k) of a customer just acquired, on the calendar's mean clock (the base's)."""
        return np.asarray(self.base.probability_of_purchases(k, t), dtype=np.float64)


def fit_seasonal(
    base: Any, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, inputs: SeasonalInputs
) -> SeasonalModel:
    """Fit ``base``'s model class jointly with a monthly seasonal index, from ``base``'s fit.

    ``base`` is the fitted non-seasonal model (its parameters are the starting values and
    its penalty and iteration limit are kept).

    Raises:
        ModelInputError: the calibration period spans less than a year, or
            ``repeat_months`` is not twelve non-negative counts.
        ConvergenceError: the joint fit does not converge or is not identified.
    """
    x, t_x, age = validate_rfm(frequency, recency, T)
    months = np.asarray(inputs.repeat_months, dtype=np.float64)
    if months.shape != (MONTHS,) or not np.all(months >= 0):
        raise ModelInputError(
            f"repeat_months must be 12 non-negative counts (January first); got {months!r}."
        )
    start, recency_end, end = customer_spans(t_x, age, inputs.as_of)
    span = int(end[0] - start.min()) if start.size else 0
    if span < YEAR_DAYS:
        raise ModelInputError(
            f"a seasonal index needs a calibration period of at least a year; this one spans "
            f"{span} days (to {inputs.as_of}). Use a later calibration end or a non-seasonal model."
        )
    exposure_age, exposure_recency = weeks_by_month(start, end), weeks_by_month(start, recency_end)
    if x.size <= JOINT_CUSTOMERS:
        fit = _joint(base, x, exposure_recency, exposure_age, months)
        model = SeasonalModel(_with_params(base, fit[0]), fit, inputs.as_of)
        return _with_classes(model, x, exposure_recency, exposure_age, months)
    rows = np.sort(np.random.default_rng(0).choice(x.size, JOINT_CUSTOMERS, replace=False))
    share = x[rows].sum() / max(x.sum(), 1.0)
    params, errors, _ = _joint(
        base, x[rows], exposure_recency[rows], exposure_age[rows], months * share
    )
    ratios = np.array([1.0, *(params[m] for m in MONTH_NAMES[1:])])
    index = ratios / (MONTH_WEIGHTS @ ratios)
    refit = copy.deepcopy(base).fit(x, exposure_recency @ index, exposure_age @ index)
    names = base.param_names
    params.update({n: refit.params_[n] for n in names})
    errors.update({n: refit.standard_errors_[n] for n in names})
    log_likelihood = refit.log_likelihood_ + float(months @ np.log(index))
    note = (
        f"seasonal index estimated on a random {JOINT_CUSTOMERS:,} of the {x.size:,} customers, "
        "the base parameters on all of them with it"
    )
    model = SeasonalModel(refit, (params, errors, log_likelihood), inputs.as_of, note)
    return _with_classes(model, x, exposure_recency, exposure_age, months, rows)


def _with_classes(
    model: SeasonalModel,
    x: FloatArray,
    exposure_recency: FloatArray,
    exposure_age: FloatArray,
    months: FloatArray,
    sample: npt.NDArray[np.int64] | None = None,
) -> SeasonalModel:
    """``model`` with its base a mixture of latent classes on its clock, if BIC prefers
    one (:func:`segmint.models.latent_class_fit.choose_classes`), else ``model``.

    The index is held where the one-class fit put it: given it, the purchase-month term
    does not depend on the classes, so this maximises over the classes on its clock (a
    two-step estimate, as :func:`with_covariate`), and the multipliers keep the one-class
    fit's standard errors. Only the BG/NBD and MBG/NBD forms. With ``sample`` (the rows of
    the index's sample, above :data:`JOINT_CUSTOMERS` customers) the classes are chosen on
    it, against the one-class model fitted on the same rows (BIC compares maxima on the same
    data), and the log-likelihood reported is the mixture's on every customer, like the
    other models'.
    """
    if not isinstance(model.base, BetaGeometricModel):
        return model
    index = model.multipliers
    op_recency, op_age = exposure_recency @ index, exposure_age @ index
    pooled, chosen = model.base, (x, op_recency, op_age)
    if sample is not None:
        chosen = (x[sample], op_recency[sample], op_age[sample])
        pooled = copy.deepcopy(model.base).fit(*chosen)
    choice = choose_classes(pooled, *chosen)
    if choice.n_classes == 1:
        return model
    months_kept = MONTH_NAMES[1:]
    params = {**choice.model.params_, **{m: model.params_[m] for m in months_kept}}
    errors = {**choice.standard_errors, **{m: model.standard_errors_[m] for m in months_kept}}
    fitted = choice.log_likelihood
    if sample is not None:
        joint = choice.model.class_log_likelihoods(x, op_recency, op_age)
        fitted = float(logsumexp(joint, axis=1).sum())
    log_likelihood = fitted + float(months @ np.log(index))
    shares = ", ".join(f"{share:.2f}" for share in choice.model.shares)
    note = (
        f"{choice.n_classes} latent classes chosen by BIC (shares {shares}), fitted on the "
        "one-class fit's seasonal index" + (" and sample" if model.note else "")
    )
    notes = "; ".join(n for n in (model.note, note) if n)
    return SeasonalModel(choice.model, (params, errors, log_likelihood), model.as_of, notes)


def with_covariate(
    model: SeasonalModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    groups: Groups,
    inputs: SeasonalInputs,
) -> SeasonalModel:
    """``model`` with its base split by a covariate on its clock: the index kept, each
    group's multipliers on the base's scale parameters fitted on the customers' operational
    histories (:func:`segmint.models.covariates.fit_covariate`, Fader & Hardie 2007).

    Given the index, the likelihood's purchase-month term does not depend on the base
    parameters, so this is the maximum over them and the groups' multipliers with the index
    held where the fit without the covariate put it (a two-step estimate, like the index
    from a sample above :data:`JOINT_CUSTOMERS`); ``note`` says so.

    Raises:
        ModelInputError: ``groups`` does not give one code per customer.
        ConvergenceError: not even the purchase-rate-only split can be identified.
    """
    x, t_x, age = validate_rfm(frequency, recency, T)
    op_recency, op_age = model._clock(t_x, age)
    mixture = isinstance(model.base, LatentClassModel)
    base = model.base.pooled if mixture else model.base
    grouped = fit_covariate(base, x, op_recency, op_age, groups)
    months = MONTH_NAMES[1:]
    params = {**grouped.params_, **{m: model.params_[m] for m in months}}
    errors = {**grouped.standard_errors_, **{m: model.standard_errors_[m] for m in months}}
    log_likelihood = grouped.log_likelihood_ + float(
        np.asarray(inputs.repeat_months, np.float64) @ np.log(model.multipliers)
    )
    note = (
        "the seasonal index estimated without the covariate, the groups' multipliers on its "
        "clock (their standard errors take the index as known)"
        + ("; the groups split the one-class model, not the latent classes" if mixture else "")
    )
    return SeasonalModel(grouped, (params, errors, log_likelihood), model.as_of, note)


def _joint(
    base: Any,
    x: FloatArray,
    exposure_recency: FloatArray,
    exposure_age: FloatArray,
    months: FloatArray,
) -> tuple[dict[str, float], dict[str, float], float]:
    """The maximum-likelihood base parameters and month ratios, their standard errors and
    the log-likelihood, from each customer's weeks per calendar month of exposure."""
    k = len(base.param_names)
    weights = np.ones_like(x)

    def loglik(theta: FloatArray) -> tuple[float, None]:
        ratios = np.concatenate([[1.0], theta[k:]])
        s = ratios / (MONTH_WEIGHTS @ ratios)
        data = Histories.of(x, exposure_recency @ s, exposure_age @ s, weights)
        return base._log_likelihood(theta[:k], data)[0] + float(months @ np.log(s)), None

    names = (*base.param_names, *MONTH_NAMES[1:])
    start_point = np.array([*(base.params_[n] for n in base.param_names), *np.ones(MONTHS - 1)])
    fit = maximise_likelihood(
        loglik,
        float(x.size),
        names,
        StartingPoint(start_point),
        penalizer_coef=float(base.penalizer_coef),
        tol=1e-10,
        max_iter=int(base.max_iter),
        model_name=f"seasonal {type(base).__name__}",
    )
    return dict(fit.params), dict(fit.standard_errors), fit.log_likelihood


def _with_params(base: Any, params: dict[str, float]) -> Any:
    """A copy of ``base`` holding the base parameters among ``params``."""
    fitted = copy.deepcopy(base)
    fitted.params_ = {n: params[n] for n in base.param_names}
    return fitted
