"""Maximising a weighted log-likelihood over positive parameters.

The mean negative log-likelihood (plus an optional L2 penalty on the log-parameters) is
minimised over log-parameters. With no curvature known in advance, L-BFGS-B does the
work, using analytic gradients where the model gives them and central differences
otherwise. On large inputs the caller first fits a random subsample; the full data then
only needs a few Newton steps: exact ones when the model gives its Hessian (quadratic
convergence: three or four likelihood evaluations), otherwise quasi-Newton ones from the
subsample's Hessian (the Hessian of a mean log-likelihood barely changes with the
sample). Standard errors come from the Hessian at the optimum (observed information),
analytic when the model gives it and a forward difference of gradients otherwise, mapped
to natural parameters by the delta method.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from segmint.exceptions import AdvisedWarning, ConvergenceError
from segmint.models._validation import FloatArray

LogLikelihood = Callable[[FloatArray], tuple[float, FloatArray | None]]
"""Maps natural parameters to the weighted total log-likelihood and, optionally, its
gradient with respect to them; ``None`` asks for a numeric gradient."""

Curvature = Callable[[FloatArray], tuple[float, FloatArray, FloatArray]]
"""Maps natural parameters to the weighted total log-likelihood, its gradient and its
Hessian with respect to them."""

_LOG_BOUND = 18.0  # |log parameter| beyond this means the data do not pin the parameter down
_FD_STEP = 1e-6  # central-difference step (log-parameter space) for numeric gradients
_HESSIAN_STEP = 1e-4  # forward-difference step for Hessians
_MAX_LOG_SE = 10.0  # a log-parameter this uncertain (a factor e^10) is not identified
_NEWTON_STEPS = 30
_NEWTON_TOL = 1e-8  # exact Newton stops once a step would move every log-parameter less


PENALTY = "penalizer_coef"
"""How a caller of the models names the penalty: the estimators' argument."""


class AdvisedFitError(ConvergenceError):
    """A fit refused with advice that may name the penalty.

    The message is :attr:`finding` followed by the advice with the penalty named as a
    caller of the model names it (``penalizer_coef``); a caller that names it otherwise
    (the ``--penalizer`` of a command) gets its own wording from :meth:`naming`.

    Attributes:
        finding: what went wrong, without advice.
        advice: what to do, ``{penalty}`` standing for the penalty's name.
    """

    def __init__(self, finding: str, advice: str) -> None:
        self.finding = finding
        self.advice = advice
        super().__init__(self.naming(PENALTY))

    def naming(self, penalty: str) -> str:
        """The message with the penalty called ``penalty``."""
        return f"{self.finding} {self.advice.format(penalty=penalty)}"


ITERATION_LIMIT = "max_iter"
"""How a caller of the models names the iteration limit: the estimators' argument."""


class IterationLimitWarning(ConvergenceWarning, AdvisedWarning):  # type: ignore[misc]
    """A fit stopped at its iteration limit before converging; its parameters are kept.

    An :class:`~segmint.exceptions.AdvisedWarning` whose advice names the limit as a
    caller of the model names it (``max_iter``), and a scikit-learn ``ConvergenceWarning``,
    so filters set for those catch it.
    """

    def __init__(self, finding: str, advice: str) -> None:
        AdvisedWarning.__init__(self, finding, advice, ITERATION_LIMIT)


class NoPlainFitError(AdvisedFitError):
    """A plain maximum-likelihood fit gave no answer, and where its optimiser stopped.

    The message is :attr:`finding` followed by advice for a caller of the model (the
    Python arguments to change); a command-line caller keeps the finding and gives its own
    flags instead.

    Attributes:
        params: the natural parameters where the optimiser stopped.
        log_likelihood: the (unpenalised) log-likelihood there, so a caller can compare a
            limiting model's maximum with it (:mod:`segmint.models.boundary`).
    """

    def __init__(self, finding: str, advice: str, params: dict[str, float], ll: float) -> None:
        super().__init__(finding, advice)
        self.params = params
        self.log_likelihood = ll

    @property
    def reason(self) -> str:
        """Why there is no plain fit, as a clause for a note."""
        raise NotImplementedError


