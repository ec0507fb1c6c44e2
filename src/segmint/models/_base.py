"""Maximum-likelihood machinery shared by the buy-till-you-die (BTYD) and spend models.

Every model here is fitted the same way: identical customer histories are compressed
into weights (fitting scales with distinct histories, not customers), the mean negative
log-likelihood is minimised over log-parameters with L-BFGS-B (analytic gradients where
the model provides them, central differences otherwise), an optional L2 penalty on the
log-parameters keeps small data sets identified, and standard errors come from a numeric
Hessian of the log-likelihood at the optimum (delta method back to natural parameters).
"""

from __future__ import annotations

import warnings
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from segmint.exceptions import ConvergenceError, NotFittedError
from segmint.models._validation import (
    FloatArray,
    ModelInputError,
    as_float_array,
    validate_rfm,
    validate_weights,
)

LogLikelihood = Callable[[FloatArray], tuple[float, FloatArray | None]]
"""Maps natural parameters to the weighted total log-likelihood and, optionally, its
gradient with respect to them; ``None`` asks for a numeric gradient."""

_LOG_BOUND = 18.0  # |log parameter| beyond this means the data do not pin the parameter down
_FD_STEP = 1e-6  # central-difference step (log-parameter space) for numeric gradients
_HESSIAN_STEP = 1e-4  # step for the numeric Hessian behind the standard errors
_MAX_LOG_SE = 10.0  # a log-parameter this uncertain (a factor e^10) is not identified


@dataclass(frozen=True)
class MaximumLikelihoodFit:
    """What one maximisation produced, in natural parameters."""

    params: dict[str, float]
    log_likelihood: float
    standard_errors: dict[str, float]
    converged: bool


def compress_rows(
    *columns: FloatArray, weights: FloatArray
) -> tuple[tuple[FloatArray, ...], FloatArray]:
    """Merge identical rows of ``columns`` into one row each, summing their ``weights``.

    Rows come back sorted by the first column, then the second, and so on. A lexicographic
    sort of the columns is an order of magnitude faster than ``np.unique(axis=0)``.
    """
    order = np.lexsort(columns[::-1])
    stacked = np.column_stack([column[order] for column in columns])
    starts = np.ones(stacked.shape[0], dtype=bool)
    starts[1:] = np.any(stacked[1:] != stacked[:-1], axis=1)
    group = np.cumsum(starts) - 1
    counts = np.bincount(group, weights=weights[order], minlength=int(starts.sum()))
    keep = counts > 0
    unique = stacked[starts][keep]
    return tuple(unique[:, j] for j in range(unique.shape[1])), counts[keep].astype(np.float64)


def weighted_total(
    ll_rows: FloatArray, grad_rows: FloatArray | None, weights: FloatArray
) -> tuple[float, FloatArray | None]:
    """Collapse per-row log-likelihoods (and gradients) into weighted totals."""
    return float(weights @ ll_rows), None if grad_rows is None else weights @ grad_rows


class _Objective:
    """Weighted mean negative log-likelihood over log-parameters, with value and gradient."""

    def __init__(self, loglik: LogLikelihood, weights: FloatArray, penalizer_coef: float) -> None:
        self.loglik = loglik
        self.weights = weights
        self.total = float(weights.sum())
        self.penalizer_coef = penalizer_coef

    def value(self, phi: FloatArray) -> float:
        ll, _ = self.loglik(np.exp(phi))
        return float(-ll / self.total + self.penalizer_coef * phi @ phi)

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(phi)
        ll, grad_ll = self.loglik(theta)
        if grad_ll is None:
            return self.value(phi), self._numeric_grad(phi)
        value = -ll / self.total + self.penalizer_coef * phi @ phi
        grad = -grad_ll * theta / self.total + 2 * self.penalizer_coef * phi
        return float(value), grad

    def _numeric_grad(self, phi: FloatArray) -> FloatArray:
        grad = np.empty_like(phi)
        for j in range(phi.size):
            step = np.zeros_like(phi)
            step[j] = _FD_STEP
            grad[j] = (self.value(phi + step) - self.value(phi - step)) / (2 * _FD_STEP)
        return grad


