"""The NBD model: Poisson purchasing with gamma-distributed rates and no dropout.

It is the boundary of every buy-till-you-die model here when the data show no dropout
within the window: the BG/NBD and MBG/NBD as a -> 0 (the dropout probability
p ~ Beta(a, b) concentrates at 0), the Pareto/NBD as the dropout rate mu ~ Gamma(s, beta)
concentrates at 0. Where their likelihood is highest on that boundary, this limit is the
model the data support, and :mod:`segmint.models.boundary` fits it instead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from segmint.models._base import ContinuousTimeModel, Histories, NewCustomerExpectation
from segmint.models._special import nbinom_pmf_sf
from segmint.models._validation import FloatArray, check_integer_counts


class NBD(NewCustomerExpectation, ContinuousTimeModel):
    """Negative binomial distribution (NBD) model of repeat purchasing.

    What for: expected repeat purchases when customers are not seen to leave (the limit
    of the BG/NBD, MBG/NBD and Pareto/NBD without dropout).

    Assumptions: each customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha)
    across customers, for ever. P(alive) is 1.

    Inputs: ``frequency`` (x), ``recency`` (t_x, unused by the likelihood) and ``T`` per
    customer. Fitted ``params_``: ``r, alpha``.

    Equations: the likelihood of x repeat purchases in (0, T] is
    Gamma(r+x)/Gamma(r) alpha^r / (alpha+T)^(r+x) (the timing of the purchases adds a factor
    free of r and alpha); E[Y(t) | x, T] = t (r+x)/(alpha+T); P(X(t) = k) is negative
    binomial with p = alpha/(alpha+t).

    References
    ----------
    Ehrenberg, A. S. C. (1959). "The Pattern of Consumer Purchases". Journal of the Royal
    Statistical Society C 8(1), 26-41. Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005).
    "Counting Your Customers the Easy Way". Marketing Science 24(2), 275-284 (the BG/NBD,
    whose a -> 0 limit this is).
    """

    param_names = ("r", "alpha")

    @staticmethod
    def _start(x: FloatArray, T: FloatArray, weights: FloatArray) -> FloatArray:
        """Unit shape, scale matched to the mean purchase rate."""
        rate = max(float(weights @ x) / float(weights @ T), 1e-6)
        return np.array([1.0, 1.0 / rate])

    def _log_likelihood(self, theta: FloatArray, data: Histories) -> tuple[float, FloatArray]:
        """Weighted total log-likelihood and its gradient in (r, alpha)."""
        r, alpha = theta
        x, T, w = data.x, data.T, data.weights
        rows = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)
        d_r = digamma(r + x) - digamma(r) + np.log(alpha) - np.log(alpha + T)
        d_alpha = r / alpha - (r + x) / (alpha + T)
        return float(w @ rows), np.array([w @ d_r, w @ d_alpha])

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """1 for every customer: the model has no dropout."""
        x, _, _ = self._customers(frequency, recency, T)
        self._fitted_params()
        return np.ones_like(x)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, T] = t (r + x) / (alpha + T): the posterior mean rate times t."""
        r, alpha = self._fitted_params()
        x, _, age = self._customers(frequency, recency, T)
        return np.asarray(self._horizon(t) * (r + x) / (alpha + age), dtype=np.float64)

    def predict_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, T] for every t in ``horizons``: one row per customer, one column per t."""
        r, alpha = self._fitted_params()
        x, _, age = self._customers(frequency, recency, T)
        rate = ((r + x) / (alpha + age)).reshape(-1)
        return np.asarray(rate[:, None] * self._horizon(horizons).reshape(1, -1), np.float64)

    def expected_if_alive_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """The same as :meth:`predict_purchases_grid`: every customer is alive."""
        return self.predict_purchases_grid(horizons, frequency, np.zeros(np.shape(frequency)), T)

    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] = r t / alpha for a customer just acquired."""
        r, alpha = self._fitted_params()
        return np.asarray(r * self._horizon(t) / alpha, dtype=np.float64)

    def probability_of_purchases(self, k: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = k) = NegBin(k; r, alpha/(alpha+t)) for a customer just acquired."""
        r, alpha = self._fitted_params()
        k_arr = self._horizon(k, "k")
        check_integer_counts("k", k_arr)
        t_arr = self._horizon(t)
        pmf, _ = nbinom_pmf_sf(k_arr, r, alpha / (alpha + t_arr))
        return np.asarray(pmf, dtype=np.float64)