class IdentificationError(NoPlainFitError):
    """The maximum of the likelihood is on the boundary, or the likelihood is flat there.

    Attributes:
        unidentified: the parameters the data do not pin down.
    """

    def __init__(
        self,
        finding: str,
        advice: str,
        unidentified: tuple[str, ...],
        params: dict[str, float],
        ll: float,
    ) -> None:
        super().__init__(finding, advice, params, ll)
        self.unidentified = unidentified

    @property
    def reason(self) -> str:
        """Why there is no plain fit, as a clause for a note."""
        return f"the likelihood is flat in {', '.join(self.unidentified)}"


class StalledFitError(NoPlainFitError):
    """The optimiser stopped early: neither at an optimum nor at ``max_iter``.

    L-BFGS-B stops this way ("ABNORMAL") when its line search finds no lower point, which
    happens on a nearly flat ridge running towards the boundary: where it stops then
    depends on the last bits of the input (a sum taken in a different order).

    Attributes:
        stop: the optimiser's message and iterations.
    """

    def __init__(
        self, finding: str, advice: str, stop: str, params: dict[str, float], ll: float
    ) -> None:
        super().__init__(finding, advice, params, ll)
        self.stop = stop

    @property
    def reason(self) -> str:
        """Why there is no plain fit, as a clause for a note."""
        return f"the plain fit stopped early ({self.stop}) on a flat ridge"


@dataclass(frozen=True)
class MaximumLikelihoodFit:
    """What one maximisation produced, in natural parameters."""

    params: dict[str, float]
    log_likelihood: float
    standard_errors: dict[str, float]
    converged: bool


@dataclass(frozen=True)
class StartingPoint:
    """Where to start: natural parameters and, if known, the Hessian of the mean objective."""

    params: FloatArray
    curvature: FloatArray | None = None


@cache
def _thread_pools() -> ThreadpoolController:
    """The process's thread pools, found once: listing them reads /proc, which costs more than a small fit."""
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager[object]:
    """BLAS limited to one thread while the context lasts.

    The likelihoods are vector dot products, for which waking BLAS threads costs more
    than it saves (ten times more on a busy machine); fits run wholly inside this.
    """
    limiter: AbstractContextManager[object] = _thread_pools().limit(limits=1, user_api="blas")
    return limiter


class _Objective:
    """Mean negative log-likelihood plus penalty, over log-parameters, with its derivatives.

    ``curvature``, when the model has one, gives the analytic Hessian; without it the
    Hessian is a forward difference of gradients.
    """

    def __init__(
        self,
        loglik: LogLikelihood,
        total_weight: float,
        penalizer_coef: float,
        curvature: Curvature | None = None,
    ) -> None:
        self.loglik = loglik
        self.total = total_weight
        self.penalizer_coef = penalizer_coef
        self.curvature = curvature

    def value(self, phi: FloatArray) -> float:
        """The objective; +inf where the likelihood cannot be evaluated (NaN), so line searches back off."""
        ll, _ = self.loglik(np.exp(phi))
        value = float(-ll / self.total + self.penalizer_coef * phi @ phi)
        return value if not np.isnan(value) else np.inf

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

    def newton_terms(
        self, phi: FloatArray, curvature: Curvature
    ) -> tuple[float, FloatArray, FloatArray]:
        """The objective, its gradient and its Hessian at ``phi`` from the analytic ``curvature``.

        With theta = exp(phi): d/dphi_j = theta_j d/dtheta_j, and
        d2/dphi_j dphi_l = theta_j theta_l d2/dtheta_j dtheta_l + delta_jl theta_j d/dtheta_j.
        """
        theta = np.exp(phi)
        ll, grad_ll, hessian_ll = curvature(theta)
        value = -ll / self.total + self.penalizer_coef * phi @ phi
        grad = -grad_ll * theta / self.total + 2 * self.penalizer_coef * phi
        hessian = -(np.outer(theta, theta) * hessian_ll + np.diag(theta * grad_ll)) / self.total
        hessian += 2 * self.penalizer_coef * np.eye(phi.size)
        return float(value) if not np.isnan(value) else np.inf, grad, hessian

    def hessian(self, phi: FloatArray, grad: FloatArray) -> FloatArray:
        """Hessian of the objective at ``phi``, where the gradient is ``grad``.

        Analytic when the model gives its curvature, else forward differences of gradients.
        """
        if self.curvature is not None:
            return self.newton_terms(phi, self.curvature)[2]
        k = phi.size
        hessian = np.empty((k, k))
        for j in range(k):
            step = np.zeros(k)
            step[j] = _HESSIAN_STEP
            hessian[:, j] = (self.value_and_grad(phi + step)[1] - grad) / _HESSIAN_STEP
        return (hessian + hessian.T) / 2


