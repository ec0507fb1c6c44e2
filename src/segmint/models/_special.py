"""Special-function helpers evaluated so that large counts and long ages stay finite."""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, gammaln, hyp2f1, xlog1py

from segmint.models._validation import FloatArray


def scaled_hyp2f1(
    a: FloatArray | float, b: FloatArray | float, c: FloatArray | float, z: FloatArray
) -> FloatArray:
    """(1 - z)^a 2F1(a, b; c; z) for 0 <= z < 1, through Euler's transformation.

    (1 - z)^a 2F1(a, b; c; z) = (1 - z)^(c - b) 2F1(c - a, c - b; c; z). When a and b grow
    with the purchase count x (as in the BG/NBD family's conditional expectations), c - a
    and c - b stay small while c grows, so the series converges fast and never overflows.
    """
    return np.asarray(np.exp((c - b) * np.log1p(-z)) * hyp2f1(c - a, c - b, c, z), dtype=np.float64)


def nbinom_pmf_sf(k: FloatArray, r: float, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """P(N = k) and P(N >= k) for N ~ NegBin(r, p), the Poisson-gamma purchase count.

    P(N = k) = Gamma(r+k)/(Gamma(r) k!) p^r (1-p)^k and P(N >= k) = I_(1-p)(k, r) for k >= 1
    (regularised incomplete beta), 1 for k = 0. At p = 1 (a window of length 0) N is 0:
    0 log(1 - p) is taken as 0 there.
    """
    log_pmf = gammaln(r + k) - gammaln(r) - gammaln(k + 1) + r * np.log(p) + xlog1py(k, -p)
    sf = np.where(k > 0, betainc(np.maximum(k, 1.0), r, 1 - p), 1.0)
    return np.exp(log_pmf), np.asarray(sf, dtype=np.float64)


def softplus_and_logistic(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """log(1 + e^z) and 1/(1 + e^-z), stable for any z (even -inf).

    The softplus is max(z, 0) + log1p(e^-|z|), exact to rounding where e^z overflows or
    underflows; the logistic 1/(1 + e^-z) is too (e^-z = inf gives 0), and two
    exponentials cost less than choosing between branches element by element.
    """
    softplus = np.maximum(z, 0.0)
    softplus += np.log1p(np.exp(-np.abs(z)))
    with np.errstate(over="ignore"):
        logistic = 1.0 / (1.0 + np.exp(-z))
    return softplus, logistic
