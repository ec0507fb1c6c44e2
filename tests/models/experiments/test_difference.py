"""Difference in means with Welch's interval: the Hillstrom figures, scipy, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from segmint.exceptions import ModelInputError
from segmint.models.experiments import welch_difference

from .conftest import simulate_campaign

UPLIFT_BY_TYPE = np.array([0.0, 0.01, 0.03, 0.0, 0.05, 0.02, 0.0])


def _arms(data: pd.DataFrame, arm: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    target = data.loc[data["segment"] == arm, column].to_numpy()
    control = data.loc[data["segment"] == "No E-Mail", column].to_numpy()
    return target, control


@pytest.mark.parametrize(
    ("arm", "column", "lift", "low", "high"),
    [
        ("Mens E-Mail", "spend", 0.7698, 0.4851, 1.0545),
        ("Mens E-Mail", "conversion", 0.00681, 0.00500, 0.00861),
        ("Mens E-Mail", "visit", 0.07659, 0.06995, 0.08323),
        ("Womens E-Mail", "spend", 0.4244, 0.1690, 0.6799),
        ("Womens E-Mail", "conversion", 0.00311, 0.00150, 0.00472),
    ],
)
def test_reproduces_the_published_hillstrom_lifts(
    hillstrom: pd.DataFrame, arm: str, column: str, lift: float, low: float, high: float
) -> None:
    result = welch_difference(*_arms(hillstrom, arm, column))
    digits = 4 if column == "spend" else 5
    assert round(result.absolute, digits) == pytest.approx(lift, abs=10**-digits)
    assert round(result.ci[0], digits) == pytest.approx(low, abs=10**-digits)
    assert round(result.ci[1], digits) == pytest.approx(high, abs=10**-digits)


def test_agrees_with_scipy_welch_test() -> None:
    rng = np.random.default_rng(4)
    target, control = rng.gamma(2.0, 3.0, 300), rng.gamma(2.0, 2.5, 80)
    result = welch_difference(target, control)
    expected = stats.ttest_ind(target, control, equal_var=False)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert result.dof == pytest.approx(expected.df, rel=1e-9)
    interval = expected.confidence_interval(0.95)
    assert result.ci == pytest.approx((interval.low, interval.high), rel=1e-9)


def test_relative_lift_and_its_interval() -> None:
    result = welch_difference([2.0, 4.0, 3.0, 3.0], [1.0, 2.0, 1.5, 1.5])
    assert result.relative == pytest.approx(1.0)
    assert result.relative_ci is not None
    assert result.relative_ci[0] < 1.0 < result.relative_ci[1]


def test_control_mean_of_zero_has_no_relative_lift() -> None:
    result = welch_difference([0.0, 1.0, 0.0], [0.0, 0.0, 0.0])
    assert result.relative is None and result.relative_ci is None
    assert result.absolute == pytest.approx(1 / 3)


def test_constant_groups_give_a_point_interval() -> None:
    result = welch_difference([1.0, 1.0], [1.0, 1.0])
    assert result.ci == (0.0, 0.0) and result.p_value == 1.0
    assert not result.significant()


def test_interval_covers_the_true_lift_across_50_seeds() -> None:
    covered = []
    for seed in range(50):
        rng = np.random.default_rng(seed)
        _, target, response, truth = simulate_campaign(rng, 20_000, UPLIFT_BY_TYPE)
        result = welch_difference(response[target], response[~target])
        covered.append(result.ci[0] <= truth <= result.ci[1])
    assert 0.90 <= np.mean(covered) <= 0.99


def test_false_positive_rate_without_uplift_is_near_five_percent() -> None:
    rng = np.random.default_rng(2024)
    positives = 0
    n_experiments = 2_000
    for _ in range(n_experiments):
        _, target, response, _ = simulate_campaign(rng, 2_000, np.zeros(7))
        positives += welch_difference(response[target], response[~target]).significant()
    assert 0.035 <= positives / n_experiments <= 0.065


@pytest.mark.parametrize(
    ("target", "control", "message"),
    [
        ([1.0], [1.0, 2.0], "y_target needs at least 2 members"),
        ([1.0, np.nan], [1.0, 2.0], "y_target must be finite"),
        ([[1.0, 2.0]], [1.0, 2.0], "y_target must be one-dimensional"),
        ([1.0, 2.0], ["a", "b"], "y_control must be numeric"),
    ],
)
def test_bad_outcomes_are_named(target: object, control: object, message: str) -> None:
    with pytest.raises(ModelInputError, match=message):
        welch_difference(target, control)  # type: ignore[arg-type]


def test_confidence_must_be_a_share() -> None:
    with pytest.raises(ModelInputError, match="confidence must be between 0 and 1"):
        welch_difference([1.0, 2.0], [1.0, 2.0], confidence=95)
