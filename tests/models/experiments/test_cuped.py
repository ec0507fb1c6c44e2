"""CUPED: narrower intervals with a correlated pre-period, honest about tiny gains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import ModelInputError
from segmint.models.experiments import cuped_difference


def _campaign(seed: int, rho: float, n: int = 20_000, lift: float = 0.3):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    pre = rng.normal(10.0, 3.0, n)
    noise = rng.normal(0.0, 3.0, n)
    target = rng.random(n) < 0.5
    outcome = 10.0 + rho * (pre - 10.0) + np.sqrt(1 - rho**2) * noise + lift * target
    return outcome, pre, target


def test_intervals_narrow_with_a_correlated_pre_period() -> None:
    y, x, target = _campaign(1, rho=0.7)
    result = cuped_difference(y[target], y[~target], x[target], x[~target])
    plain, adjusted = result.plain.ci, result.adjusted.ci
    assert adjusted[1] - adjusted[0] < 0.8 * (plain[1] - plain[0])
    assert result.variance_reduction == pytest.approx(0.49, abs=0.03)
    assert result.correlation == pytest.approx(0.7, abs=0.02)
    assert result.ci[0] <= 0.3 <= result.ci[1]


def test_theta_is_the_pooled_regression_coefficient() -> None:
    y, x, target = _campaign(2, rho=0.5, n=2_000)
    result = cuped_difference(y[target], y[~target], x[target], x[~target])
    assert result.theta == pytest.approx(np.cov(y, x)[0, 1] / np.var(x, ddof=1))


def test_adjusted_interval_covers_the_lift_across_50_seeds() -> None:
    covered = []
    for seed in range(50):
        y, x, target = _campaign(100 + seed, rho=0.6, n=4_000)
        ci = cuped_difference(y[target], y[~target], x[target], x[~target]).ci
        covered.append(ci[0] <= 0.3 <= ci[1])
    assert 0.90 <= np.mean(covered) <= 0.99


def test_a_constant_covariate_changes_nothing() -> None:
    y, _, target = _campaign(3, rho=0.0, n=500)
    flat = np.ones_like(y)
    result = cuped_difference(y[target], y[~target], flat[target], flat[~target])
    assert result.theta == 0.0 and result.variance_reduction == 0.0
    assert result.adjusted.ci == pytest.approx(result.plain.ci)


def test_hillstrom_history_barely_helps(hillstrom: pd.DataFrame) -> None:
    mens = hillstrom[hillstrom["segment"] == "Mens E-Mail"]
    none = hillstrom[hillstrom["segment"] == "No E-Mail"]
    result = cuped_difference(mens["spend"], none["spend"], mens["history"], none["history"])
    assert 0.0 <= result.variance_reduction <= 0.004
    assert result.adjusted.absolute == pytest.approx(0.7698, abs=0.01)


def test_covariates_must_match_their_outcomes() -> None:
    with pytest.raises(ModelInputError, match="y_target 3, x_target 2"):
        cuped_difference([1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0])
