"""Gamma-Gamma against Fader & Hardie (2013, note 025) on the 946 CDNOW repeat buyers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from segmint.exceptions import ConvergenceError
from segmint.models import GammaGamma, simulate_gamma_gamma
from segmint.models._optimize import AdvisedFitError
from segmint.models.gamma_gamma import RepeatSpends


def test_fit_reproduces_published_parameters(gamma_gamma: GammaGamma) -> None:
    assert gamma_gamma.params_ == pytest.approx({"p": 6.25, "q": 3.74, "gamma": 15.44}, abs=0.01)
    assert gamma_gamma.log_likelihood_ == pytest.approx(-4055.92, abs=0.01)
    assert gamma_gamma.n_customers_ == 946


def test_expected_spend_matches_spreadsheet(
    gamma_gamma: GammaGamma, cdnow_spend: pd.DataFrame
) -> None:
    head = cdnow_spend.head(10)
    published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    assert gamma_gamma.expected_spend(head["x"], head["zbar"]) == pytest.approx(published, abs=0.1)


def test_no_repeat_purchase_gets_population_mean(gamma_gamma: GammaGamma) -> None:
    p, q, gamma = (gamma_gamma.params_[k] for k in ("p", "q", "gamma"))
    assert gamma_gamma.expected_spend([0, 0], [0.0, 99.0]) == pytest.approx(
        [p * gamma / (q - 1)] * 2
    )


def test_more_purchases_pull_towards_own_mean(gamma_gamma: GammaGamma) -> None:
    spend = gamma_gamma.expected_spend([1, 5, 50, 5000], [200.0] * 4)
    assert np.all(np.diff(spend) > 0) and spend[-1] == pytest.approx(200.0, rel=0.01)


def test_a_single_spend_level_cannot_be_fitted() -> None:
    with pytest.raises(ConvergenceError, match="at least two customers with repeat purchases"):
        GammaGamma().fit([0, 2, 3], [0.0, 10.0, 10.0])


def test_zero_spend_with_purchases_is_rejected() -> None:
    with pytest.raises(ValueError, match="monetary_value must be > 0"):
        GammaGamma().fit([1, 2, 3], [5.0, 0.0, 3.0])


def _plain_log_density(theta: np.ndarray, x: np.ndarray, zbar: np.ndarray) -> np.ndarray:
    """log f(zbar | p, q, gamma; x) per customer, written as in note 025."""
    p, q, gamma = theta
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + p * x * np.log(x)
        + (p * x - 1) * np.log(zbar)
        - (p * x + q) * np.log(gamma + x * zbar)
    )


def test_summarised_likelihood_equals_per_customer_density() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(1, 60, 5000).astype(float)
    zbar = rng.gamma(2.0, 20.0, x.size)
    weights = rng.integers(1, 4, x.size).astype(float)
    data = RepeatSpends.of(x, zbar, weights)
    for theta in rng.uniform([0.2, 0.5, 0.5], [20.0, 10.0, 200.0], (5, 3)):
        ll, grad = GammaGamma._log_likelihood(theta, data)
        assert ll == pytest.approx(weights @ _plain_log_density(theta, x, zbar), rel=1e-10)
        steps = np.eye(3) * theta * 1e-6
        numeric = [
            weights
            @ (_plain_log_density(theta + h, x, zbar) - _plain_log_density(theta - h, x, zbar))
            / (2 * h[j])
            for j, h in enumerate(steps)
        ]
        assert grad == pytest.approx(numeric, rel=1e-5, abs=1e-3)


def test_large_input_started_from_a_subsample_reaches_the_weighted_fit() -> None:
    """120,000 rows (fitted from a subsample's start) equal 12,000 rows weighted by 10."""
    rng = np.random.default_rng(3)
    x = rng.integers(1, 30, 12_000).astype(float)
    zbar = simulate_gamma_gamma({"p": 6.25, "q": 3.74, "gamma": 15.44}, x, rng)
    weighted = GammaGamma().fit(x, zbar, weights=np.full(x.size, 10.0))
    repeated = GammaGamma().fit(np.tile(x, 10), np.tile(zbar, 10))
    assert repeated.params_ == pytest.approx(weighted.params_, rel=1e-6)
    assert repeated.log_likelihood_ == pytest.approx(weighted.log_likelihood_, rel=1e-12)
    assert repeated.standard_errors_ == pytest.approx(weighted.standard_errors_, rel=1e-3)


def test_an_infinite_mean_spend_names_the_penalty_as_its_caller_does() -> None:
    model = GammaGamma()
    model.params_ = {"p": 6.0, "q": 0.9, "gamma": 15.0}
    with pytest.raises(AdvisedFitError) as refused:
        model.mean_parameters()
    assert str(refused.value).endswith("or set penalizer_coef > 0 and refit.")
    assert refused.value.naming("--penalizer").endswith("or set --penalizer > 0 and refit.")
