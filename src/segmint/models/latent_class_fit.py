"""Fitting a latent-class mixture of a BTYD model and choosing its number of classes by BIC.

For K classes, EM (Dempster, Laird & Rubin 1977) runs from :data:`STARTS` starting splits
of the customers (by purchase rate, then seeded random ones): the E-step gives each
customer's posterior class weights, the M-step fits the base model on every class with
those weights (the base fit takes a weight per customer). The start that reaches the
highest likelihood is finished by direct maximisation of the mixture likelihood over every
class's parameters and the classes' odds, with the likelihood's analytic gradient (each
class's is its base gradient with the posterior weights), which gives the standard errors
from the observed information. A start whose class cannot be identified (its fit runs to a
boundary, as a class of customers who never leave would, or whose predictions are not
finite) is dropped for the next best start; a K none of whose starts can be fitted is not a
candidate.

The number of classes is the one of 1 .. :data:`MAX_CLASSES` with the smallest BIC,
-2 log L + (parameters) log(customers) (McLachlan & Peel 2000, section 6.9), so one class
is kept unless the data pay for each further class's five parameters.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.special import logsumexp

from segmint.exceptions import ConvergenceError
from segmint.models._base import Histories
from segmint.models._optimize import IterationLimitWarning, StartingPoint, maximise_likelihood
from segmint.models._validation import FloatArray
from segmint.models.latent_class import LatentClassModel, class_log_likelihoods, theta_of

MAX_CLASSES = 3
"""Most latent classes a fit considers."""
STARTS = 3
"""EM starting splits per number of classes: by purchase rate, then two seeded random ones."""
EM_ITERATIONS = 200
EM_TOLERANCE = 1e-8
"""EM stops when an iteration raises the log-likelihood by less than this share of it."""


@dataclass(frozen=True)
class ClassChoice:
    """The number of latent classes chosen by BIC and its fit.

    Attributes:
        model: the one-class model given when one class is chosen, else the mixture.
        n_classes: the classes chosen.
        log_likelihood: the chosen fit's log-likelihood.
        standard_errors: the mixture's parameters' standard errors (empty for one class).
        bic: BIC of every number of classes that could be fitted.
    """

    model: Any
    n_classes: int
    log_likelihood: float
    standard_errors: dict[str, float]
    bic: dict[int, float]


def choose_classes(
    pooled: Any, x: FloatArray, t_x: FloatArray, T: FloatArray, max_classes: int = MAX_CLASSES
) -> ClassChoice:
    """The number of classes of ``pooled``'s model class (1 .. ``max_classes``) with the
    smallest BIC on valid customers (x, t_x, T), ``pooled`` being its one-class fit there."""
    rows = Histories.of_customers(x, t_x, T, None)
    n, k = float(rows.weights.sum()), len(pooled.param_names)
    one = float(
        rows.weights @ pooled._row_log_likelihood(theta_of(pooled), rows.x, rows.t_x, rows.T)
    )
    best = ClassChoice(pooled, 1, one, {}, {})
    bic = {1: -2 * one + k * np.log(n)}
    for n_classes in range(2, max_classes + 1):
        try:
            model, log_likelihood, errors = fit_classes(pooled, rows, n_classes)
        except ConvergenceError:
            continue
        bic[n_classes] = -2 * log_likelihood + (n_classes * (k + 1) - 1) * np.log(n)
        if bic[n_classes] < bic[best.n_classes]:
            best = ClassChoice(model, n_classes, log_likelihood, errors, {})
    return replace(best, bic=bic)


def fit_classes(
    pooled: Any, rows: Histories, n_classes: int
) -> tuple[LatentClassModel, float, dict[str, float]]:
    """The maximum-likelihood ``n_classes``-class mixture of ``pooled``'s model class on
    weighted ``rows``: the model, its log-likelihood and its standard errors.

    Raises:
        ConvergenceError: no start reaches an identified maximum inside the model (a class
            on a boundary, two classes the same).
    """
    found: list[tuple[tuple[Any, ...], FloatArray, float]] = []
    for start in range(STARTS):
        try:
            found.append(_em(pooled, rows, _start(rows, n_classes, start)))
        except ConvergenceError:
            continue
    for classes, shares, _ in sorted(found, key=lambda fitted: -fitted[2]):
        order = np.argsort(-shares, kind="stable")
        try:
            fit = _polish(pooled, rows, tuple(classes[i] for i in order), shares[order])
        except ConvergenceError:
            continue
        if _predicts(fit[0], rows):
            return fit
    raise ConvergenceError(
        f"no start of a {n_classes}-class {type(pooled).__name__} mixture reached a maximum "
        "inside the model (a class's dropout distribution ran to a point mass or no start "
        "could be fitted)"
    )


def _predicts(mixture: LatentClassModel, rows: Histories) -> bool:
    """Whether the mixture's predictions of ``rows`` a year ahead are finite: a class whose
    beta distribution runs to a point mass (a, b without bound) is a boundary of the base
    model, where its hypergeometric expectation is not finite either."""
    with np.errstate(invalid="ignore", over="ignore"):
        year = mixture.predict_purchases(52.0, rows.x, rows.t_x, rows.T)
    return bool(np.all(np.isfinite(year)))


def _start(rows: Histories, n_classes: int, start: int) -> FloatArray:
    """Starting posterior weights: 0.9 on one class per row, the class given by the row's
    purchase-rate quantile (``start`` 0) or drawn at random (seed ``start``)."""
    if start == 0:
        rate = (rows.x + 0.5) / np.maximum(rows.T, 1e-9)
        order = np.argsort(rate, kind="stable")
        share = np.cumsum(rows.weights[order]) / rows.weights.sum()
        label = np.empty(rows.x.size, dtype=np.intp)
        label[order] = np.minimum((share * n_classes).astype(np.intp), n_classes - 1)
    else:
        label = np.random.default_rng(start).integers(0, n_classes, rows.x.size)
    weights = np.full((rows.x.size, n_classes), 0.1 / (n_classes - 1))
    weights[np.arange(rows.x.size), label] = 0.9
    return weights


def _em(
    pooled: Any, rows: Histories, posterior: FloatArray
) -> tuple[tuple[Any, ...], FloatArray, float]:
    """EM from ``posterior``: the classes, their shares and the log-likelihood it reaches."""
    previous = -np.inf
    for _ in range(EM_ITERATIONS):
        with warnings.catch_warnings():  # a step on the way: the polish reports its own
            warnings.simplefilter("ignore", IterationLimitWarning)
            classes = tuple(
                copy.deepcopy(pooled).fit(rows.x, rows.t_x, rows.T, rows.weights * column)
                for column in posterior.T
            )
        shares = rows.weights @ posterior / rows.weights.sum()
        joint = class_log_likelihoods(classes, shares, rows.x, rows.t_x, rows.T)
        total = logsumexp(joint, axis=1)
        log_likelihood = float(rows.weights @ total)
        posterior = np.exp(joint - total[:, None])
        if log_likelihood - previous <= EM_TOLERANCE * abs(log_likelihood):
            break
        previous = log_likelihood
    return classes, shares, log_likelihood


def _polish(
    pooled: Any, rows: Histories, classes: tuple[Any, ...], shares: FloatArray
) -> tuple[LatentClassModel, float, dict[str, float]]:
    """The mixture maximised directly from EM's ``classes`` and ``shares``."""
    n_classes, k = len(classes), len(pooled.param_names)
    n = float(rows.weights.sum())

    def loglik(theta: FloatArray) -> tuple[float, FloatArray]:
        thetas = theta[: n_classes * k].reshape(n_classes, k)
        odds = np.concatenate([[1.0], theta[n_classes * k :]])
        joint = np.column_stack(
            [
                np.log(o) + pooled._row_log_likelihood(th, rows.x, rows.t_x, rows.T)
                for th, o in zip(thetas, odds, strict=True)
            ]
        )
        total = logsumexp(joint, axis=1)
        posterior = np.exp(joint - total[:, None])
        grads = [
            pooled._log_likelihood(th, _reweighted(rows, rows.weights * posterior[:, c]))[1]
            for c, th in enumerate(thetas)
        ]
        odds_grad = (rows.weights @ posterior)[1:] / odds[1:] - n / odds.sum()
        return float(rows.weights @ total) - n * float(np.log(odds.sum())), np.concatenate(
            [*grads, odds_grad]
        )

    names = (
        *(f"{name}_{c + 1}" for c in range(n_classes) for name in pooled.param_names),
        *(f"odds_{c + 1}" for c in range(1, n_classes)),
    )
    start = np.concatenate([*(theta_of(m) for m in classes), shares[1:] / shares[0]])
    fit = maximise_likelihood(
        loglik,
        n,
        names,
        StartingPoint(start),
        penalizer_coef=float(pooled.penalizer_coef),
        tol=1e-10,
        max_iter=int(pooled.max_iter),
        model_name=f"{n_classes}-class {type(pooled).__name__}",
    )
    fitted = []
    for c in range(n_classes):
        model = copy.deepcopy(pooled)
        model.params_ = {name: fit.params[f"{name}_{c + 1}"] for name in pooled.param_names}
        model.standard_errors_ = {
            name: fit.standard_errors[f"{name}_{c + 1}"] for name in pooled.param_names
        }
        fitted.append(model)
    odds = np.array([1.0, *(fit.params[f"odds_{c + 1}"] for c in range(1, n_classes))])
    mixture = LatentClassModel(tuple(fitted), odds / odds.sum(), pooled)
    return mixture, fit.log_likelihood, dict(fit.standard_errors)


def _reweighted(rows: Histories, weights: FloatArray) -> Histories:
    """``rows`` with other weights."""
    counts = np.bincount(rows.count_index, weights=weights, minlength=rows.counts.size)
    return replace(rows, weights=weights, count_weights=counts.astype(np.float64))
