"""Estimator base classes shared by the buy-till-you-die (BTYD) and spend models.

Every model here is fitted the same way: inputs are validated once, identical customer
histories are compressed into weights (fitting scales with distinct histories, not
customers), and the weighted log-likelihood is maximised over log-parameters by
:mod:`segmint.models._optimize`, with an optional L2 penalty that keeps small data sets
identified.
"""

from __future__ import annotations

import warnings
from abc import abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator

from segmint.exceptions import ConvergenceError, ModelInputError
from segmint.models._distinct import (
    distinct_code_rows,
    distinct_keys,
    distinct_rows,
    distinct_values,
    distinct_whole_rows,
)
from segmint.models._fitted import check_fitted
from segmint.models._optimize import (
    Curvature,
    LogLikelihood,
    StartingPoint,
    maximise_likelihood,
    rough_maximum,
    single_threaded_blas,
)
from segmint.models._validation import (
    FloatArray,
    as_float_array,
    validate_rfm,
    validate_weights,
)


def compress_rows(
    *columns: FloatArray, weights: FloatArray
) -> tuple[tuple[FloatArray, ...], FloatArray]:
    """Merge identical rows of ``columns`` into one row each, summing their ``weights``.

    Rows come back in order of first appearance; rows whose weights sum to 0 are dropped.
    """
    row, distinct = distinct_rows(*columns)
    counts = np.bincount(row, weights=weights, minlength=distinct[0].size)
    keep = counts > 0
    return tuple(values[keep] for values in distinct), counts[keep].astype(np.float64)


def distinct_pairs(
    first: FloatArray, second: FloatArray
) -> tuple[FloatArray, FloatArray, NDArray[np.intp]]:
    """The distinct (first, second) pairs and each row's index into them.

    Predictions whose expensive part depends on two of a customer's numbers only (the
    purchase count and an age) evaluate it once per pair and gather it back: a million
    customers with ages in days share a few tens of thousands of (x, T) pairs.
    """
    first_codes, first_levels = pd.factorize(first)
    second_codes, second_levels = pd.factorize(second)
    width = max(len(second_levels), 1)
    index, keys = pd.factorize(first_codes.astype(np.int64) * width + second_codes)
    return (
        np.asarray(first_levels, dtype=np.float64)[keys // width],
        np.asarray(second_levels, dtype=np.float64)[keys % width],
        index,
    )


def weighted_total(
    ll_rows: FloatArray, grad_rows: FloatArray | None, weights: FloatArray
) -> tuple[float, FloatArray | None]:
    """Collapse per-row log-likelihoods (and gradients) into weighted totals."""
    return float(weights @ ll_rows), None if grad_rows is None else weights @ grad_rows


_WARM_START_ROWS = 20_000  # subsample size for starting values on large inputs


def warm_start_rows(n_rows: int) -> NDArray[np.intp] | None:
    """A fixed random subsample of rows for starting values, or None when the input is small.

    Fitting the subsample first leaves the full data only a few Newton steps with the
    subsample's curvature (see :func:`segmint.models._optimize.rough_maximum`).
    """
    if n_rows < 5 * _WARM_START_ROWS:
        return None
    return np.random.default_rng(0).choice(n_rows, _WARM_START_ROWS, replace=False)


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

    def _maximise(
        self,
        loglik: LogLikelihood,
        weights: FloatArray,
        start: FloatArray | StartingPoint,
        curvature: Curvature | None = None,
    ) -> None:
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
            float(weights.sum()),
            self.param_names,
            start if isinstance(start, StartingPoint) else StartingPoint(start),
            penalizer_coef=float(self.penalizer_coef),
            tol=float(self.tol),
            max_iter=int(self.max_iter),
            model_name=type(self).__name__,
            curvature=curvature,
        )
        self.params_ = fit.params
        self.log_likelihood_ = fit.log_likelihood
        self.standard_errors_ = fit.standard_errors
        self.converged_ = fit.converged
        self.n_customers_ = float(weights.sum())

    def _rough_start(
        self,
        sample: LogLikelihood,
        sample_weight: float,
        start: FloatArray,
        curvature: Curvature | None = None,
    ) -> StartingPoint:
        """A loosely converged fit of a subsample's likelihood, to start the full fit from."""
        return rough_maximum(sample, sample_weight, start, float(self.penalizer_coef), curvature)

    def _fitted_params(self) -> tuple[float, ...]:
        """Return the fitted parameters in ``param_names`` order, or raise NotFittedError."""
        check_fitted(self, "params_")
        return tuple(self.params_[name] for name in self.param_names)


