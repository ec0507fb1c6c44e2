"""Fits on the boundary: the NBD limit or a penalty chosen by held-out likelihood, or refusal."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, gammaln

from segmint.models import BGNBD, MBGNBD, NBD, GammaGamma, ParetoNBD
from segmint.models import _optimize as optimize
from segmint.models._optimize import IdentificationError, StalledFitError
from segmint.models.boundary import PENALTY_GRID, cross_validated, fit_spend, fit_transactions

Columns = tuple[np.ndarray, np.ndarray, np.ndarray]


def no_dropout(n: int = 3000, seed: int = 1) -> Columns:
    """Poisson buyers with gamma rates who never leave: the NBD."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(10, 40, n)
    x = rng.poisson(rng.gamma(0.8, 1 / 3.0, n) * T)
    t_x = np.array([rng.uniform(0, t, k).max() if k else 0.0 for k, t in zip(x, T, strict=True)])
    return x.astype(np.float64), t_x, T


def small_business(n: int, weeks: float, seed: int) -> tuple[Columns, np.ndarray]:
    """A handful of customers over a few weeks, and their mean repeat spend."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(1, weeks, n)
    x = rng.poisson(rng.gamma(1.0, 1.0, n) * T).astype(np.float64)
    x[0] = max(x[0], 1.0)
    t_x = np.where(x > 0, T * rng.uniform(0.3, 1, n), 0.0)
    return (x, t_x, T), np.where(x > 0, rng.gamma(5, 10, n), 0.0)


@pytest.mark.parametrize("model", [BGNBD, MBGNBD, ParetoNBD])
def test_a_boundary_without_dropout_is_fitted_as_its_nbd_limit(model: type) -> None:
    columns = no_dropout()
    with pytest.raises(IdentificationError) as refused:
        model().fit(*columns)
    fit = fit_transactions(lambda c: model(penalizer_coef=c), columns)
    assert isinstance(fit.model, NBD)
    assert "limit, the NBD without dropout" in fit.note and model.__name__ in fit.note
    # the limiting model's likelihood equals the boundary's
    assert fit.model.log_likelihood_ == pytest.approx(refused.value.log_likelihood, abs=0.1)
    assert fit.model.params_["r"] == pytest.approx(0.8, rel=0.1)


@pytest.mark.parametrize("model", [BGNBD, MBGNBD, ParetoNBD])
def test_strict_keeps_the_refusal(model: type) -> None:
    with pytest.raises(IdentificationError, match="cannot be identified"):
        fit_transactions(lambda c: model(penalizer_coef=c), no_dropout(), strict=True)


def test_an_interior_maximum_is_fitted_plainly(cdnow: pd.DataFrame) -> None:
    columns = tuple(cdnow[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    fit = fit_transactions(lambda c: BGNBD(penalizer_coef=c), columns)
    assert isinstance(fit.model, BGNBD) and fit.note == "" and fit.penalty == 0.0
    assert fit.model.params_["a"] == pytest.approx(0.793, abs=1e-3)


@pytest.mark.parametrize(("n", "weeks", "seed"), [(5, 4, 0), (12, 8, 1), (30, 6, 2), (8, 52, 4)])
@pytest.mark.parametrize("model", [BGNBD, MBGNBD, ParetoNBD])
def test_small_businesses_get_a_fit_and_a_reason(
    n: int, weeks: float, seed: int, model: type
) -> None:
    columns, zbar = small_business(n, weeks, seed)
    fit = fit_transactions(lambda c: model(penalizer_coef=c), columns)
    predicted = fit.model.predict_purchases(13.0, *columns)
    assert np.all(np.isfinite(predicted)) and np.all(predicted >= 0)
    if fit.note:  # not a plain fit: it says what was done
        assert ("NBD without dropout" in fit.note) or ("chosen by 3-fold" in fit.note)
    spend = fit_spend(lambda c: GammaGamma(penalizer_coef=c), (columns[0], zbar))
    assert np.all(np.isfinite(spend.model.expected_spend(columns[0], zbar)))


def test_the_penalty_is_the_one_of_highest_held_out_likelihood() -> None:
    columns, _ = small_business(12, 8, 1)
    # no plain fit: a maximum on the boundary, or a line search that stalls on the way
    # there (the last bits of the arithmetic decide which; one machine stalled); either
    # way the penalty is chosen by held-out likelihood
    with pytest.raises((IdentificationError, StalledFitError)):
        BGNBD().fit(*columns)
    fit = fit_transactions(lambda c: BGNBD(penalizer_coef=c), columns)
    assert fit.penalty in PENALTY_GRID and "penalty" in fit.note

    scores = {
        c: cross_validated(lambda p: BGNBD(penalizer_coef=p), columns, fhl_loglik, c)
        for c in PENALTY_GRID
    }
    assert fit.penalty == max(scores, key=lambda c: scores[c])


def fhl_loglik(model: BGNBD, rows: list[np.ndarray]) -> float:
    """Held-out log-likelihood written out: equation (6) of Fader, Hardie & Lee (2005)."""
    r, alpha, a, b = (model.params_[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = rows
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    stay = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    left = np.full(x.shape, -np.inf)
    left[repeat] = (
        betaln(a + 1, b + x[repeat] - 1)
        - betaln(a, b)
        - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return float(np.sum(common + np.logaddexp(stay, left)))


# Eleven repeat buyers of a small shop whose mean spends barely differ: the Gamma-Gamma
# likelihood rises along a ridge towards q, gamma -> infinity, where L-BFGS-B's line search
# can stop early ("ABNORMAL") or not depending on the last bit of an input.
RIDGE_X = np.array([1.0, 2.0, 4.0, 2.0, 5.0, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0])
RIDGE_ZBAR = np.array(
    [23.118, 24.339, 24.930, 25.061, 23.489, 22.329, 29.617, 29.699, 26.956, 27.530, 21.913]
)


def test_a_spend_ridge_always_gets_a_fit_whatever_its_last_bits() -> None:
    rng = np.random.default_rng(0)
    means = []
    for _ in range(40):
        zbar = RIDGE_ZBAR * (1 + rng.normal(0, 1e-15, RIDGE_ZBAR.size))
        fit = fit_spend(lambda c: GammaGamma(penalizer_coef=c), (RIDGE_X, zbar))
        assert fit.note == "" or "chosen by 3-fold" in fit.note
        means.append(fit.model.expected_spend(RIDGE_X, zbar).mean())
    # plain fits stop somewhere on the ridge and penalised ones near it: the same answer
    assert np.ptp(means) < 0.01 * np.mean(means)
    assert np.mean(means) == pytest.approx(RIDGE_ZBAR @ RIDGE_X / RIDGE_X.sum(), rel=0.02)


PLAIN_LBFGSB = optimize._lbfgsb


def stalled_lbfgsb(
    objective: Any, phi: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, bool, int, str]:
    """L-BFGS-B stopping after two iterations as if its line search had failed."""
    phi, _, _, _ = PLAIN_LBFGSB(objective, phi, 2, tol)
    return phi, False, 2, "ABNORMAL: "


def test_a_stalled_plain_fit_takes_a_penalty_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    columns, zbar = small_business(30, 6, 2)
    spend = (columns[0], zbar)
    monkeypatch.setattr(optimize, "_lbfgsb", stalled_lbfgsb)
    with pytest.raises(StalledFitError, match="ABNORMAL after 2 iterations") as stalled:
        GammaGamma().fit(*spend)
    assert set(stalled.value.params) == {"p", "q", "gamma"}
    assert np.isfinite(stalled.value.log_likelihood)
    with pytest.raises(StalledFitError):
        fit_spend(lambda c: GammaGamma(penalizer_coef=c), spend, strict=True)

    only_the_first = iter([stalled_lbfgsb])
    monkeypatch.setattr(optimize, "_lbfgsb", lambda *a: next(only_the_first, PLAIN_LBFGSB)(*a))
    fit = fit_spend(lambda c: GammaGamma(penalizer_coef=c), spend)
    assert fit.penalty in PENALTY_GRID
    assert fit.note.startswith("GammaGamma: the plain fit stopped early (ABNORMAL after 2")
    assert "chosen by 3-fold held-out log-likelihood" in fit.note


@pytest.mark.parametrize("model", [BGNBD, ParetoNBD])
def test_a_stalled_transaction_fit_takes_a_penalty_not_the_limit(
    model: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stall is no maximum: its likelihood says nothing about the boundary, so the NBD
    limit is not weighed against it; a penalty is chosen and the note names the stall."""
    columns, _ = small_business(30, 6, 2)
    only_the_first = iter([stalled_lbfgsb])
    monkeypatch.setattr(optimize, "_lbfgsb", lambda *a: next(only_the_first, PLAIN_LBFGSB)(*a))
    fit = fit_transactions(lambda c: model(penalizer_coef=c), columns)
    assert isinstance(fit.model, model)
    assert fit.penalty in PENALTY_GRID
    assert fit.note.startswith(f"{model.__name__}: the plain fit stopped early (ABNORMAL after 2")
    assert "boundary" not in fit.note
