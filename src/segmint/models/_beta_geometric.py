"""The BG/NBD model: repeat purchasing and dropout in continuous time.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy
Way: An Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.
Equation numbers below refer to that paper.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, expit, gammaln

from segmint.models._base import ContinuousTimeModel
from segmint.models._special import nbinom_pmf_sf, scaled_hyp2f1
from segmint.models._validation import FloatArray, check_integer_counts


class BGNBD(ContinuousTimeModel):
    """Beta-geometric / negative-binomial distribution (BG/NBD) model.

    What for: how many repeat purchases a customer will make and whether they are still
    active, in a non-contractual setting (customers leave silently).

    Assumptions: while active, a customer buys as a Poisson process with rate
    lambda ~ Gamma(r, alpha); after each purchase they become inactive with probability
    p ~ Beta(a, b); lambda and p are independent across customers.

    Inputs: per customer ``frequency`` (repeat purchases x), ``recency`` (age at the last
    repeat purchase, t_x) and ``T`` (age at the end of the calibration period), all in
    the same time unit. Parameters ``params_``: ``r, alpha, a, b``.

    Examples
    --------
    On the CDNOW sample (``cdnow_customers_summary.csv``) the fit gives r = 0.243,
    alpha = 4.414, a = 0.793, b = 2.426 and log-likelihood -9582.43, as published.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), 275-284.
    """

    param_names = ("r", "alpha", "a", "b")

    def _log_likelihood(
        self, theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Equation (6), in log space, with its analytic gradient."""
        r, alpha, a, b = theta
        repeat = x > 0
        x1 = np.where(repeat, x, 1.0)  # keeps b + x - 1 > 0 where the dropout term is absent
        base = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        log_aT, log_atx = np.log(alpha + T), np.log(alpha + t_x)
        stay = betaln(a, b + x) - betaln(a, b) - (r + x) * log_aT
        drop = np.where(
            repeat, betaln(a + 1, b + x1 - 1) - betaln(a, b) - (r + x) * log_atx, -np.inf
        )
        mix = np.logaddexp(stay, drop)
        w_drop = np.exp(drop - mix)
        w_stay = 1.0 - w_drop

        psi_ab, psi_abx = digamma(a + b), digamma(a + b + x)
        grad = np.empty((x.size, 4))
        grad[:, 0] = digamma(r + x) - digamma(r) + np.log(alpha) - (w_stay * log_aT + w_drop * log_atx)
        grad[:, 1] = r / alpha - (r + x) * (w_stay / (alpha + T) + w_drop / (alpha + t_x))
        grad[:, 2] = psi_ab - psi_abx + w_drop / a
        grad[:, 3] = (
            psi_ab
            - psi_abx
            - digamma(b)
            + w_stay * digamma(b + x)
            + w_drop * digamma(b + x1 - 1)
        )
        return base + mix, grad

    def _log_dropout_odds(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray
    ) -> FloatArray:
        """log of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x) for x > 0, -inf for x = 0."""
        r, alpha, a, b = self._fitted_params()
        x1 = np.maximum(x, 1.0)
        odds = (
            np.log(a)
            - np.log(b + x1 - 1)
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
        return np.where(x > 0, odds, -np.inf)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(active at T | x, t_x, T): equation (A8) of Fader, Hardie & Lee (2005).

        P = 1 / (1 + delta(x > 0) a/(b + x - 1) ((alpha + T)/(alpha + t_x))^(r + x)).
        """
        x, t_x, age = self._customers(frequency, recency, T)
        return np.asarray(expit(-self._log_dropout_odds(x, t_x, age)), dtype=np.float64)

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] for a customer just acquired: equation (7).

        E[X(t)] = (a + b - 1)/(a - 1) [1 - (alpha/(alpha + t))^r 2F1(r, b; a + b - 1; t/(alpha + t))].
        """
        r, alpha, a, b = self._fitted_params()
        t = self._horizon(t)
        return self._conditional(t, np.zeros_like(t), np.zeros_like(t), alpha, r, a, b)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T], expected repeat purchases in (T, T + t]: equation (10)."""
        r, alpha, a, b = self._fitted_params()
        x, t_x, age = self._customers(frequency, recency, T)
        t = self._horizon(t)
        numerator = self._conditional(t, x, age, alpha, r, a, b)
        return numerator * expit(-self._log_dropout_odds(x, t_x, age))

    @staticmethod
    def _conditional(
        t: FloatArray, x: FloatArray, T: FloatArray, alpha: float, r: float, a: float, b: float
    ) -> FloatArray:
        """Numerator of equation (10); with x = T = 0 it is equation (7).

        (a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)], z = t/(alpha+T+t),
        evaluated through Euler's transformation so large x cannot overflow.
        """
        z = t / (alpha + T + t)
        c = a + b + x - 1
        return c / (a - 1) * (1 - scaled_hyp2f1(r + x, b + x, c, z))

    def probability_of_purchases(self, k: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = k) for a customer just acquired: equation (8).

        B(a, b+k)/B(a, b) NB(k; r, alpha/(alpha+t)) + delta(k > 0) B(a+1, b+k-1)/B(a, b)
        P(NB >= k), with NB the negative binomial count of a Poisson-gamma buyer.
        """
        r, alpha, a, b = self._fitted_params()
        k_arr = self._horizon(k, "k")
        check_integer_counts("k", k_arr)
        t_arr = self._horizon(t)
        pmf, sf = nbinom_pmf_sf(k_arr, r, alpha / (alpha + t_arr))
        k1 = np.maximum(k_arr, 1.0)
        stay = np.exp(betaln(a, b + k_arr) - betaln(a, b)) * pmf
        drop = np.where(k_arr > 0, np.exp(betaln(a + 1, b + k1 - 1) - betaln(a, b)) * sf, 0.0)
        return np.asarray(stay + drop, dtype=np.float64)
