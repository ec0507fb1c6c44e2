"""The BG/NBD and MBG/NBD engine at fixed parameters, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from segmint.models import BGNBD, MBGNBD
from segmint.models._beta_geometric import BetaGeometricModel

PARAMS = {"r": 0.8, "alpha": 3.0, "a": 1.5, "b": 2.5}


def _at(cls: type[BetaGeometricModel]) -> BetaGeometricModel:
    model = cls()
    model.params_ = dict(PARAMS)
    return model


def test_no_purchase_in_the_window_bgnbd_is_the_gamma_poisson_zero() -> None:
    # shift 0: nobody drops out before the first repeat purchase, P(X(t) = 0) = (alpha/(alpha+t))^r
    p0 = _at(BGNBD).probability_of_purchases(0, 5.0)
    assert float(p0) == pytest.approx((3.0 / 8.0) ** 0.8, rel=1e-12)


def test_no_purchase_in_the_window_mbgnbd_adds_immediate_dropout() -> None:
    # shift 1: b/(a+b) (alpha/(alpha+t))^r + a/(a+b)
    p0 = _at(MBGNBD).probability_of_purchases(0, 5.0)
    assert float(p0) == pytest.approx(2.5 / 4.0 * (3.0 / 8.0) ** 0.8 + 1.5 / 4.0, rel=1e-12)


def test_probability_of_purchases_rejects_fractional_counts() -> None:
    with pytest.raises(ValueError, match="k"):
        _at(BGNBD).probability_of_purchases(1.5, 5.0)


def test_probability_alive_hand_values() -> None:
    x, t_x, T = 2.0, 4.0, 10.0
    odds = 1.5 / (2.5 + x - 1) * ((3.0 + T) / (3.0 + t_x)) ** (0.8 + x)
    assert float(_at(BGNBD).probability_alive(x, t_x, T)) == pytest.approx(1 / (1 + odds))
    odds_m = 1.5 / (2.5 + x) * ((3.0 + T) / (3.0 + t_x)) ** (0.8 + x)
    assert float(_at(MBGNBD).probability_alive(x, t_x, T)) == pytest.approx(1 / (1 + odds_m))


def test_one_time_buyer_is_alive_in_bgnbd_only() -> None:
    assert float(_at(BGNBD).probability_alive(0, 0, 10.0)) == 1.0
    expected = 1 / (1 + 1.5 / 2.5 * (13.0 / 3.0) ** 0.8)
    assert float(_at(MBGNBD).probability_alive(0, 0, 10.0)) == pytest.approx(expected)


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD])
def test_nothing_is_expected_in_an_empty_window(cls: type[BetaGeometricModel]) -> None:
    model = _at(cls)
    assert model.predict_purchases(0.0, [0, 3], [0, 5.0], [10.0, 10.0]) == pytest.approx([0, 0])
    assert float(model.expected_purchases_new_customer(0.0)) == pytest.approx(0.0)


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD])
def test_grid_columns_equal_single_horizon_predictions(cls: type[BetaGeometricModel]) -> None:
    model = _at(cls)
    x, t_x, T = np.array([0, 1, 4, 4]), np.array([0, 2.0, 9.0, 3.0]), np.array([10, 10, 12, 12.0])
    horizons = [1.0, 13.0, 52.0]
    grid = model.predict_purchases_grid(horizons, x, t_x, T)
    assert grid.shape == (4, 3)
    for j, t in enumerate(horizons):
        assert grid[:, j] == pytest.approx(model.predict_purchases(t, x, t_x, T), rel=1e-12)
        # an array horizon (one per customer) takes the other code path: same numbers
        per_customer = model.predict_purchases(np.full(4, t), x, t_x, T)
        assert per_customer == pytest.approx(grid[:, j], rel=1e-12)


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD])
def test_new_customer_expectation_is_the_mean_of_the_count_distribution(
    cls: type[BetaGeometricModel],
) -> None:
    model = _at(cls)
    k = np.arange(0, 400)
    probabilities = model.probability_of_purchases(k, 6.0)
    mean = float(k @ probabilities)
    assert mean == pytest.approx(float(model.expected_purchases_new_customer(6.0)), rel=1e-8)