def _standard_errors(objective: _Objective, phi: FloatArray) -> FloatArray:
    """Standard errors of log-parameters from the observed information (penalty included).

    The Hessian of the total negative log-likelihood in log-parameter space comes from
    central differences of the gradient; NaN where it is not positive definite.
    """
    k = phi.size
    hessian = np.empty((k, k))
    for j in range(k):
        step = np.zeros(k)
        step[j] = _HESSIAN_STEP
        upper = objective.value_and_grad(phi + step)[1]
        lower = objective.value_and_grad(phi - step)[1]
        hessian[:, j] = (upper - lower) / (2 * _HESSIAN_STEP) * objective.total
    hessian = (hessian + hessian.T) / 2
    try:
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    variances = np.diag(covariance)
    with np.errstate(invalid="ignore"):
        return np.where(variances > 0, np.sqrt(variances), np.nan)


def maximise_likelihood(
    loglik: LogLikelihood,
    weights: FloatArray,
    names: tuple[str, ...],
    start: FloatArray,
    *,
    penalizer_coef: float,
    tol: float,
    max_iter: int,
    model_name: str,
) -> MaximumLikelihoodFit:
    """Maximise a weighted log-likelihood over positive parameters ``names``.

    Raises :class:`ConvergenceError` when the optimiser stops away from an optimum or the
    data cannot identify a parameter (it runs to a bound, or its log-scale standard error
    exceeds 10, i.e. the likelihood is flat in it); warns with
    :class:`sklearn.exceptions.ConvergenceWarning` when only ``max_iter`` was too small.
    """
    objective = _Objective(loglik, weights, penalizer_coef)
    result = minimize(
        objective.value_and_grad,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(names),
        options={"maxiter": max_iter, "ftol": tol, "gtol": tol * 10},
    )
    phi = np.asarray(result.x, dtype=np.float64)
    if not np.isfinite(result.fun):
        raise ConvergenceError(
            f"{model_name} fit failed: the log-likelihood is not finite at the optimiser's "
            f"last point {dict(zip(names, np.exp(phi).round(6), strict=True))}. "
            "Check the inputs for extreme values, or set penalizer_coef > 0."
        )
    log_errors = _standard_errors(objective, phi)
    unidentified = [
        name
        for name, value, error in zip(names, phi, log_errors, strict=True)
        if abs(value) > _LOG_BOUND - 0.01 or not error < _MAX_LOG_SE
    ]
    if unidentified:
        values = ", ".join(f"{n}={np.exp(v):.3g}" for n, v in zip(names, phi, strict=True))
        raise ConvergenceError(
            f"{model_name} cannot be identified from these data: the likelihood is flat in "
            f"{', '.join(unidentified)} ({values}) over {weights.sum():g} customers. Use more "
            "customers or a longer history, or set penalizer_coef (e.g. 0.01) to regularise."
        )
    hit_limit = result.nit >= max_iter
    grad_small = bool(np.max(np.abs(objective.value_and_grad(phi)[1])) < 1e-4)
    converged = bool(result.success) or grad_small
    if not converged and not hit_limit:
        raise ConvergenceError(
            f"{model_name} fit did not converge: {result.message} after {result.nit} "
            "iterations. Rescale time (e.g. weeks instead of days) or set penalizer_coef > 0."
        )
    if not converged:
        warnings.warn(
            f"{model_name} stopped at max_iter={max_iter} before converging; raise max_iter.",
            ConvergenceWarning,
            stacklevel=3,
        )
    ll, _ = loglik(np.exp(phi))
    errors = np.exp(phi) * log_errors  # delta method: SE(theta) = theta SE(log theta)
    return MaximumLikelihoodFit(
        params=dict(zip(names, np.exp(phi).tolist(), strict=True)),
        log_likelihood=float(ll),
        standard_errors=dict(zip(names, errors.tolist(), strict=True)),
        converged=converged,
    )


