"""Pareto/NBD against Schmittlein et al. (1987) as fitted in FHL (2005) on the CDNOW sample."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import gammaln

from segmint.models import ParetoNBD, _pareto_likelihood
from segmint.models._base import Histories

PUBLISHED = {"r": 0.55315, "alpha": 10.57633, "s": 0.60625, "beta": 11.67150}
PUBLISHED_SE = {"r": 0.0476, "alpha": 0.8427, "s": 0.1873, "beta": 6.2105}


def test_fit_reproduces_published_log_likelihood_and_parameters(pareto_nbd: ParetoNBD) -> None:
    assert pareto_nbd.log_likelihood_ == pytest.approx(-9594.976, abs=0.005)
    assert round(pareto_nbd.params_["r"], 3) == 0.553
    assert round(pareto_nbd.params_["s"], 3) == 0.606
    assert round(pareto_nbd.params_["alpha"], 2) == 10.58
    # beta is weakly identified (SE 6.2): each estimate within 1% of a standard error
    for name, value in PUBLISHED.items():
        assert abs(pareto_nbd.params_[name] - value) < 0.01 * PUBLISHED_SE[name]


def test_standard_errors_match_published(pareto_nbd: ParetoNBD) -> None:
    assert pareto_nbd.standard_errors_ == pytest.approx(PUBLISHED_SE, rel=0.01)


@pytest.mark.parametrize(
    "theta", [(0.55, 10.6, 0.61, 11.7), (0.55, 20.0, 0.61, 3.0), (2.0, 1.0, 0.3, 50.0)]
)
@pytest.mark.parametrize(
    "x, t_x, T", [(0, 0.0, 38.86), (2, 30.43, 38.86), (20, 10.0, 30.0), (3, 5.0, 5.0)]
)
def test_log_likelihood_equals_quadrature_of_defining_integral(
    theta: tuple[float, float, float, float], x: int, t_x: float, T: float
) -> None:
    """L = Gamma(r+x) a^r b^s / Gamma(r) [(a+T)^-(r+x) (b+T)^-s + s int_tx^T (a+y)^-(r+x) (b+y)^-(s+1) dy]."""
    r, alpha, s, beta = theta
    integral, _ = quad(
        lambda y: (alpha + y) ** -(r + x) * (beta + y) ** -(s + 1), t_x, T, epsabs=0, epsrel=1e-12
    )
    prefix = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    direct = prefix + np.log((alpha + T) ** -(r + x) * (beta + T) ** -s + s * integral)
    data = Histories.of(np.array([float(x)]), np.array([t_x]), np.array([T]), np.ones(1))
    ours, _ = ParetoNBD()._log_likelihood(np.array(theta), data)
    assert ours == pytest.approx(direct, abs=1e-9)


def test_recent_customers_are_alive(pareto_nbd: ParetoNBD) -> None:
    assert pareto_nbd.probability_alive([1, 10, 300], [20.0, 20.0, 20.0], [20.0, 20.0, 20.0]) == (
        pytest.approx([1.0, 1.0, 1.0])
    )


def test_unit_lifetime_shape_uses_the_logarithmic_limit() -> None:
    model = ParetoNBD()
    model.params_ = {"r": 1.0, "alpha": 2.0, "s": 1.0, "beta": 5.0}
    near = ParetoNBD()
    near.params_ = {"r": 1.0, "alpha": 2.0, "s": 1.0 + 1e-7, "beta": 5.0}
    assert model.expected_purchases_new_customer(10.0) == pytest.approx(1 / 2 * 5 * np.log(15 / 5))
    assert near.expected_purchases_new_customer(10.0) == pytest.approx(
        model.expected_purchases_new_customer(10.0), rel=1e-6
    )


def test_probability_alive_per_distinct_pair_equals_per_customer(pareto_nbd: ParetoNBD) -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 15, 4000).astype(float)
    T = rng.integers(1, 60, x.size) * 1.0
    t_x = np.where(x > 0, np.round(rng.uniform(0, 1, x.size) * T), 0.0)
    theta = np.array([pareto_nbd.params_[k] for k in ParetoNBD.param_names])
    per_customer = np.exp(-pareto_nbd._log_one_plus_b(theta, x, t_x, T))
    assert pareto_nbd.probability_alive(x, t_x, T) == pytest.approx(per_customer, rel=1e-12)


@pytest.fixture(scope="module")
def histories() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """3,000 customers in 80 weekly ages, recency in days: many share (x, age) pairs."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 30, 3000).astype(float)
    T = rng.integers(1, 80, x.size) * 1.0
    t_x = np.where(x > 0, np.round(rng.uniform(0, 1, x.size) * T * 7) / 7, 0.0)
    return x, t_x, T, rng.integers(1, 4, x.size).astype(float)


THETAS = [
    (0.55, 10.6, 0.61, 11.7),
    (0.5, 10.5, 0.73, 24.0),
    (2.0, 1.0, 0.3, 50.0),
    (0.3, 40.0, 1.5, 2.0),
]


@pytest.mark.parametrize("theta", THETAS)
def test_pairwise_log_likelihood_equals_per_customer_formula(
    theta: tuple[float, ...], histories: tuple[np.ndarray, ...]
) -> None:
    x, t_x, T, w = histories
    r, alpha, s, beta = theta
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    common -= (r + x) * np.log(alpha + T) + s * np.log(beta + T)
    plain = w @ (common + ParetoNBD()._log_one_plus_b(np.array(theta), x, t_x, T))
    ours, _ = ParetoNBD()._log_likelihood(np.array(theta), Histories.of(x, t_x, T, w))
    assert ours == pytest.approx(plain, rel=1e-12)


@pytest.mark.parametrize("theta", THETAS)
def test_gradient_equals_central_differences(
    theta: tuple[float, ...], histories: tuple[np.ndarray, ...]
) -> None:
    data = Histories.of(*histories)
    point = np.array(theta)
    _, grad = ParetoNBD()._log_likelihood(point, data)
    numeric = []
    for step in np.eye(4) * point * 1e-6:
        up, _ = ParetoNBD()._log_likelihood(point + step, data)
        down, _ = ParetoNBD()._log_likelihood(point - step, data)
        numeric.append((up - down) / (2 * step.max()))
    assert grad == pytest.approx(numeric, rel=1e-5)


@pytest.mark.parametrize("theta", THETAS[:2])
def test_log_likelihood_in_chunks_equals_one_pass(
    theta: tuple[float, ...],
    histories: tuple[np.ndarray, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = Histories.of(*histories)
    whole, whole_grad = ParetoNBD()._log_likelihood(np.array(theta), data)
    monkeypatch.setattr(_pareto_likelihood, "_CHUNK_ROWS", 700)  # 3,000 rows: five chunks
    chunked, chunked_grad = ParetoNBD()._log_likelihood(np.array(theta), data)
    assert chunked == pytest.approx(whole, rel=1e-13)
    assert chunked_grad == pytest.approx(whole_grad, rel=1e-12)
