"""Gamma-Gamma against Fader & Hardie (2013, note 025) on the 946 CDNOW repeat buyers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import ConvergenceError
from segmint.models import GammaGamma


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