def _lbfgsb(
    objective: _Objective, phi: FloatArray, max_iter: int, tol: float
) -> tuple[FloatArray, bool, int, str]:
    result = minimize(
        objective.value_and_grad,
        phi,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * phi.size,
        options={"maxiter": max_iter, "ftol": tol, "gtol": tol * 10},
    )
    return (
        np.asarray(result.x, dtype=np.float64),
        bool(result.success),
        int(result.nit),
        str(result.message),
    )


def _newton_polish(
    objective: _Objective, phi: FloatArray, curvature: FloatArray
) -> tuple[FloatArray, float, FloatArray] | None:
    """Quasi-Newton steps from a good Hessian guess, refined by BFGS updates.

    Returns the optimum with its objective value and gradient, or None unless every step
    descends and the steps shrink below 1e-7 in log-parameters, far below any standard
    error (otherwise the caller falls back to L-BFGS-B).
    """
    hessian = curvature.copy()
    value, grad = objective.value_and_grad(phi)
    for _ in range(_NEWTON_STEPS):
        try:
            step = -np.linalg.solve(hessian, grad)
        except np.linalg.LinAlgError:
            return None
        candidate = np.clip(phi + step, -_LOG_BOUND, _LOG_BOUND)
        new_value, new_grad = objective.value_and_grad(candidate)
        if not new_value <= value + 1e-12 * abs(value):
            return None
        moved, change = candidate - phi, new_grad - grad
        phi, value, grad = candidate, new_value, new_grad
        if np.max(np.abs(step)) < 1e-7:
            return phi, value, grad
        pushed = hessian @ moved
        if moved @ change > 1e-12 and moved @ pushed > 0:  # BFGS update keeps it positive definite
            hessian = (
                hessian
                + np.outer(change, change) / (moved @ change)
                - np.outer(pushed, pushed) / (moved @ pushed)
            )
    return None


def _exact_newton(
    objective: _Objective, phi: FloatArray, curvature: Curvature
) -> tuple[FloatArray, float, FloatArray, FloatArray] | None:
    """Newton steps with the exact Hessian, from a point near the optimum.

    Returns the first point whose Newton step is shorter than 1e-8 in every
    log-parameter (the step is its distance from the optimum, to second order), with the
    objective value, gradient and Hessian evaluated there. Returns None unless every step
    descends from a positive definite Hessian (the caller then falls back to L-BFGS-B).
    """
    value, grad, hessian = objective.newton_terms(phi, curvature)
    for _ in range(_NEWTON_STEPS):
        try:
            np.linalg.cholesky(hessian)  # raises unless positive definite: a step must descend
            step = -np.linalg.solve(hessian, grad)
        except np.linalg.LinAlgError:
            return None
        if np.max(np.abs(step)) < _NEWTON_TOL:
            return phi, value, grad, hessian
        candidate = np.clip(phi + step, -_LOG_BOUND, _LOG_BOUND)
        new_value, new_grad, new_hessian = objective.newton_terms(candidate, curvature)
        if not new_value <= value + 1e-12 * abs(value):
            return None
        phi, value, grad, hessian = candidate, new_value, new_grad, new_hessian
    return None