class MaximumLikelihoodModel(BaseEstimator):  # type: ignore[misc]
    """scikit-learn style base: ``__init__`` stores options, ``fit`` sets ``*_`` attributes.

    Parameters
    ----------
    penalizer_coef:
        Weight of an L2 penalty on the log-parameters added to the mean negative
        log-likelihood. 0 gives the plain maximum-likelihood estimate (the published
        numbers); a small value (0.001-0.1) keeps fits stable for a few hundred customers.
    tol:
        Relative tolerance on the objective passed to L-BFGS-B.
    max_iter:
        Maximum optimiser iterations.
    """

    param_names: ClassVar[tuple[str, ...]]
    params_: dict[str, float]
    log_likelihood_: float
    standard_errors_: dict[str, float]
    converged_: bool
    n_customers_: float

    def __init__(
        self, *, penalizer_coef: float = 0.0, tol: float = 1e-10, max_iter: int = 1000
    ) -> None:
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    def _maximise(self, loglik: LogLikelihood, weights: FloatArray, start: FloatArray) -> None:
        if not self.penalizer_coef >= 0:
            raise ModelInputError(
                f"penalizer_coef must be >= 0; got {self.penalizer_coef!r}. Use 0 for no penalty."
            )
        if not self.tol > 0 or int(self.max_iter) < 1:
            raise ModelInputError(
                f"tol must be > 0 and max_iter >= 1; got tol={self.tol!r}, "
                f"max_iter={self.max_iter!r}."
            )
        fit = maximise_likelihood(
            loglik,
            weights,
            self.param_names,
            start,
            penalizer_coef=float(self.penalizer_coef),
            tol=float(self.tol),
            max_iter=int(self.max_iter),
            model_name=type(self).__name__,
        )
        self.params_ = fit.params
        self.log_likelihood_ = fit.log_likelihood
        self.standard_errors_ = fit.standard_errors
        self.converged_ = fit.converged
        self.n_customers_ = float(weights.sum())

    def _fitted_params(self) -> tuple[float, ...]:
        """Return the fitted parameters in ``param_names`` order, or raise NotFittedError."""
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit(...) before predicting."
            )
        return tuple(self.params_[name] for name in self.param_names)


def check_has_repeat_buyers(x: FloatArray, weights: FloatArray, model_name: str) -> None:
    """Raise ConvergenceError when no customer (or none with weight) made a repeat purchase."""
    if x.size == 0 or weights.sum() == 0:
        raise ConvergenceError(
            f"{model_name} needs customers to fit; got an empty input. "
            "Pass one row per customer with frequency, recency and age."
        )
    if not np.any((x > 0) & (weights > 0)):
        raise ConvergenceError(
            f"{model_name} cannot be fitted: none of the {weights.sum():g} customers made a "
            "repeat purchase (all frequencies are 0), so purchase rates and dropout cannot be "
            "told apart. Use a longer calibration period or more customers."
        )


@dataclass(frozen=True)
class Histories:
    """Valid, compressed (x, t_x, T) rows, with the distinct purchase counts listed once.

    Terms that depend on x alone (gamma and digamma functions) are evaluated on
    ``counts`` and gathered through ``count_index``: a few hundred distinct counts
    instead of one evaluation per row.
    """

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    weights: FloatArray
    counts: FloatArray
    count_index: NDArray[np.intp]
    count_weights: FloatArray

    @classmethod
    def of(cls, x: FloatArray, t_x: FloatArray, T: FloatArray, weights: FloatArray) -> Histories:
        counts, index = np.unique(x, return_inverse=True)
        index = index.ravel()
        count_weights = np.bincount(index, weights=weights, minlength=counts.size)
        return cls(x, t_x, T, weights, counts, index, count_weights.astype(np.float64))


class ContinuousTimeModel(MaximumLikelihoodModel):
    """A continuous-time BTYD model fitted on (frequency, recency, T) per customer."""

    @abstractmethod
    def _log_likelihood(
        self, theta: FloatArray, data: Histories
    ) -> tuple[float, FloatArray | None]:
        """Weighted total log-likelihood (and gradient w.r.t. ``theta``) of compressed rows."""

    @staticmethod
    def _start(x: FloatArray, T: FloatArray, weights: FloatArray) -> FloatArray:
        """Starting values: unit shapes, scale matched to the mean purchase rate."""
        rate = max(float(weights @ x) / float(weights @ T), 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0, 1.0])

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit by maximum likelihood and return ``self``.

        Parameters
        ----------
        frequency:
            Number of repeat purchases per customer (x).
        recency:
            Age of the customer at the last repeat purchase (t_x), 0 when x = 0.
        T:
            Age of the customer at the end of the calibration period, same time unit.
        weights:
            Optional number of customers each row stands for.
        """
        x, t_x, age = validate_rfm(frequency, recency, T)
        w = validate_weights(weights, x.size)
        check_has_repeat_buyers(x, w, type(self).__name__)
        (x, t_x, age), w = compress_rows(x, t_x, age, weights=w)
        data = Histories.of(x, t_x, age, w)
        self._maximise(lambda theta: self._log_likelihood(theta, data), w, self._start(x, age, w))
        return self

    def _customers(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        return validate_rfm(frequency, recency, T)

    @staticmethod
    def _horizon(t: ArrayLike, name: str = "t") -> FloatArray:
        return as_float_array(name, t, per_customer=False)
