"""The vectorised bootstrap: the same distribution as naive resampling, bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import ModelInputError
from segmint.models.experiments import bootstrap as bootstrap_module
from segmint.models.experiments import (
    bootstrap_difference,
    bootstrap_differences,
    welch_difference,
)
from segmint.models.experiments.bootstrap import resampled_means

from .conftest import simulate_campaign


def _naive_means(values: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return values[rng.integers(0, values.size, (n_resamples, values.size))].mean(axis=1)


@pytest.mark.parametrize(
    "values",
    [
        np.r_[np.zeros(150), np.arange(1.0, 101.0) * 1.37],  # many distinct values, mostly 0
        np.r_[np.zeros(200), np.ones(30), np.full(5, 2.0)],  # few distinct values (counts)
        np.r_[np.zeros(10), -np.arange(1.0, 80.0)],  # negative values (returns)
    ],
    ids=["sparse", "counts", "negative"],
)
def test_resampled_means_have_the_naive_bootstrap_distribution(values: np.ndarray) -> None:
    fast = resampled_means(values, 40_000, np.random.default_rng(1))
    naive = _naive_means(values, 40_000, 2)
    assert fast.mean() == pytest.approx(values.mean(), abs=4 * naive.std() / 200)
    assert fast.std() == pytest.approx(naive.std(), rel=0.03)
    assert np.percentile(fast, [2.5, 97.5]) == pytest.approx(
        np.percentile(naive, [2.5, 97.5]), abs=0.2 * naive.std()
    )


def test_small_blocks_give_the_same_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.r_[np.zeros(3_000), np.arange(1.0, 501.0)]
    monkeypatch.setattr(bootstrap_module, "_BLOCK_CELLS", 1_000)  # blocks of two resamples
    blocked = resampled_means(values, 5_000, np.random.default_rng(3))
    assert np.all(blocked > 0)
    assert blocked.std() == pytest.approx(values.std() / np.sqrt(values.size), rel=0.05)


def test_interval_is_close_to_welch_on_hillstrom(hillstrom: pd.DataFrame) -> None:
    target = hillstrom.loc[hillstrom["segment"] == "Mens E-Mail", "spend"].to_numpy()
    control = hillstrom.loc[hillstrom["segment"] == "No E-Mail", "spend"].to_numpy()
    boot = bootstrap_difference(target, control, random_state=0)
    welch = welch_difference(target, control)
    width = welch.ci[1] - welch.ci[0]
    assert boot.ci == pytest.approx(welch.ci, abs=0.05 * width)
    assert boot.relative_ci is not None and boot.relative_ci[0] > 0


def test_same_seed_same_interval() -> None:
    rng = np.random.default_rng(0)
    target, control = rng.exponential(1.0, 500), rng.exponential(1.0, 300)
    first = bootstrap_difference(target, control, random_state=7)
    assert bootstrap_difference(target, control, random_state=7) == first
    assert bootstrap_difference(target, control, random_state=8) != first


def test_a_million_members_stay_within_bounded_memory() -> None:
    rng = np.random.default_rng(5)
    target = np.where(rng.random(1_000_000) < 0.02, rng.gamma(2.0, 40.0, 1_000_000), 0.0)
    control = np.where(rng.random(100_000) < 0.02, rng.gamma(2.0, 40.0, 100_000), 0.0)
    tracemalloc.start()
    try:
        result = bootstrap_difference(target, control, n_resamples=1_000, random_state=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 150 * 2**20  # a naive 1,000 x 1M index matrix would need 8 GB
    assert result.ci[0] < 0 < result.ci[1]


def test_bootstrap_interval_covers_the_true_lift_across_50_seeds() -> None:
    uplift = np.array([0.0, 0.02, 0.04, 0.0, 0.06])
    covered = []
    for seed in range(50):
        _, target, response, truth = simulate_campaign(np.random.default_rng(seed), 8_000, uplift)
        interval = bootstrap_difference(response[target], response[~target], random_state=seed)
        covered.append(interval.ci[0] <= truth <= interval.ci[1])
    assert 0.90 <= np.mean(covered) <= 0.99


def test_fewer_than_a_thousand_resamples_is_refused() -> None:
    with pytest.raises(ModelInputError, match="n_resamples must be at least 1,000"):
        bootstrap_difference([1.0, 2.0], [1.0, 2.0], n_resamples=200)


def test_all_zero_outcomes_give_a_zero_interval() -> None:
    result = bootstrap_difference(np.zeros(50), np.zeros(20), random_state=0)
    assert result.ci == (0.0, 0.0) and result.relative_ci is None


def test_several_outcomes_are_resampled_jointly() -> None:
    rng = np.random.default_rng(9)
    bought = rng.random(3_000) < 0.1
    revenue = np.where(bought, rng.gamma(2.0, 30.0, 3_000), 0.0)
    outcomes = np.column_stack([bought.astype(float), revenue, 0.4 * revenue])
    target, control = outcomes[:2_000], outcomes[2_000:]
    joint = bootstrap_differences(target, control, random_state=4)
    assert len(joint) == 3
    single = bootstrap_difference(target[:, 1], control[:, 1], random_state=5)
    width = single.ci[1] - single.ci[0]
    assert joint[1].ci == pytest.approx(single.ci, abs=0.1 * width)
    assert joint[2].ci == pytest.approx((0.4 * joint[1].ci[0], 0.4 * joint[1].ci[1]))  # same draws
    with pytest.raises(ModelInputError, match="same outcomes"):
        bootstrap_differences(target, control[:, :2])