def rough_maximum(
    loglik: LogLikelihood,
    total_weight: float,
    start: FloatArray,
    penalizer_coef: float,
    curvature: Curvature | None = None,
) -> StartingPoint:
    """A loosely converged maximiser and its curvature: a starting point for the full fit."""
    objective = _Objective(loglik, total_weight, penalizer_coef, curvature)
    with single_threaded_blas():
        phi, _, _, _ = _lbfgsb(objective, np.log(start), 200, 1e-9)
        value, grad = objective.value_and_grad(phi)
        if not (np.all(np.isfinite(phi)) and np.isfinite(value)):
            return StartingPoint(start)
        return StartingPoint(np.exp(phi), objective.hessian(phi, grad))


def maximise_likelihood(
    loglik: LogLikelihood,
    total_weight: float,
    names: tuple[str, ...],
    start: StartingPoint,
    *,
    penalizer_coef: float,
    tol: float,
    max_iter: int,
    model_name: str,
    curvature: Curvature | None = None,
) -> MaximumLikelihoodFit:
    """Maximise a weighted log-likelihood over positive parameters ``names``.

    From a warm ``start`` (one that carries a curvature, see :func:`rough_maximum`) Newton
    steps finish the fit, otherwise L-BFGS-B does. ``curvature``, the same likelihood with
    its analytic Hessian, makes those Newton steps exact and the standard errors analytic.

    Raises :class:`StalledFitError` when the optimiser stops early inside the bounds (no
    optimum there, so its curvature is not asked about identification), and
    :class:`IdentificationError` when the data cannot identify a parameter (it runs to a
    bound, or its log-scale standard error exceeds 10, i.e. the likelihood is flat in it);
    warns with
    :class:`IterationLimitWarning` (a :class:`sklearn.exceptions.ConvergenceWarning`) when
    only ``max_iter`` was too small.
    BLAS runs single-threaded meanwhile: the likelihoods are vector dot products, for which
    thread start-up costs more than it saves (ten times more on a busy machine).
    """
    with single_threaded_blas():
        return _maximise(
            loglik,
            total_weight,
            names,
            start,
            penalizer_coef=penalizer_coef,
            tol=tol,
            max_iter=max_iter,
            model_name=model_name,
            curvature=curvature,
        )


def _maximise(
    loglik: LogLikelihood,
    total_weight: float,
    names: tuple[str, ...],
    start: StartingPoint,
    *,
    penalizer_coef: float,
    tol: float,
    max_iter: int,
    model_name: str,
    curvature: Curvature | None,
) -> MaximumLikelihoodFit:
    objective = _Objective(loglik, total_weight, penalizer_coef, curvature)
    phi, value, grad, hessian, (success, n_iter, message) = _optimise(
        objective, np.log(start.params), start, curvature, max_iter, tol
    )
    if not np.isfinite(value):
        raise AdvisedFitError(
            f"{model_name} fit failed: the log-likelihood is not finite at the optimiser's "
            f"last point {dict(zip(names, np.exp(phi).round(6), strict=True))}.",
            "Check the inputs for extreme values, or set {penalty} > 0.",
        )
    log_errors = _log_standard_errors(
        objective.hessian(phi, grad) if hessian is None else hessian, objective.total
    )
    plain_ll = float(-(value - penalizer_coef * phi @ phi) * total_weight)
    converged = success or bool(np.max(np.abs(grad)) < 1e-4)
    at_bound = bool(np.any(np.abs(phi) > _LOG_BOUND - 0.01))
    # an early stop inside the bounds is no maximum: its curvature says nothing of identification
    if not converged and n_iter < max_iter and not at_bound:
        stop = f"{message.rstrip(': ')} after {n_iter} iterations"
        raise StalledFitError(
            f"{model_name} fit did not converge: {stop}.",
            "Rescale time (e.g. weeks instead of days) or set {penalty} > 0.",
            stop,
            dict(zip(names, np.exp(phi).tolist(), strict=True)),
            plain_ll,
        )
    _check_identified(names, phi, log_errors, (total_weight, plain_ll), model_name)
    if not converged:
        warnings.warn(
            IterationLimitWarning(
                f"{model_name} stopped at its limit of {max_iter:,} iterations before "
                "converging; the parameters where it stopped are kept.",
                f"Raise {{limit}} (now {max_iter}) to let it converge.",
            ),
            stacklevel=4,
        )
    errors = np.exp(phi) * log_errors  # delta method: SE(theta) = theta SE(log theta)
    return MaximumLikelihoodFit(
        params=dict(zip(names, np.exp(phi).tolist(), strict=True)),
        log_likelihood=plain_ll,
        standard_errors=dict(zip(names, errors.tolist(), strict=True)),
        converged=converged,
    )


