"""BTYD models with a time-invariant covariate: each group of customers scales the model.

Fader & Hardie (2007) bring time-invariant covariates z into the Pareto/NBD and the
BG/NBD through the scale parameters of the mixing distributions, keeping the shapes
common: alpha_i = alpha_0 exp(-gamma_1'z_i) for the purchase rate, and for dropout
a_i = a_0 exp(gamma_2'z_i), b_i = b_0 exp(gamma_3'z_i) (BG/NBD, MBG/NBD) or
beta_i = beta_0 exp(-gamma_2'z_i) (Pareto/NBD). With one categorical covariate
(acquisition channel, segment…) in dummy coding, every group but the reference has a
multiplier on each scale parameter, and the likelihood is the sum over groups of the
base model's likelihood at the group's parameters. Its gradient (and Hessian, when the
base model has one) follows from the base model's by the chain rule, so the fit keeps
the base model's analytic derivatives and its compression of identical histories within
each group.

The multipliers are reported as parameters ``alpha[paid]``, ``a[paid]``… (the group's
parameter over the reference group's) with standard errors from the observed
information; :meth:`CovariateModel.rate_ratios` turns the ``alpha`` multipliers into
what a marketer reads: each group's mean purchase rate relative to the reference group.
Predictions for a customer are the base model's at their group's parameters.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). "Incorporating Time-Invariant Covariates into the
Pareto/NBD and BG/NBD Models". http://brucehardie.com/notes/019/
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from segmint.exceptions import ConvergenceError, ModelInputError
from segmint.models._base import Histories
from segmint.models._optimize import Curvature, StartingPoint, maximise_likelihood
from segmint.models._validation import FloatArray, validate_rfm

MIN_GROUP_CUSTOMERS = 30
"""Groups with fewer customers are pooled into ``other``: a few customers cannot pin
down three multipliers."""

OTHER = "other"
MISSING = "unknown"
SHAPES = ("r", "s")
"""Shape parameters common to every group; every other parameter is a scale."""


@dataclass(frozen=True)
class Groups:
    """A categorical covariate coded for a fit: ``levels[codes[i]]`` is customer i's group.

    The reference group, the most frequent, is ``levels[0]``.
    """

    levels: tuple[str, ...]
    codes: NDArray[np.intp]


def encode_groups(values: ArrayLike, *, min_customers: int = MIN_GROUP_CUSTOMERS) -> Groups:
    """Code a covariate per customer: missing values are ``unknown``, groups of fewer than
    ``min_customers`` customers are pooled into ``other`` (and ``other`` into the largest
    group if it is still that small), the largest group is the reference.

    Raises:
        ModelInputError: fewer than two groups remain (the covariate says nothing).
    """
    labels = np.array([MISSING if _missing(v) else str(v) for v in np.asarray(values, object)])
    names, counts = np.unique(labels, return_counts=True)
    small = set(names[counts < min_customers].tolist())
    if small:
        labels = np.where(np.isin(labels, list(small)), OTHER, labels)
        names, counts = np.unique(labels, return_counts=True)
    if OTHER in names and counts[names == OTHER][0] < min_customers:  # too few even pooled
        labels = np.where(labels == OTHER, names[np.argmax(counts)], labels)
        names, counts = np.unique(labels, return_counts=True)
    if names.size < 2:
        raise ModelInputError(
            f"the covariate has {names.size} group with at least {min_customers} customers "
            f"({', '.join(names.tolist()) or 'none'}), so it cannot tell customers apart. "
            "Choose a covariate with two or more groups."
        )
    order = np.lexsort((names, -counts))  # largest first, ties by name
    levels = tuple(names[order].tolist())
    lookup = {level: i for i, level in enumerate(levels)}
    return Groups(levels, np.array([lookup[v] for v in labels], dtype=np.intp))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value == ""


class CovariateModel:
    """A fitted transaction model whose scale parameters differ by customer group.

    ``params_`` holds the reference group's parameters (the base model's names) and one
    multiplier per other group and scale parameter, ``alpha[group]``…;
    ``standard_errors_`` theirs. Predictions need each customer's group: see :meth:`bind`.
    """

    def __init__(
        self,
        base: Any,
        levels: tuple[str, ...],
        scales: tuple[str, ...],
        fit: tuple[dict[str, float], dict[str, float], float],
    ) -> None:
        self.base = base
        self.levels = levels
        self.scales = scales
        self.params_, self.standard_errors_, self.log_likelihood_ = fit
        self.penalizer_coef = float(base.penalizer_coef)
        self.converged_ = True  # maximise_likelihood raises or warns otherwise

    def level_params(self, level: str) -> dict[str, float]:
        """The base model's parameters for the customers of ``level``."""
        params = {n: self.params_[n] for n in self.base.param_names}
        if level != self.levels[0]:
            for name in self.scales:
                params[name] *= self.params_[f"{name}[{level}]"]
        return params

    def level_model(self, level: str) -> Any:
        """The base model at ``level``'s parameters (a plain BG/NBD, Pareto/NBD…)."""
        model = copy.deepcopy(self.base)
        model.params_ = self.level_params(level)
        return model

    def rate_ratios(self) -> dict[str, float]:
        """Each group's mean purchase rate while active (r/alpha) over the reference group's."""
        reference = self.params_["alpha"]
        return {level: reference / self.level_params(level)["alpha"] for level in self.levels}

    def codes(self, values: ArrayLike) -> NDArray[np.intp]:
        """Each customer's group code; a value not seen in the fit (a new channel) counts as
        ``other`` when the fit pooled one, else as the reference group."""
        fallback = self.levels.index(OTHER) if OTHER in self.levels else 0
        lookup = {level: i for i, level in enumerate(self.levels)}
        labels = (MISSING if _missing(v) else str(v) for v in np.asarray(values, object))
        return np.array([lookup.get(v, fallback) for v in labels], dtype=np.intp)

    def bind(self, values: ArrayLike) -> BoundCovariateModel:
        """The model for the customers whose covariate values are ``values``, in that order."""
        return BoundCovariateModel(self, self.codes(values))


