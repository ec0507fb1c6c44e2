"""Likelihood and predictions shared by the BG/NBD and MBG/NBD models.

Both models mix Poisson purchasing (rate lambda ~ Gamma(r, alpha)) with a geometric
dropout (probability p ~ Beta(a, b)) that strikes right after a purchase. They differ
only in whether the first purchase, at age 0, is also a dropout opportunity: not in the
BG/NBD (Fader, Hardie & Lee 2005), yes in the MBG/NBD (Batislam, Denizel & Filiztekin
2007). With ``shift`` = 0 or 1 the number of dropout opportunities survived by an active
customer is x + shift, and every formula below is written once for both.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, expit

from segmint.models._base import (
    ContinuousTimeModel,
    Histories,
    NewCustomerExpectation,
    distinct_pairs,
)
from segmint.models._beta_geometric_likelihood import log_likelihood, row_log_likelihood
from segmint.models._optimize import Curvature
from segmint.models._special import nbinom_pmf_sf, scaled_hyp2f1
from segmint.models._validation import FloatArray, check_integer_counts


class BetaGeometricModel(NewCustomerExpectation, ContinuousTimeModel):
    """Shared engine of :class:`BGNBD` (``shift`` = 0) and :class:`MBGNBD` (``shift`` = 1)."""

    param_names = ("r", "alpha", "a", "b")
    shift: ClassVar[int]

    def _log_likelihood(self, theta: FloatArray, data: Histories) -> tuple[float, FloatArray]:
        """Weighted total log-likelihood and its analytic gradient (see
        :mod:`segmint.models._beta_geometric_likelihood`)."""
        ll, grad, _ = log_likelihood(theta, data, self.shift, hessian=False)
        return ll, grad

    def _row_log_likelihood(
        self, theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
    ) -> FloatArray:
        """Each (x, t_x, T) row's log-likelihood at ``theta``, unweighted."""
        return row_log_likelihood(theta, x, t_x, T, self.shift)

    def _curvature(self, data: Histories) -> Curvature:
        """The log-likelihood with its analytic Hessian: exact Newton steps, analytic errors."""
        return lambda theta: log_likelihood(theta, data, self.shift, hessian=True)

    def _log_dropout_odds(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """log[a/(b+x+s-1) ((alpha+T)/(alpha+t_x))^(r+x)], -inf where x + s = 0."""
        r, alpha, a, b = self._fitted_params()
        n = x + self.shift
        n1 = np.maximum(n, 1.0)
        odds = np.log(a) - np.log(b + n1 - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(n > 0, odds, -np.inf)

    def _expected_if_alive(self, t: FloatArray, x: FloatArray, T: FloatArray) -> FloatArray:
        """E[purchases in (T, T+t] | active at T, x, T].

        (a+b+x+s-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x+s; a+b+x+s-1; z)], z = t/(alpha+T+t),
        through Euler's transformation so large x cannot overflow.
        """
        r, alpha, a, b = self._fitted_params()
        n = x + self.shift
        c = a + b + n - 1
        z = t / (alpha + T + t)
        return c / (a - 1) * (1 - scaled_hyp2f1(r + x, b + n, c, z))

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(active at T | x, t_x, T) = 1 / (1 + delta(x+s > 0) a/(b+x+s-1) ((alpha+T)/(alpha+t_x))^(r+x)).

        The BG/NBD expression (s = 0) is derived in the technical appendix of Fader, Hardie
        & Lee (2005); the MBG/NBD one (s = 1) in Batislam et al. (2007). Computed as a
        logistic of log-odds, so hundreds of purchases or long ages cannot overflow.
        """
        x, t_x, age = self._customers(frequency, recency, T)
        return np.asarray(expit(-self._log_dropout_odds(x, t_x, age)), dtype=np.float64)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T + t] for each customer.

        FHL (2005) equation (10) for the BG/NBD; the conditional expectation of Batislam
        et al. (2007) for the MBG/NBD. Equals P(alive) times the expectation if active.
        """
        x, t_x, age = self._customers(frequency, recency, T)
        t_arr = self._horizon(t)
        if t_arr.ndim == 0:
            return self._grid(t_arr.reshape(1), x, t_x, age).reshape(x.shape)
        if_alive = self._expected_if_alive(t_arr, x, age)
        return np.asarray(if_alive * expit(-self._log_dropout_odds(x, t_x, age)), dtype=np.float64)

    def predict_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] for every t in ``horizons``: one row per customer, one column per t.

        The same numbers as :meth:`predict_purchases` at each t. The expectation if active
        (the 2F1 term) depends on (x, T, t) only, so it is evaluated once per distinct
        (x, T) pair and horizon; P(alive) once per customer.
        """
        x, t_x, age = self._customers(frequency, recency, T)
        return self._grid(self._horizon(horizons, "horizons").reshape(-1), x, t_x, age)

    def expected_if_alive_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[purchases in (T, T+t] | active at T, x, T] for every t in ``horizons``: one row
        per customer, one column per t.

        :meth:`predict_purchases_grid` is this times :meth:`probability_alive`. The factor
        depends on (x, T) only, which is what lets an engine score a base from one row per
        distinct (x, T) pair (:mod:`segmint.scoring.clv_expression`).
        """
        x, _, age = self._customers(frequency, np.zeros(np.shape(frequency)), T)
        return self._if_alive_grid(self._horizon(horizons, "horizons").reshape(-1), x, age)

    def _if_alive_grid(self, t: FloatArray, x: FloatArray, T: FloatArray) -> FloatArray:
        """:meth:`expected_if_alive_grid` on valid inputs, once per distinct (x, T) pair."""
        counts, ages, pair = distinct_pairs(x.reshape(-1), T.reshape(-1))
        return self._expected_if_alive(t[None, :], counts[:, None], ages[:, None])[pair]

    def _grid(self, t: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """:meth:`predict_purchases_grid` on valid inputs (customers flattened to one axis)."""
        x, t_x, T = x.reshape(-1), t_x.reshape(-1), T.reshape(-1)
        alive = expit(-self._log_dropout_odds(x, t_x, T))
        return np.asarray(self._if_alive_grid(t, x, T) * alive[:, None], dtype=np.float64)

    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired.

        BG/NBD: FHL (2005) equation (9), (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r
        2F1(r, b; a+b-1; t/(alpha+t))]. MBG/NBD: b/(a-1) [1 - (alpha/(alpha+t))^r
        2F1(r, b+1; a+b; t/(alpha+t))] (Batislam et al. 2007), which is the conditional
        expectation at x = t_x = T = 0 times the probability of surviving the first purchase.
        """
        t_arr = self._horizon(t)
        zeros = np.zeros_like(t_arr)
        survive_first = expit(-self._log_dropout_odds(zeros, zeros, zeros))
        return np.asarray(
            self._expected_if_alive(t_arr, zeros, zeros) * survive_first, dtype=np.float64
        )

    def probability_of_purchases(self, k: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = k) for a customer just acquired; ``k`` and ``t`` broadcast.

        B(a, b+k+s)/B(a, b) NB(k) + delta(k+s > 0) B(a+1, b+k+s-1)/B(a, b) P(NB >= k), with
        NB ~ NegBin(r, alpha/(alpha+t)) the purchases of a customer who never drops out.
        FHL (2005) equation (8) for s = 0; Batislam et al. (2007) for s = 1.
        """
        r, alpha, a, b = self._fitted_params()
        k_arr = self._horizon(k, "k")
        check_integer_counts("k", k_arr)
        t_arr = self._horizon(t)
        pmf, at_least_k = nbinom_pmf_sf(k_arr, r, alpha / (alpha + t_arr))
        n = k_arr + self.shift
        n1 = np.maximum(n, 1.0)
        stay = np.exp(betaln(a, b + n) - betaln(a, b)) * pmf
        drop = np.where(n > 0, np.exp(betaln(a + 1, b + n1 - 1) - betaln(a, b)) * at_least_k, 0.0)
        return np.asarray(stay + drop, dtype=np.float64)
