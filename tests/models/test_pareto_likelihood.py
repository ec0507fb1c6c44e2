"""Pareto/NBD pair terms: A and J against their definitions, gradients against differences.

The whole log-likelihood is checked against quadrature in ``test_pareto_nbd``; here the
per-pair building blocks are checked on both branches of the hypergeometric factor
(alpha >= beta and alpha < beta).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from segmint.models._pareto_likelihood import pair_terms

THETAS = [
    np.array([0.55, 10.6, 0.61, 11.7]),  # alpha < beta
    np.array([0.55, 20.0, 0.61, 3.0]),  # alpha > beta
    np.array([1.3, 4.0, 0.9, 4.0]),  # alpha == beta: z = 0
]
X = np.array([0.0, 2.0, 15.0])
Y = np.array([0.0, 30.4, 7.5])


@pytest.mark.parametrize("theta", THETAS, ids=["alpha<beta", "alpha>beta", "alpha=beta"])
def test_log_a_and_log_j_are_their_definitions(theta: np.ndarray) -> None:
    r, alpha, s, beta = theta
    log_a, _, log_j, _ = pair_terms(theta, X, Y)
    for i, (x, y) in enumerate(zip(X, Y, strict=True)):
        a_value = (alpha + y) ** -(r + x) * (beta + y) ** -s
        integral, _ = quad(
            lambda u: (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1),  # noqa: B023
            y,
            np.inf,
            epsabs=0.0,
            epsrel=1e-12,
        )
        j_value = s * integral
        assert log_a[i] == pytest.approx(np.log(a_value), rel=1e-12)
        assert log_j[i] == pytest.approx(np.log(j_value), rel=1e-7)


@pytest.mark.parametrize("theta", THETAS, ids=["alpha<beta", "alpha>beta", "alpha=beta"])
def test_gradients_are_central_differences(theta: np.ndarray) -> None:
    _, grad_a, _, grad_j = pair_terms(theta, X, Y)
    assert grad_a.shape == grad_j.shape == (X.size, 4)
    for k in range(4):
        step = np.zeros(4)
        step[k] = 1e-6 * theta[k]
        up_a, _, up_j, _ = pair_terms(theta + step, X, Y)
        down_a, _, down_j, _ = pair_terms(theta - step, X, Y)
        assert grad_a[:, k] == pytest.approx((up_a - down_a) / (2 * step[k]), rel=1e-6, abs=1e-9)
        assert grad_j[:, k] == pytest.approx((up_j - down_j) / (2 * step[k]), rel=1e-5, abs=1e-8)


def test_j_shrinks_with_age() -> None:
    """J(x, y) is a tail integral: later ages leave less of it."""
    ages = np.array([0.0, 1.0, 10.0, 100.0])
    _, _, log_j, _ = pair_terms(THETAS[0], np.full(4, 3.0), ages)
    assert np.all(np.diff(log_j) < 0)
