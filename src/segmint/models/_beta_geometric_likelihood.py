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
    w, idx, k, w_k = data.weights, data.count_index, data.counts, data.count_weights
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
    log_odds_k = np.where(can_drop, np.log(a * inv_b_k), -np.inf)

    rx = r + data.x
    log_age = np.log(alpha + data.ages)
    inverse_age = 1.0 / (alpha + data.ages)
    log_aT = log_age[data.T_index]
    gap = log_aT - log_age[data.t_x_index]  # log((alpha+T)/(alpha+t_x)) = dz/dr >= 0
    u_T, u_t = inverse_age[data.T_index], inverse_age[data.t_x_index]
    du = u_T - u_t
    dz_alpha = rx * du  # dz/dalpha <= 0
    z = log_odds_k[idx]
    z += rx * gap
    softplus, p = softplus_and_logistic(z)
    wp = w * p
    inv_b = inv_b_k[idx]
    w_rx = w * rx
    ll = w_k @ log_stay_k + total * r * np.log(alpha) + w @ softplus - w_rx @ log_aT

    psi_ab_k = digamma(a + b) - digamma(a + b + n)
    grad = np.array(
        [
            w_k @ (digamma(r + k) - digamma(r)) + total * np.log(alpha) - w @ log_aT + wp @ gap,
            total * r / alpha - w_rx @ u_T + wp @ dz_alpha,
            w_k @ psi_ab_k + wp.sum() / a,
            w_k @ (psi_ab_k + digamma(b + n) - digamma(b)) - wp @ inv_b,
        ]
    )
    if not hessian:
        return float(ll), grad, None

    q = wp * (1 - p)  # weight times the curvature of softplus at z
    q_gap, q_alpha, q_b = q * gap, q * dz_alpha, q * inv_b
    trigamma_ab_k = polygamma(1, a + b) - polygamma(1, a + b + n)
    h_ab = w_k @ trigamma_ab_k - q_b.sum() / a
    h_aa = w_k @ trigamma_ab_k + (q.sum() - wp.sum()) / a**2
    h_bb = (
        w_k @ (trigamma_ab_k + polygamma(1, b + n) - polygamma(1, b)) + (wp * inv_b + q_b) @ inv_b
    )
    h_rr = w_k @ (polygamma(1, r + k) - polygamma(1, r)) + q_gap @ gap
    h_r_alpha = total / alpha - w @ u_T + wp @ du + q_gap @ dz_alpha
    # d2z/dalpha2 = (r+x)(u_t^2 - u_T^2) = -dz/dalpha (u_t + u_T)
    h_alpha_alpha = (
        -total * r / alpha**2
        + (w_rx * u_T) @ u_T
        - (wp * dz_alpha) @ (u_t + u_T)
        + q_alpha @ dz_alpha
    )
    h_r_a, h_alpha_a = q_gap.sum() / a, q_alpha.sum() / a
    h_r_b, h_alpha_b = -q_gap @ inv_b, -q_alpha @ inv_b
    curvature = np.array(
        [
            [h_rr, h_r_alpha, h_r_a, h_r_b],
            [h_r_alpha, h_alpha_alpha, h_alpha_a, h_alpha_b],
            [h_r_a, h_alpha_a, h_aa, h_ab],
            [h_r_b, h_alpha_b, h_ab, h_bb],
        ]
    )
    return float(ll), grad, curvature
