"""Exact Newton steps and analytic standard errors: the same optimum as the general path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from segmint.models import BGNBD, MBGNBD, simulate_bgnbd, simulate_mbgnbd
from segmint.models import _optimize as optimize
from segmint.models._base import Histories
from segmint.models._beta_geometric_likelihood import log_likelihood
from segmint.models._optimize import _exact_newton, _Objective

CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _quadratic(centre: np.ndarray, weight: float) -> Any:
    """A log-likelihood whose objective over log-parameters is sum((phi - centre)^2)."""

    def curvature(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        off = np.log(theta) - centre
        grad = -2 * weight * off / theta
        return float(-weight * off @ off), grad, np.diag(-2 * weight * (1 - off) / theta**2)

    return curvature


def test_exact_newton_lands_on_the_optimum_of_a_quadratic() -> None:
    centre = np.array([0.5, -1.0, 2.0])
    curvature = _quadratic(centre, 10.0)
    objective = _Objective(lambda theta: curvature(theta)[:2], 10.0, 0.0, curvature)
    result = _exact_newton(objective, np.zeros(3), curvature)
    assert result is not None
    phi, value, _, hessian = result
    np.testing.assert_allclose(phi, centre, atol=1e-12)
    assert value == pytest.approx(0.0, abs=1e-20)
    np.testing.assert_allclose(hessian, 2 * np.eye(3), atol=1e-12)


def test_exact_newton_gives_up_where_the_curvature_is_not_positive() -> None:
    curvature = _quadratic(np.zeros(2), 1.0)

    def upside_down(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        ll, grad, hessian = curvature(theta)
        return -ll, -grad, -hessian

    objective = _Objective(lambda theta: upside_down(theta)[:2], 1.0, 0.0, upside_down)
    assert _exact_newton(objective, np.array([0.3, 0.1]), upside_down) is None


class _WithoutCurvature(BGNBD):
    """The BG/NBD fitted the general way: quasi-Newton steps, finite-difference errors."""

    def _curvature(self, data: Histories) -> None:
        return None


class _MBGWithoutCurvature(MBGNBD):
    def _curvature(self, data: Histories) -> None:
        return None


@pytest.fixture(scope="module")
def many_customers() -> dict[str, pd.DataFrame]:
    """120,000 customers with ages in continuous time: enough distinct rows for a warm start."""
    rng = np.random.default_rng(8)
    age = rng.uniform(1, 78, 120_000)
    return {
        "BGNBD": simulate_bgnbd(CDNOW_BGNBD, age, random_state=rng),
        "MBGNBD": simulate_mbgnbd(CDNOW_BGNBD, age, random_state=rng),
    }


@pytest.mark.parametrize(
    ("exact", "general"), [(BGNBD, _WithoutCurvature), (MBGNBD, _MBGWithoutCurvature)]
)
@pytest.mark.parametrize("penalizer_coef", [0.0, 0.01])
def test_exact_newton_fit_equals_the_general_fit(
    exact: type[BGNBD],
    general: type[BGNBD],
    penalizer_coef: float,
    many_customers: dict[str, pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = many_customers[exact.__name__]
    columns = data["frequency"], data["recency"], data["T"]
    newton_steps: list[np.ndarray] = []
    newton_terms = _Objective.newton_terms

    def counted(self: _Objective, phi: np.ndarray, curvature: Any) -> Any:
        newton_steps.append(phi)
        return newton_terms(self, phi, curvature)

    monkeypatch.setattr(_Objective, "newton_terms", counted)
    ours = exact(penalizer_coef=penalizer_coef).fit(*columns)
    assert len(newton_steps) >= 2  # the exact path ran: a warm start, then Newton steps
    reference = general(penalizer_coef=penalizer_coef).fit(*columns)
    assert ours.converged_ and reference.converged_
    for name in ours.param_names:
        assert ours.params_[name] == pytest.approx(reference.params_[name], rel=1e-7)
        # the general path's forward-difference Hessian is good to about 1e-4
        assert ours.standard_errors_[name] == pytest.approx(
            reference.standard_errors_[name], rel=3e-3
        )
    assert ours.log_likelihood_ == pytest.approx(reference.log_likelihood_, rel=1e-10)


@pytest.mark.parametrize("model", [BGNBD, MBGNBD])
def test_standard_errors_are_the_inverse_observed_information(
    model: type[BGNBD], many_customers: dict[str, pd.DataFrame]
) -> None:
    data = many_customers[model.__name__]
    columns = [data[c].to_numpy(float) for c in ("frequency", "recency", "T")]
    fitted = model().fit(*columns)
    theta = np.array([fitted.params_[name] for name in fitted.param_names])
    histories = Histories.of_customers(*columns, np.ones(len(data)))
    hessian = np.empty((4, 4))  # central differences of the gradient
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-5 * theta[j]
        up, down = (
            log_likelihood(theta + s, histories, model.shift, hessian=False)[1]
            for s in (step, -step)
        )
        hessian[:, j] = (up - down) / (2 * step[j])
    expected = np.sqrt(np.diag(np.linalg.inv(-(hessian + hessian.T) / 2)))
    ours = np.array([fitted.standard_errors_[name] for name in fitted.param_names])
    np.testing.assert_allclose(ours, expected, rtol=1e-5)


def test_fits_without_a_warm_start_take_lbfgsb_steps(
    cdnow: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    max_iters: list[int] = []
    lbfgsb = optimize._lbfgsb

    def counted(objective: _Objective, phi: np.ndarray, max_iter: int, tol: float) -> Any:
        max_iters.append(max_iter)
        return lbfgsb(objective, phi, max_iter, tol)

    monkeypatch.setattr(optimize, "_lbfgsb", counted)
    BGNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert max_iters == [1000]  # one run, with the model's max_iter: no Newton steps first
