"""customer_lifetime_value: windows, discounting, chunking and capability-based inputs;
value_if_alive, its factor for a customer known to be alive."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.typing import ArrayLike

from segmint.models import (
    BGBB,
    BGNBD,
    NBD,
    AliveFactoredModel,
    GammaGamma,
    PurchaseGridModel,
    TransactionModel,
    customer_lifetime_value,
    value_if_alive,
)
from segmint.models._validation import FloatArray


class ConstantRate:
    """A stand-in transaction model: every customer buys `rate` times per unit of time."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        return self.rate * np.asarray(t, dtype=float) * np.ones_like(np.asarray(T, dtype=float))


@pytest.fixture(scope="module")
def customers(cdnow_spend: pd.DataFrame) -> pd.DataFrame:
    return cdnow_spend.head(200)


def test_undiscounted_single_period_is_expected_purchases_times_spend(
    bgnbd: BGNBD, customers: pd.DataFrame
) -> None:
    args = (customers["x"], customers["t_x"], customers["T"])
    value = customer_lifetime_value(bgnbd, 10.0, *args, horizon_end=39, period_length=39)
    assert value == pytest.approx(10.0 * bgnbd.predict_purchases(39, *args), rel=1e-12)


def test_windows_add_up_and_can_start_later(bgnbd: BGNBD, customers: pd.DataFrame) -> None:
    args = (customers["x"], customers["t_x"], customers["T"])
    options = {"discount_rate": 0.01, "period_length": 4.0}
    whole = customer_lifetime_value(bgnbd, 25.0, *args, horizon_end=52, **options)
    first = customer_lifetime_value(bgnbd, 25.0, *args, horizon_end=24, **options)
    later = customer_lifetime_value(bgnbd, 25.0, *args, horizon_start=24, horizon_end=52, **options)
    assert first + later == pytest.approx(whole, rel=1e-10)
    assert np.all(later > 0)


def test_discounting_lowers_value(bgnbd: BGNBD, customers: pd.DataFrame) -> None:
    args = (customers["x"], customers["t_x"], customers["T"])
    values = [
        customer_lifetime_value(bgnbd, 25.0, *args, discount_rate=d).sum() for d in (0, 0.001, 0.01)
    ]
    assert values[0] > values[1] > values[2] > 0


def test_constant_rate_model_gives_closed_form() -> None:
    """Any object with predict_purchases works; with rate 2 and spend 5 a window of 10 is 100."""
    value = customer_lifetime_value(
        ConstantRate(2.0), 5.0, [1, 2], [1.0, 2.0], [3.0, 3.0], horizon_start=5, horizon_end=15
    )
    assert value == pytest.approx([100.0, 100.0])
    discounted = customer_lifetime_value(
        ConstantRate(2.0), 5.0, [1], [1.0], [3.0], horizon_end=2, discount_rate=0.1
    )
    assert discounted == pytest.approx([10 / 1.1 + 10 / 1.1**2])


def test_chunking_does_not_change_results(
    bgnbd: BGNBD, gamma_gamma: GammaGamma, customers: pd.DataFrame
) -> None:
    args = (customers["x"], customers["t_x"], customers["T"])
    options = {"monetary_value": customers["zbar"], "discount_rate": 0.01}
    streamed = customer_lifetime_value(bgnbd, gamma_gamma, *args, chunk_size=7, **options)
    whole = customer_lifetime_value(bgnbd, gamma_gamma, *args, **options)
    assert streamed == pytest.approx(whole, rel=1e-12)


def test_spend_model_equals_its_expected_spend(
    bgnbd: BGNBD, gamma_gamma: GammaGamma, customers: pd.DataFrame
) -> None:
    args = (customers["x"], customers["t_x"], customers["T"])
    spend = gamma_gamma.expected_spend(customers["x"], customers["zbar"])
    with_model = customer_lifetime_value(
        bgnbd, gamma_gamma, *args, monetary_value=customers["zbar"]
    )
    assert with_model == pytest.approx(customer_lifetime_value(bgnbd, spend, *args), rel=1e-12)


