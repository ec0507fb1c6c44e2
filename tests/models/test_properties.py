"""Properties every fitted transaction model must have, over histories drawn by hypothesis."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

CONTINUOUS = ["bgnbd", "mbgnbd", "pareto_nbd"]
PROFILE = settings(max_examples=60, deadline=None)


@st.composite
def histories(draw: st.DrawFn) -> tuple[float, float, float]:
    """(x, t_x, T) with 0 <= t_x <= T, t_x = 0 when x = 0, including heavy buyers and long ages."""
    T = draw(st.floats(0.5, 5000.0))
    x = draw(st.integers(0, 800))
    t_x = 0.0 if x == 0 else draw(st.floats(0.0, 1.0)) * T
    return float(x), t_x, T


@pytest.fixture(params=CONTINUOUS, scope="module")
def model(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


@PROFILE
@given(history=histories(), t=st.floats(0.1, 500.0))
def test_alive_is_a_probability_and_predictions_are_finite(
    model: Any, history: tuple[float, float, float], t: float
) -> None:
    x, t_x, T = history
    alive = model.probability_alive([x], [t_x], [T])[0]
    assert 0.0 <= alive <= 1.0
    now, later = model.predict_purchases([t, 2 * t], [x, x], [t_x, t_x], [T, T])
    assert np.isfinite(later) and 0.0 <= now <= later * (1 + 1e-9)


@PROFILE
@given(history=histories(), earlier=st.floats(0.0, 1.0))
def test_more_recent_customers_are_more_alive(
    model: Any, history: tuple[float, float, float], earlier: float
) -> None:
    x, t_x, T = history
    if x == 0:
        return
    older = model.probability_alive([x], [t_x * earlier], [T])[0]
    newer = model.probability_alive([x], [t_x], [T])[0]
    assert older <= newer + 1e-12


@PROFILE
@given(x=st.integers(1, 500), T=st.floats(0.5, 2000.0))
def test_more_purchases_with_the_same_recent_last_purchase_are_more_alive(
    model: Any, x: int, T: float
) -> None:
    fewer, more = model.probability_alive([x, x + 1], [T, T], [T, T])
    assert fewer <= more + 1e-12


@pytest.mark.parametrize("name", [*CONTINUOUS, "bgbb"])
@pytest.mark.parametrize("t", [1, 6, 39])
def test_purchase_count_distribution_sums_to_one_with_the_right_mean(
    request: pytest.FixtureRequest, name: str, t: int
) -> None:
    fitted = request.getfixturevalue(name)
    k = np.arange(0, 3000)
    probabilities = fitted.probability_of_purchases(k, float(t))
    assert np.all(probabilities >= 0)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-6)
    assert k @ probabilities == pytest.approx(
        fitted.expected_purchases_new_customer(float(t)), rel=1e-5
    )


@pytest.mark.parametrize("name", [*CONTINUOUS, "bgbb"])
def test_expected_purchases_grow_with_time(request: pytest.FixtureRequest, name: str) -> None:
    fitted = request.getfixturevalue(name)
    grid = np.arange(0.0, 200.0)
    expected = fitted.expected_purchases_new_customer(grid)
    assert expected[0] == 0.0 and np.all(np.diff(expected) > 0)