class BoundCovariateModel:
    """A :class:`CovariateModel` for a given list of customers: a transaction model.

    Every per-customer method takes the histories of exactly those customers, in the same
    order; the new-customer quantities average the groups by their shares of the list.
    """

    def __init__(self, model: CovariateModel, codes: NDArray[np.intp]) -> None:
        self.model = model
        self.codes = codes
        self.log_likelihood_ = model.log_likelihood_
        self._models = [model.level_model(level) for level in model.levels]

    def _per_group(self, method: str, t: ArrayLike | None, *customers: ArrayLike) -> FloatArray:
        x, t_x, age = validate_rfm(*customers)
        if x.size != self.codes.size:
            raise ModelInputError(
                f"this model was bound to {self.codes.size} customers' groups but got "
                f"{x.size} histories; bind it to the same customers."
            )
        out: FloatArray | None = None
        for code, model in enumerate(self._models):
            rows = self.codes == code
            if not rows.any():
                continue
            args = (x[rows], t_x[rows], age[rows])
            part = np.asarray(getattr(model, method)(*((t,) if t is not None else ()), *args))
            if out is None:
                out = np.zeros((x.size, *np.shape(part)[1:]))
            out[rows] = part
        return out if out is not None else np.zeros(x.size)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] of each customer under their group's parameters."""
        return self._per_group("predict_purchases", t, frequency, recency, T)

    def predict_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] at every horizon: one row per customer, one column per t."""
        return self._per_group("predict_purchases_grid", horizons, frequency, recency, T)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(active | x, t_x, T) of each customer under their group's parameters."""
        return self._per_group("probability_alive", None, frequency, recency, T)

    def _shares(self) -> FloatArray:
        counts = np.bincount(self.codes, minlength=len(self._models)).astype(np.float64)
        return np.asarray(counts / max(counts.sum(), 1.0), dtype=np.float64)

    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] of a customer just acquired, drawn from these customers' groups."""
        parts = [m.expected_purchases_new_customer(t) for m in self._models]
        return np.asarray(np.tensordot(self._shares(), np.stack(parts), 1), dtype=np.float64)

    def probability_of_purchases(self, k: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = k) of a customer just acquired, drawn from these customers' groups."""
        parts = [m.probability_of_purchases(k, t) for m in self._models]
        return np.asarray(np.tensordot(self._shares(), np.stack(parts), 1), dtype=np.float64)


def fit_covariate(
    base: Any, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, groups: Groups
) -> CovariateModel:
    """Fit ``base``'s model class with a multiplier per group on every scale parameter.

    ``base`` is the fitted model without the covariate: its parameters start the fit and its
    penalty and iteration limit are kept. When the data cannot identify a group's dropout multipliers (a group
    with no sign of dropout), only the purchase rate (``alpha``) varies by group.

    Raises:
        ModelInputError: ``groups`` does not give one code per customer.
        ConvergenceError: not even the purchase-rate-only fit can be identified.
    """
    x, t_x, age = validate_rfm(frequency, recency, T)
    if groups.codes.shape != x.shape:
        raise ModelInputError(
            f"groups has {groups.codes.size} codes for {x.size} customers; give one per customer."
        )
    data = [
        Histories.of_customers(x[rows], t_x[rows], age[rows], None)
        for rows in (groups.codes == code for code in range(len(groups.levels)))
    ]
    scales = tuple(n for n in base.param_names if n not in SHAPES)
    try:
        return _fit(base, data, groups.levels, scales)
    except ConvergenceError:
        if scales == ("alpha",):
            raise
        return _fit(base, data, groups.levels, ("alpha",))


