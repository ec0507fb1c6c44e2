"""Parameter recovery: each model, fitted on 20,000 customers drawn from itself, finds its parameters.

Tolerance: every estimate within 4 of its own standard errors of the truth (a two-sided
4-sigma band misses with probability about 6e-5 per parameter if the estimator is
unbiased and the standard errors right), and the standard errors small enough (under
20% of the value) for the check to mean something. Seeds are fixed, so runs repeat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from segmint.models import (
    BGBB,
    BGNBD,
    MBGNBD,
    GammaGamma,
    ParetoNBD,
    simulate_bgbb,
    simulate_bgnbd,
    simulate_gamma_gamma,
    simulate_mbgnbd,
    simulate_pareto_nbd,
)

N_CUSTOMERS = 20_000
AGES = np.random.default_rng(0).uniform(20.0, 80.0, N_CUSTOMERS).round(1)  # weeks, to 0.1


def _assert_recovered(model: Any, truth: dict[str, float]) -> None:
    for name, value in truth.items():
        error = model.standard_errors_[name]
        assert error < 0.2 * value, f"{name}: standard error {error:.3g} too large to test"
        assert abs(model.params_[name] - value) < 4 * error, (name, model.params_[name], value)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("estimator", "simulate", "truth"),
    [
        (BGNBD, simulate_bgnbd, {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}),
        (MBGNBD, simulate_mbgnbd, {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}),
        (ParetoNBD, simulate_pareto_nbd, {"r": 0.55, "alpha": 10.5, "s": 0.6, "beta": 11.7}),
    ],
    ids=["BGNBD", "MBGNBD", "ParetoNBD"],
)
def test_continuous_time_models_recover_their_parameters(
    estimator: type[Any], simulate: Any, truth: dict[str, float]
) -> None:
    data = simulate(truth, AGES, random_state=1)
    model = estimator().fit(data["frequency"], data["recency"], data["T"])
    _assert_recovered(model, truth)
    # the simulator and E[X(t)] tell the same story: mean purchases match to 3%
    assert data["frequency"].mean() == pytest.approx(
        model.expected_purchases_new_customer(AGES).mean(), rel=0.03
    )


def test_bgbb_recovers_its_parameters() -> None:
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    data = simulate_bgbb(truth, np.full(N_CUSTOMERS, 8), random_state=2)
    model = BGBB().fit(data["frequency"], data["recency"], data["n_periods"])
    _assert_recovered(model, truth)


def test_gamma_gamma_recovers_its_parameters() -> None:
    truth = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    frequency = np.random.default_rng(3).poisson(3.0, N_CUSTOMERS)
    spend = simulate_gamma_gamma(truth, frequency, random_state=4)
    model = GammaGamma().fit(frequency, spend)
    _assert_recovered(model, truth)


def test_simulators_are_reproducible_with_a_seed() -> None:
    params = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    first = simulate_bgnbd(params, AGES[:100], random_state=7)
    assert first.equals(simulate_bgnbd(params, AGES[:100], random_state=7))
    assert not first.equals(simulate_bgnbd(params, AGES[:100], random_state=8))
    assert np.all(first["recency"] <= first["T"]) and np.all(
        (first["frequency"] == 0) <= (first["recency"] == 0)
    )
