"""The BG/NBD and MBG/NBD log-likelihood: its analytic gradient and Hessian are its derivatives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, gammaln

from segmint.models._base import Histories
from segmint.models._beta_geometric_likelihood import log_likelihood, row_log_likelihood

POINTS = [np.array([0.24, 4.4, 0.79, 2.4]), np.array([1.7, 0.6, 3.0, 0.4])]


@pytest.fixture(scope="module")
def histories(cdnow: pd.DataFrame) -> Histories:
    """CDNOW customers with weights that are not all 1 (as merged rows have)."""
    weights = np.random.default_rng(4).choice([1.0, 2.0, 0.5], len(cdnow))
    return Histories.of_customers(
        *(cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T")), weights
    )


def _equation_6(theta: np.ndarray, data: Histories, shift: int) -> float:
    """FHL (2005) equation (6) (Batislam et al. 2007 for shift 1), summed term by term."""
    r, alpha, a, b = theta
    x, t_x, T, w = data.x, data.t_x, data.T, data.weights
    n = x + shift
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    stay = betaln(a, b + n) - betaln(a, b) - (r + x) * np.log(alpha + T)
    drop = betaln(a + 1, b + np.maximum(n, 1) - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x)
    per_row = common + np.logaddexp(stay, np.where(n > 0, drop, -np.inf))
    return float(w @ per_row)


@pytest.mark.parametrize("shift", [0, 1])
@pytest.mark.parametrize("theta", POINTS, ids=["near CDNOW", "far away"])
def test_log_likelihood_is_the_published_one(
    histories: Histories, theta: np.ndarray, shift: int
) -> None:
    ll, _, _ = log_likelihood(theta, histories, shift, hessian=False)
    assert ll == pytest.approx(_equation_6(theta, histories, shift), rel=1e-12)


@pytest.mark.parametrize("shift", [0, 1])
@pytest.mark.parametrize("theta", POINTS, ids=["near CDNOW", "far away"])
def test_gradient_and_hessian_are_central_differences(
    histories: Histories, theta: np.ndarray, shift: int
) -> None:
    ll, grad, hessian = log_likelihood(theta, histories, shift, hessian=True)
    numeric_grad, numeric_hessian = np.empty(4), np.empty((4, 4))
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-5 * theta[j]
        up, down = (
            log_likelihood(theta + s, histories, shift, hessian=False) for s in (step, -step)
        )
        numeric_grad[j] = (up[0] - down[0]) / (2 * step[j])
        numeric_hessian[:, j] = (up[1] - down[1]) / (2 * step[j])
    np.testing.assert_allclose(grad, numeric_grad, rtol=1e-6)
    scale = 1 / np.sqrt(np.abs(np.diag(hessian)))  # compare every entry on its own scale
    np.testing.assert_allclose(
        hessian * np.outer(scale, scale), numeric_hessian * np.outer(scale, scale), atol=1e-7
    )
    np.testing.assert_array_equal(hessian, hessian.T)
    without = log_likelihood(theta, histories, shift, hessian=False)
    assert without[0] == ll and without[2] is None
    np.testing.assert_array_equal(without[1], grad)


@pytest.mark.parametrize("shift", [0, 1])
@pytest.mark.parametrize("theta", POINTS, ids=["near CDNOW", "far away"])
def test_row_log_likelihoods_are_the_rows_of_the_total(
    histories: Histories, theta: np.ndarray, shift: int
) -> None:
    rows = row_log_likelihood(theta, histories.x, histories.t_x, histories.T, shift)
    assert rows.shape == histories.x.shape
    assert histories.weights @ rows == pytest.approx(
        _equation_6(theta, histories, shift), rel=1e-12
    )
