"""The Gamma-Gamma model of the average transaction value (spend per purchase)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from segmint.exceptions import ConvergenceError, ModelInputError
from segmint.models._base import MaximumLikelihoodModel, warm_start_rows
from segmint.models._optimize import AdvisedFitError, StartingPoint, single_threaded_blas
from segmint.models._validation import (
    FloatArray,
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


@dataclass(frozen=True)
class RepeatSpends:
    """Repeat buyers' (x, zbar, weight) reduced to what the Gamma-Gamma likelihood needs.

    Mean spends are continuous, so identical rows are rare and the likelihood runs over
    every buyer; what can be done once is done here: the distinct counts with their total
    weights (for the gamma functions of px and px + q), x zbar per buyer, and the two sums
    that do not involve a parameter.
    """

    counts: FloatArray
    count_weights: FloatArray
    spend: FloatArray
    weights: FloatArray
    weighted_counts: FloatArray
    total_weight: float
    log_x_zbar: float
    log_zbar: float

    @classmethod
    def of(cls, x: FloatArray, zbar: FloatArray, weights: FloatArray) -> RepeatSpends:
        """Summarise buyers with x > 0 and zbar > 0 (validated by the caller)."""
        codes, levels = pd.factorize(x)
        counts = np.asarray(levels, dtype=np.float64)
        count_weights = np.bincount(codes, weights=weights, minlength=counts.size).astype(
            np.float64
        )
        log_zbar = np.log(zbar)
        weighted_counts = weights * x
        return cls(
            counts=counts,
            count_weights=count_weights,
            spend=x * zbar,
            weights=weights,
            weighted_counts=weighted_counts,
            total_weight=float(weights.sum()),
            log_x_zbar=float(
                (count_weights * counts) @ np.log(counts) + weighted_counts @ log_zbar
            ),
            log_zbar=float(weights @ log_zbar),
        )


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
    def _log_likelihood(theta: FloatArray, data: RepeatSpends) -> tuple[float, FloatArray]:
        """Weighted total log f(zbar | p, q, gamma; x) and its gradient.

        f = Gamma(px+q)/(Gamma(px) Gamma(q)) gamma^q x^(px) zbar^(px-1) / (gamma + x zbar)^(px+q).
        Summed over customers, the terms in x alone are evaluated once per distinct count,
        p sum x log(x zbar) and sum log zbar are constants, and only gamma + x zbar needs a
        logarithm (and a reciprocal, for the gradient) per customer and evaluation.
        """
        p, q, gamma = theta
        k, n_k, total = data.counts, data.count_weights, data.total_weight
        shifted = gamma + data.spend
        log_shifted = np.log(shifted)
        inverse = 1.0 / shifted
        # sum w x log(gamma + x zbar), sum w log(gamma + x zbar) and their gamma-derivatives
        a, b = data.weighted_counts @ log_shifted, data.weights @ log_shifted
        da, db = data.weighted_counts @ inverse, data.weights @ inverse
        pk = p * k
        psi_all = digamma(pk + q)
        ll = (
            n_k @ (gammaln(pk + q) - gammaln(pk))
            - total * (gammaln(q) - q * np.log(gamma))
            + p * data.log_x_zbar
            - data.log_zbar
            - p * a
            - q * b
        )
        grad = np.array(
            [
                (n_k * k) @ (psi_all - digamma(pk)) + data.log_x_zbar - a,
                n_k @ psi_all - total * (digamma(q) - np.log(gamma)) - b,
                total * q / gamma - p * da - q * db,
            ]
        )
        return float(ll), grad

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> Self:
        """Fit on customers with frequency > 0 and return ``self``."""
        x, zbar = _validate_spend(frequency, monetary_value)
        w = validate_weights(weights, x.size)
        buyers = (x > 0) & (w > 0)
        x, zbar, w = x[buyers], zbar[buyers], w[buyers]
        if zbar.size == 0 or zbar.min() == zbar.max():
            raise ConvergenceError(
                f"GammaGamma needs at least two customers with repeat purchases and differing "
                f"spend; got {zbar.size} of {buyers.size} customers with frequency > 0. "
                "Use a longer calibration period or the population mean spend instead."
            )
        with single_threaded_blas():
            mean = np.average(zbar, weights=w)
            var = np.average((zbar - mean) ** 2, weights=w)
            guess = np.array([max(mean**2 / var, 0.1), 3.0, 2.0 * mean])
            data = RepeatSpends.of(x, zbar, w)
            rows = warm_start_rows(x.size)
            start: FloatArray | StartingPoint = guess
            if rows is not None:
                sample = RepeatSpends.of(x[rows], zbar[rows], w[rows])
                start = self._rough_start(
                    lambda theta: self._log_likelihood(theta, sample), sample.total_weight, guess
                )
            self._maximise(lambda theta: self._log_likelihood(theta, data), w, start)
        return self

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> FloatArray:
        """E[M | x, zbar]: Fader & Hardie (2013) note 025, equation (5).

        (q - 1)/(px + q - 1) * p gamma/(q - 1) + px/(px + q - 1) * zbar: a weighted mean of
        the population mean p gamma/(q - 1) and the customer's own mean, which is the
        population mean when x = 0. Needs q > 1 (otherwise the mean spend is infinite).
        """
        p, q, gamma = self.mean_parameters()
        x, zbar = _validate_spend(frequency, monetary_value)
        px = p * x
        return np.asarray((p * gamma + px * zbar) / (px + q - 1), dtype=np.float64)

    def mean_parameters(self) -> tuple[float, float, float]:
        """The fitted (p, q, gamma), once checked to give a finite mean spend (q > 1).

        Raises:
            AdvisedFitError: q <= 1 (a :class:`ConvergenceError`).
        """
        p, q, gamma = self._fitted_params()
        if q <= 1:
            raise AdvisedFitError(
                f"GammaGamma fitted q = {q:.3g} <= 1, so the population mean spend is infinite.",
                "Remove extreme spend outliers or set {penalty} > 0 and refit.",
            )
        return p, q, gamma
