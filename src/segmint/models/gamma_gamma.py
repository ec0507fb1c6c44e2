"""The Gamma-Gamma model of the average transaction value (spend per purchase)."""

from __future__ import annotations

from typing import Self

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from segmint.exceptions import ConvergenceError
from segmint.models._base import MaximumLikelihoodModel, compress_rows, weighted_total
from segmint.models._validation import (
    FloatArray,
    ModelInputError,
    as_float_array,
    check_integer_counts,
    check_same_shape,
    validate_weights,
)


def _validate_spend(
    frequency: ArrayLike, monetary_value: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Validate (x, zbar): whole x >= 0, same shapes, zbar > 0 wherever x > 0."""
    x = as_float_array("frequency", frequency)
    zbar = as_float_array("monetary_value", monetary_value)
    check_same_shape(frequency=x, monetary_value=zbar)
    check_integer_counts("frequency", x)
    if np.any((x > 0) & (zbar <= 0)):
        where = int(np.argmax((x > 0) & (zbar <= 0)))
        raise ModelInputError(
            f"monetary_value must be > 0 for customers with repeat purchases; row {where} has "
            f"frequency {x[where]:g} and monetary_value {zbar[where]:g}. Drop refund-only "
            "customers or use gross order values."
        )
    return x, zbar


class GammaGamma(MaximumLikelihoodModel):
    """Gamma-Gamma spend model (Colombo & Jiang 1999; Fader & Hardie 2013, note 025).

    What for: the expected value of a customer's future transactions, shrinking their
    observed average towards the population mean according to how many purchases it
    rests on; combined with a transaction model it gives customer lifetime value.

    Assumptions: each transaction value z_i ~ Gamma(p, nu) (shape p, rate nu) around a
    customer's own mean p/nu; nu ~ Gamma(q, gamma) across customers; spend is independent
    of purchase frequency (check that the correlation of x and zbar is small).

    Inputs: per customer ``frequency`` (x, repeat transactions) and ``monetary_value``
    (zbar, mean value of those x transactions). Customers with x = 0 carry no information
    about spend and are ignored by ``fit``. Fitted ``params_``: ``p, q, gamma``.

    Equations (Fader & Hardie 2013, note 025): the marginal density of zbar given x is
    maximised in log space; E[M | x, zbar], equation (5), is ``expected_spend``.

    Examples
    --------
    On the 946 CDNOW customers with repeat purchases the fit gives p = 6.25, q = 3.74,
    gamma = 15.44 and log-likelihood -4055.92, as published.

    References
    ----------
    Colombo, R. & Jiang, W. (1999). "A stochastic RFM model". Journal of Interactive
    Marketing 13(3), 2-12.
    Fader, P. S. & Hardie, B. G. S. (2013). "The Gamma-Gamma Model of Monetary Value".
    http://brucehardie.com/notes/025/
    """

    param_names = ("p", "q", "gamma")

    @staticmethod
    def _log_likelihood(
        theta: FloatArray, x: FloatArray, zbar: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """log f(zbar | p, q, gamma; x) and its gradient.

        f = Gamma(px+q)/(Gamma(px) Gamma(q)) gamma^q x^(px) zbar^(px-1) / (gamma + x zbar)^(px+q).
        """
        p, q, gamma = theta
        px = p * x
        log_spend = np.log(gamma + x * zbar)
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gamma)
            + px * np.log(x)
            + (px - 1) * np.log(zbar)
            - (px + q) * log_spend
        )
        psi_all = digamma(px + q)
        grad = np.column_stack(
            [
                x * (psi_all - digamma(px) + np.log(x) + np.log(zbar) - log_spend),
                psi_all - digamma(q) + np.log(gamma) - log_spend,
                q / gamma - (px + q) / (gamma + x * zbar),
            ]
        )
        return ll, grad

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> Self:
        """Fit on customers with frequency > 0 and return ``self``."""
        x, zbar = _validate_spend(frequency, monetary_value)
        w = validate_weights(weights, x.size)
        buyers = (x > 0) & (w > 0)
        if np.unique(zbar[buyers]).size < 2:
            raise ConvergenceError(
                f"GammaGamma needs at least two customers with repeat purchases and differing "
                f"spend; got {np.count_nonzero(buyers)} of {x.size} customers with frequency > 0. "
                "Use a longer calibration period or the population mean spend instead."
            )
        (x, zbar), w = compress_rows(x[buyers], zbar[buyers], weights=w[buyers])
        mean, var = (
            np.average(zbar, weights=w),
            np.average((zbar - np.average(zbar, weights=w)) ** 2, weights=w),
        )
        start = np.array([max(mean**2 / var, 0.1), 3.0, 2.0 * mean])
        self._maximise(
            lambda theta: weighted_total(*self._log_likelihood(theta, x, zbar), w), w, start
        )
        return self

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> FloatArray:
        """E[M | x, zbar]: Fader & Hardie (2013) note 025, equation (5).

        (q - 1)/(px + q - 1) * p gamma/(q - 1) + px/(px + q - 1) * zbar: a weighted mean of
        the population mean p gamma/(q - 1) and the customer's own mean, which is the
        population mean when x = 0. Needs q > 1 (otherwise the mean spend is infinite).
        """
        p, q, gamma = self._fitted_params()
        x, zbar = _validate_spend(frequency, monetary_value)
        if q <= 1:
            raise ConvergenceError(
                f"GammaGamma fitted q = {q:.3g} <= 1, so the population mean spend is infinite. "
                "Remove extreme spend outliers or set penalizer_coef > 0 and refit."
            )
        px = p * x
        return np.asarray((p * gamma + px * zbar) / (px + q - 1), dtype=np.float64)
