"""Power and minimum detectable effects: the 80k rule of thumb, holdouts, CUPED, simulation."""

from __future__ import annotations

import numpy as np
import pytest

from segmint.exceptions import ModelInputError
from segmint.models.experiments import mean_power, two_proportion_power


def test_two_percent_and_ten_percent_lift_need_about_80k_per_arm() -> None:
    result = two_proportion_power(0.02, 0.10)
    assert 79_000 <= result.n_per_arm <= 82_000  # type: ignore[operator]
    assert result.n_control == result.n_target == result.n_per_arm
    assert result.n_total == 2 * result.n_per_arm  # type: ignore[operator]
    assert result.mde == pytest.approx(0.002, rel=1e-3)
    assert result.underpowered is False


def test_a_small_holdout_needs_more_members_in_total() -> None:
    balanced = two_proportion_power(0.02, 0.10)
    skewed = two_proportion_power(0.02, 0.10, holdout_share=0.1)
    assert skewed.n_total > 2.5 * balanced.n_total
    assert skewed.n_control == pytest.approx(0.1 * skewed.n_total, rel=1e-3)


def test_cuped_divides_the_members_needed_by_one_minus_rho_squared() -> None:
    plain = two_proportion_power(0.02, 0.10)
    cuped = two_proportion_power(0.02, 0.10, cuped_correlation=0.6)
    assert cuped.n_per_arm / plain.n_per_arm == pytest.approx(0.64, rel=1e-3)  # type: ignore[operator]
    negative = two_proportion_power(0.02, 0.10, cuped_correlation=-0.6)
    assert negative.n_per_arm == cuped.n_per_arm  # only rho squared counts


def test_an_audience_reports_its_mde_and_says_it_is_underpowered() -> None:
    result = two_proportion_power(0.02, 0.10, holdout_share=0.1, n_total=20_000)
    assert (result.n_control, result.n_target) == (2_000, 18_000)
    assert result.mde_relative is not None and result.mde_relative > 0.4
    assert result.underpowered is True
    assert result.power_at_effect is not None and result.power_at_effect < 0.2
    only_mde = two_proportion_power(0.02, holdout_share=0.1, n_total=20_000)
    assert only_mde.mde == pytest.approx(result.mde) and only_mde.underpowered is None


def test_groups_sized_for_a_decrease_are_not_called_underpowered_for_it() -> None:
    """The groups needed for -10 % detect it; they were judged against +10 %'s larger MDE."""
    drop = two_proportion_power(0.02, -0.10, holdout_share=0.1)
    assert drop.power_at_effect is not None and drop.power_at_effect >= 0.8
    assert drop.underpowered is False
    assert (
        drop.mde is not None
        and drop.mde < 0
        and drop.mde_relative == pytest.approx(-0.10, abs=1e-3)
    )
    fewer = two_proportion_power(0.02, -0.10, holdout_share=0.1, n_total=drop.n_total // 2)
    assert fewer.underpowered is True
    assert two_proportion_power(0.02, -0.999, n_total=100).underpowered is True  # no drop fits


def test_a_decrease_of_a_mean_has_a_negative_mde_of_the_same_size() -> None:
    rise = mean_power(10.0, 1.0, n_total=2_000)
    drop = mean_power(10.0, -1.0, n_total=2_000)
    assert drop.mde == pytest.approx(-(rise.mde or 0.0)) and drop.underpowered is rise.underpowered


def test_the_mde_is_detected_with_the_planned_power_in_simulation() -> None:
    result = two_proportion_power(0.05, holdout_share=0.2, n_total=30_000)
    assert result.mde is not None
    rng = np.random.default_rng(11)
    p_c, p_t = 0.05, 0.05 + result.mde
    hits_c = rng.binomial(result.n_control, p_c, 4_000) / result.n_control
    hits_t = rng.binomial(result.n_target, p_t, 4_000) / result.n_target
    se = np.sqrt(hits_c * (1 - hits_c) / result.n_control + hits_t * (1 - hits_t) / result.n_target)
    detected = np.abs(hits_t - hits_c) / se > 1.959964
    assert detected.mean() == pytest.approx(0.80, abs=0.03)


def test_means_need_twice_z_squared_sigma_squared_over_delta_squared() -> None:
    result = mean_power(std=10.0, effect=0.5, baseline_mean=2.0)
    z = 1.959964 + 0.841621
    assert result.n_per_arm == pytest.approx(2 * z**2 * 100 / 0.25, abs=1)
    assert result.lift == pytest.approx(0.25)
    audience = mean_power(std=10.0, n_total=10_000, holdout_share=0.5)
    assert audience.mde == pytest.approx(z * 10.0 * np.sqrt(2 / 5_000), rel=1e-5)


def test_json_shape_of_the_power_command() -> None:
    payload = two_proportion_power(0.02, 0.10, holdout_share=0.1).as_dict()
    assert {"n_per_arm", "n_control", "n_target", "n_total", "mde"} <= payload.keys()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: two_proportion_power(0.0, 0.1), "baseline_rate must be a share"),
        (lambda: two_proportion_power(0.6, 1.0), "stay between 0 and 1"),
        (lambda: two_proportion_power(0.02), "give the lift to detect"),
        (
            lambda: two_proportion_power(0.02, 0.1, holdout_share=1.0),
            "holdout_share must be a share",
        ),
        (lambda: two_proportion_power(0.02, 0.1, cuped_correlation=1.0), "cuped_correlation"),
        (lambda: two_proportion_power(0.02, 0.1, cuped_correlation=-1.0), "between -1 and 1"),
        (lambda: mean_power(std=0.0, effect=1.0), "std must be a positive number"),
    ],
)
def test_bad_designs_are_explained(call: object, message: str) -> None:
    with pytest.raises(ModelInputError, match=message):
        call()  # type: ignore[operator]
