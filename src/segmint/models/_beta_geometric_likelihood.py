"""The BG/NBD and MBG/NBD log-likelihood with its analytic gradient and Hessian.

Per customer (FHL 2005 equation (6) for s = 0, Batislam et al. 2007 for s = 1),

    L = Gamma(r+x) alpha^r / Gamma(r) [B(a, b+x+s)/B(a, b) (alpha+T)^-(r+x)
        + delta(x+s > 0) B(a+1, b+x+s-1)/B(a, b) (alpha+t_x)^-(r+x)],

written as log L = A(x) + r log(alpha) - (r+x) log(alpha+T) + softplus(z) with the
log-odds of "dropped out after t_x" against "still active"

    z = log(a) - log(b+x+s-1) + (r+x) log((alpha+T)/(alpha+t_x))   (-inf when x+s = 0)

and A(x) = log[Gamma(r+x)/Gamma(r) B(a, b+x+s)/B(a, b)]. With p = logistic(z), the
derivatives follow from d softplus(z) = p dz and d^2 softplus(z) = p(1-p) dz dz' + p d^2z.
Terms in x alone are evaluated once per distinct count, terms in an age once per age.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from segmint.models._base import Histories
from segmint.models._special import softplus_and_logistic
from segmint.models._validation import FloatArray


@overload
def log_likelihood(
    theta: FloatArray, data: Histories, shift: int, *, hessian: Literal[False]
) -> tuple[float, FloatArray, None]: ...


@overload
def log_likelihood(
    theta: FloatArray, data: Histories, shift: int, *, hessian: Literal[True]
) -> tuple[float, FloatArray, FloatArray]: ...


def log_likelihood(
    theta: FloatArray, data: Histories, shift: int, *, hessian: bool
) -> tuple[float, FloatArray, FloatArray | None]:
    """Weighted total log-likelihood at ``theta`` = (r, alpha, a, b), its gradient and,
    when ``hessian`` is true, its Hessian (all with respect to the natural parameters).

    ``shift`` is 0 for the BG/NBD and 1 for the MBG/NBD: the number of dropout
    opportunities an active customer has survived is x + shift.
    """
    r, alpha, a, b = theta
    k, w_k = data.counts, data.count_weights
    total = w_k.sum()
    n = k + shift
    can_drop = n > 0
    inv_b_k = 1.0 / (b + np.where(can_drop, n, 1.0) - 1)  # 1/(b+n-1) = -dz/db where n > 0
    log_stay_k = (
        gammaln(r + k)
        - gammaln(r)
        + gammaln(b + n)
        - gammaln(b)
        + gammaln(a + b)
        - gammaln(a + b + n)
    )
    per_value = _PerValue(
        r,
        np.where(can_drop, np.log(a * inv_b_k), -np.inf),
        inv_b_k,
        np.log(alpha + data.ages),
        1.0 / (alpha + data.ages),
    )
    sums = np.sum(
        [
            _row_sums(data, slice(start, start + _CHUNK_ROWS), per_value, hessian=hessian)
            for start in range(0, max(data.x.size, 1), _CHUNK_ROWS)
        ],
        axis=0,
    )
    softplus, rx_log_aT, log_aT, p_gap, rx_u_T, p_dz_alpha, p, p_inv_b = sums[:8]
    ll = w_k @ log_stay_k + total * r * np.log(alpha) + softplus - rx_log_aT
    psi_ab_k = digamma(a + b) - digamma(a + b + n)
    grad = np.array(
        [
            w_k @ (digamma(r + k) - digamma(r)) + total * np.log(alpha) - log_aT + p_gap,
            total * r / alpha - rx_u_T + p_dz_alpha,
            w_k @ psi_ab_k + p / a,
            w_k @ (psi_ab_k + digamma(b + n) - digamma(b)) - p_inv_b,
        ]
    )
    if not hessian:
        return float(ll), grad, None
    return float(ll), grad, _curvature(theta, data, n, sums)


def row_log_likelihood(
    theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray, shift: int
) -> FloatArray:
    """Each row's own log-likelihood at ``theta`` = (r, alpha, a, b), unweighted: the terms
    :func:`log_likelihood` sums, one value per (x, t_x, T) row. A finite mixture needs them
    per customer (its class posteriors, :mod:`segmint.models.latent_class`)."""
    r, alpha, a, b = theta
    n = x + shift
    can_drop = n > 0
    log_stay = (
        gammaln(r + x)
        - gammaln(r)
        + gammaln(b + n)
        - gammaln(b)
        + gammaln(a + b)
        - gammaln(a + b + n)
    )
    log_aT = np.log(alpha + T)
    gap = (r + x) * (log_aT - np.log(alpha + t_x))
    z = np.where(can_drop, np.log(a) - np.log(b + np.where(can_drop, n, 1.0) - 1) + gap, -np.inf)
    return np.asarray(log_stay + r * np.log(alpha) - (r + x) * log_aT + np.logaddexp(0.0, z))


def _curvature(theta: FloatArray, data: Histories, n: FloatArray, sums: FloatArray) -> FloatArray:
    """The Hessian of :func:`log_likelihood` at ``theta`` from its row sums (``sums[8:]``)."""
    r, alpha, a, b = theta
    k, w_k = data.counts, data.count_weights
    total = w_k.sum()
    p = sums[6]  # wp, as in log_likelihood's gradient
    (u_T, p_du, p_d2z_alpha, p_inv_b2, q, q_gap, q_alpha, q_b) = sums[8:16]
    (q_gap_gap, q_gap_alpha, q_alpha_alpha, q_gap_b, q_alpha_b, q_b_b, rx_u_T2) = sums[16:]
    trigamma_ab_k = polygamma(1, a + b) - polygamma(1, a + b + n)
    h_rr = w_k @ (polygamma(1, r + k) - polygamma(1, r)) + q_gap_gap
    h_r_alpha = total / alpha - u_T + p_du + q_gap_alpha
    h_alpha_alpha = -total * r / alpha**2 + rx_u_T2 + p_d2z_alpha + q_alpha_alpha
    h_aa = w_k @ trigamma_ab_k + (q - p) / a**2
    h_ab = w_k @ trigamma_ab_k - q_b / a
    h_bb = w_k @ (trigamma_ab_k + polygamma(1, b + n) - polygamma(1, b)) + p_inv_b2 + q_b_b
    curvature = np.array(
        [
            [h_rr, h_r_alpha, q_gap / a, -q_gap_b],
            [h_r_alpha, h_alpha_alpha, q_alpha / a, -q_alpha_b],
            [q_gap / a, q_alpha / a, h_aa, h_ab],
            [-q_gap_b, -q_alpha_b, h_ab, h_bb],
        ]
    )
    return curvature


_CHUNK_ROWS = 1 << 16  # rows summed per pass: a pass's temporaries stay in the CPU cache


@dataclass(frozen=True)
class _PerValue:
    """What the row sums gather: r, and terms evaluated once per distinct count or age."""

    r: float
    log_odds_k: FloatArray  # log(a/(b+n-1)), the part of z in the count alone
    inv_b_k: FloatArray  # 1/(b+n-1)
    log_age: FloatArray  # log(alpha + age)
    inverse_age: FloatArray  # 1/(alpha + age)


def _row_sums(data: Histories, rows: slice, values: _PerValue, *, hessian: bool) -> FloatArray:
    """Weighted sums over ``rows`` of the per-row terms of the log-likelihood's derivatives.

    In order: w softplus(z), w(r+x)log(alpha+T), w log(alpha+T), wp dz/dr, w(r+x)u_T,
    wp dz/dalpha, wp, wp/(b+n-1); with ``hessian`` also w u_T, wp(u_T - u_t),
    wp d2z/dalpha2, wp/(b+n-1)^2, q, q dz/dr, q dz/dalpha, q/(b+n-1), q (dz/dr)^2,
    q dz/dr dz/dalpha, q (dz/dalpha)^2, q dz/dr/(b+n-1), q dz/dalpha/(b+n-1),
    q/(b+n-1)^2 and w(r+x)u_T^2, where u = 1/(alpha + age), p = logistic(z) and
    q = wp(1-p), the weight times the curvature of softplus at z.
    """
    w, idx = data.weights[rows], data.count_index[rows]
    T_index, t_x_index = data.T_index[rows], data.t_x_index[rows]
    rx = values.r + data.x[rows]
    log_aT = values.log_age[T_index]
    gap = log_aT - values.log_age[t_x_index]  # log((alpha+T)/(alpha+t_x)) = dz/dr >= 0
    u_T, u_t = values.inverse_age[T_index], values.inverse_age[t_x_index]
    du = u_T - u_t
    dz_alpha = rx * du  # dz/dalpha <= 0
    z = values.log_odds_k[idx]
    z += rx * gap
    softplus, p = softplus_and_logistic(z)
    wp = w * p
    inv_b = values.inv_b_k[idx]
    w_rx = w * rx
    first = [w @ softplus, w_rx @ log_aT, w @ log_aT, wp @ gap, w_rx @ u_T]
    first += [wp @ dz_alpha, wp.sum(), wp @ inv_b]
    if not hessian:
        return np.array(first)
    q = wp * (1 - p)
    q_gap, q_alpha, q_b = q * gap, q * dz_alpha, q * inv_b
    # d2z/dalpha2 = (r+x)(u_t^2 - u_T^2) = -dz/dalpha (u_t + u_T)
    second = [w @ u_T, wp @ du, -(wp * dz_alpha) @ (u_t + u_T), (wp * inv_b) @ inv_b]
    second += [q.sum(), q_gap.sum(), q_alpha.sum(), q_b.sum()]
    second += [q_gap @ gap, q_gap @ dz_alpha, q_alpha @ dz_alpha, q_gap @ inv_b]
    second += [q_alpha @ inv_b, q_b @ inv_b, (w_rx * u_T) @ u_T]
    return np.array(first + second)