def check_has_repeat_buyers(x: FloatArray, weights: FloatArray | None, model_name: str) -> None:
    """Raise ConvergenceError when no customer (or none with weight) made a repeat purchase.

    ``weights`` None means every customer counts once.
    """
    total = float(x.size) if weights is None else float(weights.sum())
    if x.size == 0 or total == 0:
        raise ConvergenceError(
            f"{model_name} needs customers to fit; got an empty input. "
            "Pass one row per customer with frequency, recency and age."
        )
    if not np.any(x > 0 if weights is None else (x > 0) & (weights > 0)):
        raise ConvergenceError(
            f"{model_name} cannot be fitted: none of the {total:g} customers made a "
            "repeat purchase (all frequencies are 0), so purchase rates and dropout cannot be "
            "told apart. Use a longer calibration period or more customers."
        )


class NewCustomerExpectation:
    """The old name of ``expected_purchases_new_customer``, kept one release with a warning.

    ``expected_purchases(t)`` here has always been E[X(t)] of a customer *just acquired*;
    PyMC-Marketing's method of that name is the conditional expectation of a given
    customer, so the same call gave different numbers in the two libraries.
    """

    @abstractmethod
    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected purchases in (0, t] of a customer just acquired."""

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """Deprecated: use :meth:`expected_purchases_new_customer` (same result), or
        ``predict_purchases(t, frequency, recency, T)`` for a given customer's expectation."""
        warnings.warn(
            f"{type(self).__name__}.expected_purchases(t) is renamed "
            "expected_purchases_new_customer(t): it is the expectation for a customer just "
            "acquired, not for a given customer (that is predict_purchases(t, frequency, "
            "recency, T)). The old name will be removed in the next release.",
            FutureWarning,
            stacklevel=2,
        )
        return self.expected_purchases_new_customer(t)


