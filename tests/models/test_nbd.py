"""The NBD: the no-dropout limit of the BG/NBD, MBG/NBD and Pareto/NBD."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.models import BGNBD, MBGNBD, NBD, ParetoNBD
from segmint.models._base import Histories


@pytest.fixture(scope="module")
def nbd(cdnow: pd.DataFrame) -> NBD:
    return NBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def _loglik(
    model: BGNBD | MBGNBD | ParetoNBD | NBD, theta: list[float], cdnow: pd.DataFrame
) -> float:
    data = Histories.of_customers(
        cdnow["frequency"].to_numpy(float),
        cdnow["recency"].to_numpy(float),
        cdnow["T"].to_numpy(float),
        None,
    )
    return model._log_likelihood(np.array(theta), data)[0]


@pytest.mark.parametrize(
    ("model", "dropout_at_limit"),
    [(BGNBD(), [1e-30, 5.0]), (MBGNBD(), [1e-30, 5.0]), (ParetoNBD(), [1e-30, 1e3])],
)
def test_the_limit_of_each_model_without_dropout_has_the_nbd_likelihood(
    nbd: NBD, cdnow: pd.DataFrame, model: BGNBD | MBGNBD | ParetoNBD, dropout_at_limit: list[float]
) -> None:
    r, alpha = nbd.params_["r"], nbd.params_["alpha"]
    boundary = _loglik(model, [r, alpha, *dropout_at_limit], cdnow)
    assert boundary == pytest.approx(nbd.log_likelihood_, abs=1e-6)
    inside = _loglik(model, [r, alpha, 0.5, 5.0], cdnow)
    assert abs(inside - nbd.log_likelihood_) > 1.0  # the match is not a coincidence


def test_gradient_matches_finite_differences(nbd: NBD, cdnow: pd.DataFrame) -> None:
    theta = np.array([0.4, 6.0])
    _, grad = NBD()._log_likelihood(theta, Histories.of_customers(
        cdnow["frequency"].to_numpy(float), cdnow["recency"].to_numpy(float),
        cdnow["T"].to_numpy(float), None,
    ))  # fmt: skip
    step = 1e-6
    for j in range(2):
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        numeric = (_loglik(NBD(), list(up), cdnow) - _loglik(NBD(), list(down), cdnow)) / (2 * step)
        assert grad[j] == pytest.approx(numeric, rel=1e-5)


def test_predictions_are_the_posterior_rate_and_match_the_bgnbd_at_its_limit(nbd: NBD) -> None:
    r, alpha = nbd.params_["r"], nbd.params_["alpha"]
    x, t_x, T = np.array([0.0, 2.0, 7.0]), np.array([0.0, 30.4, 35.0]), np.array([38.9, 38.9, 36.0])
    expected = 39.0 * (r + x) / (alpha + T)
    np.testing.assert_allclose(nbd.predict_purchases(39.0, x, t_x, T), expected)
    limit = BGNBD()
    limit.params_ = {"r": r, "alpha": alpha, "a": 1e-9, "b": 5.0}
    np.testing.assert_allclose(limit.predict_purchases(39.0, x, t_x, T), expected, rtol=1e-6)
    np.testing.assert_array_equal(nbd.probability_alive(x, t_x, T), 1.0)
    grid = nbd.predict_purchases_grid([13.0, 39.0], x, t_x, T)
    np.testing.assert_allclose(grid[:, 1], expected)
    assert nbd.expected_purchases_new_customer(10.0) == pytest.approx(10.0 * r / alpha)


def test_purchase_count_probabilities_sum_to_one_with_the_right_mean(nbd: NBD) -> None:
    k = np.arange(400)
    p = nbd.probability_of_purchases(k, 52.0)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert k @ p == pytest.approx(nbd.expected_purchases_new_customer(52.0), rel=1e-6)