def _fit(
    base: Any, data: list[Histories], levels: tuple[str, ...], scales: tuple[str, ...]
) -> CovariateModel:
    """The maximum-likelihood fit of the groups' multipliers on ``scales`` with the base."""
    names = tuple(base.param_names)
    k, columns = len(names), [names.index(s) for s in scales]
    likelihood = _GroupedLikelihood(base, data, k, columns)
    multiplier_names = tuple(f"{s}[{level}]" for level in levels[1:] for s in scales)
    start = np.array([*(base.params_[n] for n in names), *np.ones(len(multiplier_names))])
    fit = maximise_likelihood(
        likelihood.value,
        float(sum(d.weights.sum() for d in data)),
        (*names, *multiplier_names),
        StartingPoint(start),
        penalizer_coef=float(base.penalizer_coef),
        tol=1e-10,
        max_iter=int(base.max_iter),
        model_name=f"{type(base).__name__} with a covariate",
        curvature=likelihood.curvature if likelihood.has_curvature else None,
    )
    fitted_base = copy.deepcopy(base)
    fitted_base.params_ = {n: fit.params[n] for n in names}
    return CovariateModel(
        fitted_base, levels, scales, (fit.params, fit.standard_errors, fit.log_likelihood)
    )


class _GroupedLikelihood:
    """The sum over groups of the base log-likelihood at theta_g = theta_0 * f_g.

    theta = (theta_0, f_1, f_2, …) with f_g the multipliers of group g on the scale
    columns (the reference group's are 1). With J_g = d theta_g / d theta, the gradient is
    sum_g J_g' grad_g and the Hessian sum_g J_g' H_g J_g plus the second derivative of
    the products theta_0[c] f_g[c], which is 1 for each pair (theta_0[c], f_g[c]).
    """

    def __init__(self, base: Any, data: list[Histories], k: int, columns: list[int]) -> None:
        self.base, self.data, self.k, self.columns = base, data, k, columns
        self.curvatures: list[Curvature | None] = [base._curvature(d) for d in data]
        self.has_curvature = all(c is not None for c in self.curvatures)

    def _jacobian(self, theta: FloatArray, group: int) -> tuple[FloatArray, FloatArray]:
        """theta_g and d theta_g / d theta."""
        k, m = self.k, len(self.columns)
        jacobian = np.zeros((k, theta.size))
        jacobian[:, :k] = np.eye(k)
        theta_g = theta[:k].copy()
        if group > 0:
            offset = k + (group - 1) * m
            for j, c in enumerate(self.columns):
                f = theta[offset + j]
                theta_g[c] *= f
                jacobian[c, c] = f
                jacobian[c, offset + j] = theta[c]
        return theta_g, jacobian

    def value(self, theta: FloatArray) -> tuple[float, FloatArray | None]:
        """Total log-likelihood and its gradient (None when the base model gives none)."""
        total, grad, numeric = 0.0, np.zeros(theta.size), False
        for group, data in enumerate(self.data):
            theta_g, jacobian = self._jacobian(theta, group)
            ll, grad_g = self.base._log_likelihood(theta_g, data)
            total += ll
            if grad_g is None:
                numeric = True
            else:
                grad += jacobian.T @ grad_g
        return total, None if numeric else grad

    def curvature(self, theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Total log-likelihood, gradient and Hessian from the base model's per group."""
        total, grad, hessian = 0.0, np.zeros(theta.size), np.zeros((theta.size, theta.size))
        k, m = self.k, len(self.columns)
        for group, curvature in enumerate(self.curvatures):
            assert curvature is not None  # only called when every group has one
            theta_g, jacobian = self._jacobian(theta, group)
            ll, grad_g, hessian_g = curvature(theta_g)
            total += ll
            grad += jacobian.T @ grad_g
            hessian += jacobian.T @ hessian_g @ jacobian
            if group > 0:
                for j, c in enumerate(self.columns):
                    cross = k + (group - 1) * m + j
                    hessian[c, cross] += grad_g[c]
                    hessian[cross, c] += grad_g[c]
        return total, grad, hessian