def test_discrete_time_model_values_whole_periods(bgbb: BGBB) -> None:
    value = customer_lifetime_value(bgbb, 50.0, [0, 3, 6], [0, 6, 6], [6, 6, 6], horizon_end=5)
    assert value == pytest.approx(50.0 * bgbb.predict_purchases(5, [0, 3, 6], [0, 6, 6], [6, 6, 6]))


def test_spend_model_without_monetary_value_is_rejected(
    bgnbd: BGNBD, gamma_gamma: GammaGamma
) -> None:
    with pytest.raises(ValueError, match="needs each customer's monetary_value"):
        customer_lifetime_value(bgnbd, gamma_gamma, [1], [1.0], [2.0])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"horizon_start": 10, "horizon_end": 5}, "horizon_start < horizon_end"),
        ({"period_length": 0}, "period_length > 0"),
        ({"discount_rate": -0.1}, "discount_rate >= 0"),
    ],
)
def test_bad_options_are_rejected(bgnbd: BGNBD, options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        customer_lifetime_value(bgnbd, 1.0, [1], [1.0], [2.0], **options)


def test_spend_of_wrong_length_is_rejected(bgnbd: BGNBD) -> None:
    with pytest.raises(ValueError, match="spend must give one value per customer"):
        customer_lifetime_value(bgnbd, [1.0, 2.0], [1, 2, 3], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0])


class EdgeByEdge:
    """Hides a model's predict_purchases_grid, so the CLV asks it one horizon at a time."""

    def __init__(self, model: TransactionModel) -> None:
        self.model = model

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        return self.model.predict_purchases(t, frequency, recency, T)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pareto_nbd"])
def test_horizon_grid_equals_one_horizon_at_a_time(
    name: str, request: pytest.FixtureRequest, customers: pd.DataFrame
) -> None:
    model = request.getfixturevalue(name)
    assert isinstance(model, PurchaseGridModel)
    args = (customers["x"], customers["t_x"], customers["T"])
    horizons = np.array([0.5, 4.0, 13.0, 52.0])
    grid = model.predict_purchases_grid(horizons, *args)
    assert grid.shape == (len(customers), horizons.size)
    for column, t in zip(grid.T, horizons, strict=True):
        assert column == pytest.approx(model.predict_purchases(t, *args), rel=1e-13)
    per_customer_t = model.predict_purchases(np.full(len(customers), 13.0), *args)
    assert grid[:, 2] == pytest.approx(per_customer_t, rel=1e-13)
    for options in ({"discount_rate": 0.01, "period_length": 52 / 12}, {"horizon_start": 6.0}):
        fast = customer_lifetime_value(model, 20.0, *args, **options)
        slow = customer_lifetime_value(EdgeByEdge(model), 20.0, *args, **options)
        assert fast == pytest.approx(slow, rel=1e-13)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "nbd"])
def test_predictions_factor_into_alive_and_a_function_of_x_and_age(
    name: str, request: pytest.FixtureRequest, customers: pd.DataFrame, cdnow: pd.DataFrame
) -> None:
    model = (
        NBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
        if name == "nbd"
        else request.getfixturevalue(name)
    )
    assert isinstance(model, AliveFactoredModel)
    x, t_x, T = customers["x"], customers["t_x"], customers["T"]
    alive = model.probability_alive(x, t_x, T)
    horizons = np.array([4.0, 52.0])
    if_alive = model.expected_if_alive_grid(horizons, x, T)
    expected = model.predict_purchases_grid(horizons, x, t_x, T)
    np.testing.assert_allclose(if_alive * alive[:, None], expected, rtol=1e-13)
    # one customer's recency does not enter the factor: a pair's value serves all its customers
    np.testing.assert_array_equal(if_alive, model.expected_if_alive_grid(horizons, x, T))
    options = {"horizon_start": 6.0, "horizon_end": 60.0, "period_length": 52 / 12}
    per_unit = value_if_alive(model, x, T, **options, discount_rate=0.01)
    clv = customer_lifetime_value(model, 20.0, x, t_x, T, **options, discount_rate=0.01)
    np.testing.assert_allclose(per_unit * alive * 20.0, clv, rtol=1e-12)
    assert (per_unit >= clv / 20.0 * (1 - 1e-12)).all() and (per_unit > 0).all()