@dataclass(frozen=True)
class Histories:
    """Valid, compressed (x, t_x, T) rows, with distinct counts and ages listed once.

    Terms that depend on x alone (gamma and digamma functions) are evaluated on
    ``counts`` and gathered through ``count_index``; terms in an age (log(alpha + T),
    log(alpha + t_x)) are evaluated on ``ages`` and gathered through ``T_index`` and
    ``t_x_index``. Ages measured in days take a few hundred distinct values, so most of
    the transcendental work is done once per value instead of once per row.
    """

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    weights: FloatArray
    counts: FloatArray
    count_index: NDArray[np.intp]
    count_weights: FloatArray
    ages: FloatArray
    T_index: NDArray[np.intp]
    t_x_index: NDArray[np.intp]

    @cached_property
    def count_age_pairs(
        self,
    ) -> tuple[FloatArray, FloatArray, NDArray[np.intp], NDArray[np.intp]]:
        """Distinct (x, age) pairs among (x, T) and (x, t_x), and each row's two pair indices.

        For terms that depend on a count and an age together (the Pareto/NBD's 2F1).
        """
        n_ages = self.ages.size
        keys = np.concatenate(
            [self.count_index * n_ages + self.T_index, self.count_index * n_ages + self.t_x_index]
        )
        index, pairs = pd.factorize(keys)
        return (
            self.counts[pairs // n_ages],
            self.ages[pairs % n_ages],
            index[: self.x.size],
            index[self.x.size :],
        )

    @classmethod
    def of(cls, x: FloatArray, t_x: FloatArray, T: FloatArray, weights: FloatArray) -> Histories:
        """Index the counts and ages of rows that are already distinct (or weighted)."""
        count_index, counts = distinct_values(x)
        age_index, ages = distinct_values(np.concatenate([T, t_x]))
        return cls._indexed(x, t_x, T, weights, counts, count_index, ages, age_index)

    @classmethod
    def of_customers(
        cls, x: FloatArray, t_x: FloatArray, T: FloatArray, weights: FloatArray | None
    ) -> Histories:
        """Merge identical customers into weighted rows, then index their counts and ages.

        ``weights`` None means every customer counts once.

        The rows of :func:`compress_rows`, in the same order (first appearance). Whole
        numbers (counts, ages in days or in weeks of days) are merged by their packed
        values and the counts and ages then indexed on the distinct rows, which are far
        fewer than customers; other ages are indexed on the customers first and the rows
        merged by their codes, so each column is hashed once.
        """
        whole = distinct_whole_rows(x, t_x, T)
        if whole is not None:
            row_weights = np.bincount(whole.row, weights=weights, minlength=whole.keys[0].size)
            (k_x, k_t_x, k_T), (d_x, d_t_x, d_T) = whole.keys, whole.denominators
            del whole  # a million customers' row index: free it before indexing the rows
            x_r, t_x_r, T_r = k_x / d_x, k_t_x / d_t_x, k_T / d_T
            count_index, counts = distinct_keys(k_x, d_x)
            if d_t_x == d_T:  # ages share one scale: factorise their whole numbers
                age_index, ages = distinct_keys(np.concatenate([k_T, k_t_x]), d_T)
            else:
                age_index, ages = distinct_values(np.concatenate([T_r, t_x_r]))
        else:
            count_codes, counts = distinct_values(x)
            age_codes, ages = distinct_values(np.concatenate([T, t_x]))
            row, (count_index, T_index, t_x_index) = distinct_code_rows(
                [
                    (count_codes, max(counts.size, 1)),
                    (age_codes[: x.size], max(ages.size, 1)),
                    (age_codes[x.size :], max(ages.size, 1)),
                ]
            )
            row_weights = np.bincount(row, weights=weights, minlength=count_index.size)
            x_r, t_x_r, T_r = counts[count_index], ages[t_x_index], ages[T_index]
            age_index = np.concatenate([T_index, t_x_index])
        keep = row_weights > 0
        if not keep.all():  # only with weights: rows whose customers all weigh 0
            n_rows = x_r.size
            x_r, t_x_r, T_r = x_r[keep], t_x_r[keep], T_r[keep]
            row_weights, count_index = row_weights[keep], count_index[keep]
            age_index = np.concatenate([age_index[:n_rows][keep], age_index[n_rows:][keep]])
        return cls._indexed(
            x_r,
            t_x_r,
            T_r,
            np.asarray(row_weights, dtype=np.float64),
            counts,
            count_index,
            ages,
            age_index,
        )

    @classmethod
    def _indexed(
        cls,
        x: FloatArray,
        t_x: FloatArray,
        T: FloatArray,
        weights: FloatArray,
        counts: ArrayLike,
        count_index: NDArray[np.intp],
        ages: ArrayLike,
        age_index: NDArray[np.intp],
    ) -> Histories:
        """Assemble from the codes of x and of the ages (T first, then t_x)."""
        counts = np.asarray(counts, dtype=np.float64)
        count_weights = np.bincount(count_index, weights=weights, minlength=counts.size)
        return cls(
            x,
            t_x,
            T,
            weights,
            counts,
            count_index,
            count_weights.astype(np.float64),
            np.asarray(ages, dtype=np.float64),
            age_index[: T.size],
            age_index[T.size :],
        )


class ContinuousTimeModel(MaximumLikelihoodModel):
    """A continuous-time BTYD model fitted on (frequency, recency, T) per customer."""

    @abstractmethod
    def _log_likelihood(
        self, theta: FloatArray, data: Histories
    ) -> tuple[float, FloatArray | None]:
        """Weighted total log-likelihood (and gradient w.r.t. ``theta``) of compressed rows."""

    def _curvature(self, data: Histories) -> Curvature | None:
        """The log-likelihood of ``data`` with its analytic Hessian, for models that have one.

        With it the fit takes exact Newton steps and the standard errors are analytic;
        without it (None) quasi-Newton steps and finite differences stand in.
        """
        return None

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
        w = None if weights is None else validate_weights(weights, x.size)
        check_has_repeat_buyers(x, w, type(self).__name__)
        with single_threaded_blas():
            data = Histories.of_customers(x, t_x, age, w)
            self._maximise(
                lambda theta: self._log_likelihood(theta, data),
                data.weights,
                self._warm_start(data),
                self._curvature(data),
            )
        return self

    def _warm_start(self, data: Histories) -> StartingPoint:
        """Starting values; on large inputs, the rough fit to a fixed random subsample.

        The optimiser's iterations then run on the subsample and the full data only needs
        a few Newton steps with the subsample's curvature.
        """
        start = self._start(data.x, data.T, data.weights)
        rows = warm_start_rows(data.x.size)
        if rows is None or not np.any(data.x > 0):
            return StartingPoint(start)
        sample = Histories.of(data.x[rows], data.t_x[rows], data.T[rows], data.weights[rows])
        return self._rough_start(
            lambda theta: self._log_likelihood(theta, sample),
            float(sample.weights.sum()),
            start,
            self._curvature(sample),
        )

    def _customers(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        return validate_rfm(frequency, recency, T)

    @staticmethod
    def _horizon(t: ArrayLike, name: str = "t") -> FloatArray:
        return as_float_array(name, t, per_customer=False)
