"""The Pareto/NBD log-likelihood with its gradient, evaluated per distinct (count, age) pair.

Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions",
equations (18)-(20), written as

    L = Gamma(r+x) alpha^r beta^s / Gamma(r) [A(x, T) + J(x, t_x) - J(x, T)],
    A(x, y) = (alpha+y)^-(r+x) (beta+y)^-s,
    J(x, y) = s int_y^inf (alpha+u)^-(r+x) (beta+u)^-(s+1) du = s/(r+s+x) A(x, y) G(x, y),

where G is the Gauss hypergeometric factor of :meth:`ParetoNBD._log_g`. A and J depend on
a purchase count and one age only, so they and their parameter derivatives are computed
once per distinct (x, age) pair (a few tens of thousands for a million customers); each
customer then needs a handful of exponentials and the gradient is gathered per pair with
``np.bincount``.

Derivatives of log G: in alpha and beta through its argument z, with
d/dz 2F1(1, b; c; z) = b/c 2F1(2, b+1; c+1; z); in r and s through the 2F1's parameters b
and c, which have no closed form and are taken by central differences of the 2F1 alone
(relative step 1e-5: truncation and rounding errors both near 1e-10).
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from segmint.models._base import Histories
from segmint.models._special import softplus_and_logistic
from segmint.models._validation import FloatArray

_CHUNK_ROWS = 1 << 16  # rows summed per pass: a pass's temporaries stay in the CPU cache

_PARAMETER_STEP = 1e-5


def _log_hyp2f1_parameter_slopes(
    b: FloatArray | float, c: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """d/db and d/dc of log 2F1(1, b; c; z), by central differences."""
    step_b, step_c = _PARAMETER_STEP * b, _PARAMETER_STEP * c
    slope_b = (np.log(hyp2f1(1.0, b + step_b, c, z)) - np.log(hyp2f1(1.0, b - step_b, c, z))) / (
        2 * step_b
    )
    slope_c = (np.log(hyp2f1(1.0, b, c + step_c, z)) - np.log(hyp2f1(1.0, b, c - step_c, z))) / (
        2 * step_c
    )
    return np.asarray(slope_b), np.asarray(slope_c)


def pair_terms(
    theta: FloatArray, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """log A(x, y), its gradient, log J(x, y), its gradient (gradients: pairs x 4, in theta)."""
    r, alpha, s, beta = theta
    rx = r + x
    c = rx + s + 1
    alpha_y, beta_y = alpha + y, beta + y
    log_alpha_y, log_beta_y = np.log(alpha_y), np.log(beta_y)
    log_a = -rx * log_alpha_y - s * log_beta_y
    grad_a = np.column_stack([-log_alpha_y, -rx / alpha_y, -log_beta_y, -s / beta_y])
    if alpha >= beta:  # G = 2F1(1, r+x; c; (alpha-beta)/(alpha+y))
        b: FloatArray | float = rx
        z = (alpha - beta) / alpha_y
        log_ratio, ratio_alpha, ratio_beta = 0.0, 0.0, 0.0
        z_alpha, z_beta = beta_y / alpha_y**2, -1.0 / alpha_y
    else:  # G = (alpha+y)/(beta+y) 2F1(1, s+1; c; (beta-alpha)/(beta+y))
        b = s + 1.0
        z = (beta - alpha) / beta_y
        log_ratio, ratio_alpha, ratio_beta = log_alpha_y - log_beta_y, 1.0 / alpha_y, -1.0 / beta_y
        z_alpha, z_beta = -1.0 / beta_y, alpha_y / beta_y**2
    series = hyp2f1(1.0, b, c, z)
    slope_z = b / c * hyp2f1(2.0, b + 1.0, c + 1.0, z) / series
    slope_b, slope_c = _log_hyp2f1_parameter_slopes(b, c, z)
    slope_r, slope_s = (
        (slope_b + slope_c, slope_c) if alpha >= beta else (slope_c, slope_b + slope_c)
    )
    log_j = np.log(s) - np.log(rx + s) + log_a + log_ratio + np.log(series)
    grad_j = grad_a + np.column_stack(
        [
            slope_r - 1.0 / (rx + s),
            ratio_alpha + slope_z * z_alpha,
            slope_s + 1.0 / s - 1.0 / (rx + s),
            ratio_beta + slope_z * z_beta,
        ]
    )
    return log_a, grad_a, log_j, grad_j


def log_likelihood(theta: FloatArray, data: Histories) -> tuple[float, FloatArray]:
    """Weighted total log-likelihood and its gradient in theta = (r, alpha, s, beta).

    Per customer, with B = (J(t_x) - J(T))/A(T) >= 0: ll = log prefix + log A(T) +
    log(1 + B); the gradient weighs d log A(T), d log J(t_x), d log J(T) by A/D, J(t_x)/D and
    J(T)/D, D = A + J(t_x) - J(T).
    """
    r, alpha, s, beta = theta
    w = data.weights
    pair_x, pair_age, T_pair, t_x_pair = data.count_age_pairs
    n_pairs = pair_x.size
    # extreme trial parameters can overflow the 2F1; the optimiser then sees NaN and backs off
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_a, grad_a, log_j, grad_j = pair_terms(theta, pair_x, pair_age)
        on_T = np.zeros(n_pairs)
        on_a, on_j_tx, on_j_T = np.zeros(n_pairs), np.zeros(n_pairs), np.zeros(n_pairs)
        log_one_plus_b_total = 0.0
        # the per-row terms a chunk at a time, so their temporaries stay in the CPU cache
        for start in range(0, w.size, _CHUNK_ROWS):
            rows = slice(start, start + _CHUNK_ROWS)
            w_rows, T_rows, t_x_rows = w[rows], T_pair[rows], t_x_pair[rows]
            log_j_tx, log_j_T = log_j[t_x_rows], log_j[T_rows]
            log_jt = log_j_tx - log_a[T_rows]  # log J(t_x)/A(T)
            shrink = np.minimum(np.exp(log_j_T - log_j_tx), 1.0)  # J(T)/J(t_x)
            log_one_plus_b, _ = softplus_and_logistic(log_jt + np.log1p(-shrink))
            log_one_plus_b_total += float(w_rows @ log_one_plus_b)
            weight_a = w_rows * np.exp(-log_one_plus_b)  # w A/D
            weight_j_tx = w_rows * np.exp(log_jt - log_one_plus_b)  # w J(t_x)/D
            on_T += np.bincount(T_rows, weights=w_rows, minlength=n_pairs)
            on_a += np.bincount(T_rows, weights=weight_a, minlength=n_pairs)
            on_j_tx += np.bincount(t_x_rows, weights=weight_j_tx, minlength=n_pairs)
            # w J(T)/D
            on_j_T += np.bincount(T_rows, weights=weight_j_tx * shrink, minlength=n_pairs)
    k, w_k, total = data.counts, data.count_weights, w.sum()
    ll = (
        w_k @ (gammaln(r + k) - gammaln(r))
        + total * (r * np.log(alpha) + s * np.log(beta))
        + on_T @ log_a
        + log_one_plus_b_total
    )
    prefix = np.array(
        [
            w_k @ (digamma(r + k) - digamma(r)) + total * np.log(alpha),
            total * r / alpha,
            total * np.log(beta),
            total * s / beta,
        ]
    )
    grad = prefix + on_a @ grad_a + on_j_tx @ grad_j - on_j_T @ grad_j
    return float(ll), grad
