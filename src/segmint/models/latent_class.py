"""A finite mixture (latent classes) of a BTYD model: K kinds of customers, each with its own
heterogeneity.

The BG/NBD and MBG/NBD let purchase rates vary across customers as one gamma distribution
and dropout probabilities as one beta distribution. A customer base made of a few kinds of
customers (one-off buyers, regulars, gift buyers) need not be held by one pair: its
rates and dropout probabilities come from a mixture. The latent-class form lets the
population be K classes with shares pi_k, each class with its own (r, alpha, a, b):

    L(x, t_x, T) = sum_k pi_k L_k(x, t_x, T),

L_k the base model's likelihood at class k's parameters. Given a customer's history, the
class is known only through its posterior, pi_k L_k / L, and every prediction is the
posterior-weighted mean of the classes' predictions: E[Y(t) | history] =
sum_k P(k | history) E_k[Y(t) | history], and P(alive) likewise. The classes' expectations
if alive are each a function of (x, T), but the posterior is not, so a mixture's
predictions do not factor as P(alive) times a function of (x, T)
(:class:`segmint.models.clv.AliveFactoredModel`): it has no ``expected_if_alive_grid`` and
is scored in batches.

The mixture is fitted by EM (posterior class weights, then each class's weighted base fit)
from a few starting splits, and the best finished by direct maximisation of the mixture
likelihood (:mod:`segmint.models.latent_class_fit`), which gives the standard errors.

References
----------
McLachlan, G. J. & Peel, D. (2000). Finite Mixture Models. Wiley.
Dempster, A. P., Laird, N. M. & Rubin, D. B. (1977). "Maximum likelihood from incomplete
data via the EM algorithm". Journal of the Royal Statistical Society B 39(1), 1-38.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy
Way: An Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from segmint.models._validation import FloatArray, validate_rfm


class LatentClassModel:
    """A fitted K-class mixture of one base model class (BG/NBD or MBG/NBD).

    ``classes`` are fitted base models, largest share first; ``shares`` their population
    shares; ``pooled`` the one-class fit on the same customers, which the covariate split
    starts from (:func:`segmint.models.seasonal.with_covariate`). ``params_`` holds each
    class's parameters (``r_1``, ``alpha_1``…) and each class's odds against the first
    (``odds_2``…: pi_k / pi_1).
    """

    def __init__(self, classes: tuple[Any, ...], shares: ArrayLike, pooled: Any) -> None:
        self.classes = classes
        self.shares = np.asarray(shares, dtype=np.float64)
        self.pooled = pooled
        self.penalizer_coef = float(pooled.penalizer_coef)
        self.max_iter = int(pooled.max_iter)

    @property
    def title(self) -> str:
        """The model as people read it: its base model, its classes, what ``odds_k`` are."""
        return (
            f"{type(self.pooled).__name__}, {len(self.classes)} latent classes "
            "(odds_k: class k's share over the first's)"
        )

    @property
    def params_(self) -> dict[str, float]:
        """Each class's parameters, suffixed by its number, then the classes' odds."""
        params = {
            f"{name}_{k + 1}": value
            for k, model in enumerate(self.classes)
            for name, value in model.params_.items()
        }
        params.update({f"odds_{k + 1}": s / self.shares[0] for k, s in enumerate(self.shares)})
        del params["odds_1"]
        return params

    def class_log_likelihoods(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """log pi_k + log L_k(x, t_x, T): one row per customer (flattened), one column per class."""
        x, t_x, age = validate_rfm(frequency, recency, T)
        return class_log_likelihoods(
            self.classes, self.shares, x.reshape(-1), t_x.reshape(-1), age.reshape(-1)
        )

    def posterior(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(class k | x, t_x, T): one row per customer (flattened), one column per class."""
        joint = self.class_log_likelihoods(frequency, recency, T)
        return np.asarray(np.exp(joint - logsumexp(joint, axis=1, keepdims=True)))

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] = sum_k P(k | x, t_x, T) E_k[Y(t) | x, t_x, T]."""
        x, t_x, age = validate_rfm(frequency, recency, T)
        weights = self.posterior(x, t_x, age).reshape(*x.shape, -1)
        by_class = [m.predict_purchases(t, x, t_x, age) for m in self.classes]
        return np.asarray(sum(weights[..., k] * p for k, p in enumerate(by_class)), np.float64)

    def predict_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """:meth:`predict_purchases` at every horizon: one row per customer, one column per t."""
        x, t_x, age = validate_rfm(frequency, recency, T)
        weights = self.posterior(x, t_x, age)
        grids = [m.predict_purchases_grid(horizons, x, t_x, age) for m in self.classes]
        return np.asarray(sum(weights[:, k, None] * g for k, g in enumerate(grids)), np.float64)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(alive | x, t_x, T) = sum_k P(k | x, t_x, T) P_k(alive | x, t_x, T)."""
        x, t_x, age = validate_rfm(frequency, recency, T)
        weights = self.posterior(x, t_x, age).reshape(*x.shape, -1)
        alive = [m.probability_alive(x, t_x, age) for m in self.classes]
        return np.asarray(sum(weights[..., k] * p for k, p in enumerate(alive)), np.float64)

    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] of a customer just acquired: sum_k pi_k E_k[X(t)]."""
        by_class = [m.expected_purchases_new_customer(t) for m in self.classes]
        return np.asarray(sum(s * e for s, e in zip(self.shares, by_class, strict=True)))

    def probability_of_purchases(self, k: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = k) of a customer just acquired: sum_k pi_k P_k(X(t) = k)."""
        by_class = [m.probability_of_purchases(k, t) for m in self.classes]
        return np.asarray(sum(s * p for s, p in zip(self.shares, by_class, strict=True)))


def class_log_likelihoods(
    classes: tuple[Any, ...], shares: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """log pi_k + log L_k of valid one-dimensional rows: one column per class."""
    return np.column_stack(
        [
            np.log(share) + model._row_log_likelihood(theta_of(model), x, t_x, T)
            for model, share in zip(classes, shares, strict=True)
        ]
    )


def theta_of(model: Any) -> FloatArray:
    """A fitted base model's parameters in ``param_names`` order."""
    return np.array([model.params_[name] for name in model.param_names], dtype=np.float64)