Outcome = tuple[bool, int, str]
"""Whether the optimiser converged, its iterations and its message."""


def _optimise(
    objective: _Objective,
    phi: FloatArray,
    start: StartingPoint,
    curvature: Curvature | None,
    max_iter: int,
    tol: float,
) -> tuple[FloatArray, float, FloatArray, FloatArray | None, Outcome]:
    """Maximise from ``phi``: Newton steps from a warm start (exact ones when the model gives
    its curvature), else L-BFGS-B. The point, value, gradient, the Hessian when the exact
    Newton steps computed it, and the outcome."""
    hessian: FloatArray | None = None
    if start.curvature is None:  # no warm start: L-BFGS-B from a rough guess
        polished = None
    elif curvature is not None:
        exact = _exact_newton(objective, phi, curvature)
        polished = None if exact is None else exact[:3]
        hessian = None if exact is None else exact[3]
    else:
        polished = _newton_polish(objective, phi, start.curvature)
    if polished is not None:
        phi, value, grad = polished
        return phi, value, grad, hessian, (True, 0, "Newton steps converged")
    phi, success, n_iter, message = _lbfgsb(objective, phi, max_iter, tol)
    value, grad = objective.value_and_grad(phi)
    return phi, value, grad, hessian, (success, n_iter, message)


def _check_identified(
    names: tuple[str, ...],
    phi: FloatArray,
    log_errors: FloatArray,
    weight_and_ll: tuple[float, float],
    model_name: str,
) -> None:
    """Refuse a fit whose log-parameters sit at the bound or have no finite standard error.

    Raises:
        IdentificationError: naming the parameters the data cannot identify.
    """
    total_weight, ll = weight_and_ll
    unidentified = [
        name
        for name, value_, error in zip(names, phi, log_errors, strict=True)
        if abs(value_) > _LOG_BOUND - 0.01 or not error < _MAX_LOG_SE
    ]
    if unidentified:
        values = ", ".join(f"{n}={np.exp(v):.3g}" for n, v in zip(names, phi, strict=True))
        raise IdentificationError(
            f"{model_name} cannot be identified from these data: the likelihood is flat in "
            f"{', '.join(unidentified)} ({values}) over {total_weight:g} customers.",
            "Use more customers or a longer history, or set {penalty} (e.g. 0.01) to regularise.",
            tuple(unidentified),
            dict(zip(names, np.exp(phi).tolist(), strict=True)),
            ll,
        )


def _log_standard_errors(hessian: FloatArray, total_weight: float) -> FloatArray:
    """Standard errors of the log-parameters from the observed information; NaN if not definite.

    ``hessian`` is that of the mean objective, so the information is it times the total weight.
    """
    try:
        covariance = np.linalg.inv(hessian * total_weight)
    except np.linalg.LinAlgError:
        return np.full(hessian.shape[0], np.nan)
    variances = np.diag(covariance)
    with np.errstate(invalid="ignore"):
        return np.where(variances > 0, np.sqrt(variances), np.nan)
