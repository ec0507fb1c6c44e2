"""The Pareto/NBD model: Poisson purchasing with an exponential lifetime, in continuous time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import hyp2f1

from segmint.models._base import (
    ContinuousTimeModel,
    Histories,
    NewCustomerExpectation,
    distinct_pairs,
)
from segmint.models._pareto_likelihood import log_likelihood
from segmint.models._special import nbinom_pmf_sf
from segmint.models._validation import FloatArray, check_integer_counts

_QUADRATURE = np.polynomial.legendre.leggauss(64)


class ParetoNBD(NewCustomerExpectation, ContinuousTimeModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    What for: the classic buy-till-you-die model: expected future purchases and the
    probability that each customer is still active, in non-contractual settings.

    Assumptions: while active, purchases follow a Poisson process with rate
    lambda ~ Gamma(r, alpha); the unobserved lifetime is exponential with rate
    mu ~ Gamma(s, beta); lambda and mu are independent across customers.

    Inputs: per customer ``frequency`` (x), ``recency`` (t_x) and ``T``, in one time unit.
    Fitted ``params_``: ``r, alpha, s, beta``.

    Equations, from Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and
    Related Expressions": likelihood (18) with the A_0 term of (19)-(20), E[X(t)] (27),
    P(alive) (section 5.1), conditional expectation (41). The Gauss hypergeometric terms
    are rewritten with Euler's transformation, so they stay between 1 and a modest bound,
    and are combined in log space. The likelihood and its gradient are evaluated once per
    distinct (x, age) pair; the gradient is analytic except for the 2F1's derivatives in
    its parameters, taken by central differences of the 2F1 alone.

    Examples
    --------
    On the CDNOW sample the fit gives r = 0.553, alpha = 10.58, s = 0.606, beta = 11.67
    and log-likelihood -9594.98, as published.

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). "Counting Your Customers:
    Who Are They and What Will They Do Next?". Management Science 33(1), 1-24.
    Fader, P. S. & Hardie, B. G. S. (2005). "A Note on Deriving the Pareto/NBD Model and
    Related Expressions". http://brucehardie.com/notes/009/
    """

    param_names = ("r", "alpha", "s", "beta")

    @staticmethod
    def _start(x: FloatArray, T: FloatArray, weights: FloatArray) -> FloatArray:
        """Unit shapes; purchase scale from the mean rate, lifetime scale from the mean age."""
        rate = max(float(weights @ x) / float(weights @ T), 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0, float(weights @ T) / float(weights.sum())])

    @staticmethod
    def _log_g(theta: FloatArray, x: FloatArray, y: FloatArray) -> FloatArray:
        """log G(y): the hypergeometric factor of the antiderivative, after Euler's transformation.

        Fader & Hardie's A_0 term at age y is (alpha+y)^-(r+x) (beta+y)^-s G(y) with
        G = 2F1(1, r+x; r+s+x+1; (alpha-beta)/(alpha+y)) when alpha >= beta and
        G = (alpha+y)/(beta+y) 2F1(1, s+1; r+s+x+1; (beta-alpha)/(beta+y)) otherwise.
        """
        r, alpha, s, beta = theta
        c = r + s + x + 1
        if alpha >= beta:
            return np.asarray(np.log(hyp2f1(1.0, r + x, c, (alpha - beta) / (alpha + y))))
        ratio = np.log(alpha + y) - np.log(beta + y)
        return np.asarray(ratio + np.log(hyp2f1(1.0, s + 1, c, (beta - alpha) / (beta + y))))

    def _log_one_plus_b(
        self,
        theta: FloatArray,
        x: FloatArray,
        t_x: FloatArray,
        T: FloatArray,
        log_g: tuple[FloatArray, FloatArray] | None = None,
    ) -> FloatArray:
        """log(1 + B), where L = common factor x (1 + B) and 1/(1 + B) = P(alive).

        B = s/(r+s+x) [e^u G(t_x) - G(T)] >= 0 with u = (r+x) log((alpha+T)/(alpha+t_x))
        + s log((beta+T)/(beta+t_x)), evaluated as exp(log B) so it never overflows.
        ``log_g`` optionally gives (log G(t_x), log G(T)) already computed.
        """
        r, alpha, s, beta = theta
        u = (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)) + s * (
            np.log(beta + T) - np.log(beta + t_x)
        )
        # extreme trial parameters can overflow the 2F1; the optimiser then sees NaN and backs off
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            log_g_tx, log_g_T = log_g or (self._log_g(theta, x, t_x), self._log_g(theta, x, T))
            shrink = np.minimum(np.exp(log_g_T - log_g_tx - u), 1.0)
            log_b = np.log(s / (r + s + x)) + u + log_g_tx + np.log1p(-shrink)
            return np.asarray(np.logaddexp(0.0, log_b), dtype=np.float64)

    def _log_likelihood(self, theta: FloatArray, data: Histories) -> tuple[float, FloatArray]:
        """Weighted log-likelihood and its gradient, Fader & Hardie (2005 note) (18)-(20).

        Evaluated once per distinct (x, age) pair; see :mod:`segmint.models._pareto_likelihood`.
        """
        return log_likelihood(theta, data)

    def _theta(self) -> FloatArray:
        return np.array(self._fitted_params())

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(active at T | x, t_x, T) = 1 / (1 + B): Fader & Hardie (2005 note), section 5.1."""
        x, t_x, age = self._customers(frequency, recency, T)
        return self._alive(x, t_x, age)

    def _alive(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """P(alive) of valid customers, with the 2F1 factor evaluated once per distinct (x, age)."""
        theta = self._theta()
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            log_g = tuple(
                self._log_g(theta, counts, ages)[pair].reshape(x.shape)
                for counts, ages, pair in (
                    distinct_pairs(x.reshape(-1), t_x.reshape(-1)),
                    distinct_pairs(x.reshape(-1), T.reshape(-1)),
                )
            )
        return np.exp(-self._log_one_plus_b(theta, x, t_x, T, (log_g[0], log_g[1])))

    @staticmethod
    def _lifetime_factor(s: float, beta_T: FloatArray, t: FloatArray) -> FloatArray:
        """[1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1), with its limit log((beta+T+t)/(beta+T)) at s = 1."""
        log_ratio = np.log(beta_T) - np.log(beta_T + t)
        if abs(s - 1) < 1e-10:
            return np.asarray(-log_ratio, dtype=np.float64)
        return np.asarray(-np.expm1((s - 1) * log_ratio) / (s - 1), dtype=np.float64)

    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]: Fader & Hardie (2005 note) (27)."""
        r, alpha, s, beta = self._fitted_params()
        t_arr = self._horizon(t)
        return r * beta / alpha * self._lifetime_factor(s, np.full_like(t_arr, beta), t_arr)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: Fader & Hardie (2005 note) equation (41).

        (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive).
        """
        r, alpha, s, beta = self._fitted_params()
        x, t_x, age = self._customers(frequency, recency, T)
        t_arr = self._horizon(t)
        rate = (r + x) / (alpha + age) * (beta + age)
        return np.asarray(
            rate * self._lifetime_factor(s, beta + age, t_arr) * self._alive(x, t_x, age),
            dtype=np.float64,
        )

    def predict_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] for every t in ``horizons``: one row per customer, one column per t.

        The same numbers as :meth:`predict_purchases` at each t, with P(alive) computed
        once per customer and the lifetime factor once per distinct age and horizon.
        """
        r, alpha, s, beta = self._fitted_params()
        x, t_x, age = (column.reshape(-1) for column in self._customers(frequency, recency, T))
        t_arr = self._horizon(horizons, "horizons").reshape(-1)
        age_index, ages = pd.factorize(age)
        beta_ages = beta + np.asarray(ages, dtype=np.float64)
        factor = self._lifetime_factor(s, beta_ages[:, None], t_arr[None, :])[age_index]
        rate = (r + x) / (alpha + age) * (beta + age)
        return np.asarray(
            rate[:, None] * factor * self._alive(x, t_x, age)[:, None], dtype=np.float64
        )

    def probability_of_purchases(self, k: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = k) for a customer just acquired; ``k`` and ``t`` broadcast.

        Evaluates the model's defining mixture (Schmittlein et al. 1987, section 2):
        NB(k; r, alpha/(alpha+t)) (beta/(beta+t))^s + integral over the death time tau in
        (0, t) of s beta^s (beta+tau)^-(s+1) NB(k; r, alpha/(alpha+tau)), by 64-point
        Gauss-Legendre quadrature (the integrand is smooth in tau).
        """
        r, alpha, s, beta = self._fitted_params()
        k_arr = self._horizon(k, "k")
        check_integer_counts("k", k_arr)
        t_arr = self._horizon(t)
        k_b, t_b = np.broadcast_arrays(k_arr, t_arr)
        survive_pmf, _ = nbinom_pmf_sf(k_b, r, alpha / (alpha + t_b))
        nodes, weights = _QUADRATURE
        tau = t_b[..., None] / 2 * (nodes + 1)
        pmf_tau, _ = nbinom_pmf_sf(k_b[..., None], r, alpha / (alpha + tau))
        death_density = s * np.exp(s * np.log(beta) - (s + 1) * np.log(beta + tau))
        died = (death_density * pmf_tau) @ weights * t_b / 2
        return np.asarray(survive_pmf * (beta / (beta + t_b)) ** s + died, dtype=np.float64)
