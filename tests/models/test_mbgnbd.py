"""MBG/NBD (Batislam, Denizel & Filiztekin 2007) against the BTYDplus estimate on CDNOW."""

from __future__ import annotations

import numpy as np
import pytest

from segmint.models import BGNBD, MBGNBD

BTYDPLUS = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}


def test_fit_reproduces_btydplus_estimate(mbgnbd: MBGNBD) -> None:
    assert mbgnbd.params_ == pytest.approx(BTYDPLUS, abs=1e-3)
    assert mbgnbd.log_likelihood_ == pytest.approx(-9582.13, abs=0.01)


def test_fits_cdnow_slightly_better_than_bgnbd(mbgnbd: MBGNBD, bgnbd: BGNBD) -> None:
    assert mbgnbd.log_likelihood_ > bgnbd.log_likelihood_


def test_one_time_buyers_may_have_dropped_out(mbgnbd: MBGNBD) -> None:
    """Unlike the BG/NBD, x = 0 does not mean alive: P = 1/(1 + a/b ((alpha+T)/alpha)^r)."""
    r, alpha, a, b = (mbgnbd.params_[k] for k in ("r", "alpha", "a", "b"))
    T = np.array([0.0, 10.0, 40.0])
    expected = 1 / (1 + a / b * ((alpha + T) / alpha) ** r)
    alive = mbgnbd.probability_alive(np.zeros(3), np.zeros(3), T)
    assert alive == pytest.approx(expected, rel=1e-12)
    assert np.all(np.diff(alive) < 0)


def test_unconditional_expectation_is_the_new_customer_conditional(mbgnbd: MBGNBD) -> None:
    """E[X(t)] is E[Y(t) | x = t_x = T = 0]: a customer seen only at acquisition."""
    t = np.array([1.0, 39.0, 78.0])
    zeros = np.zeros(3)
    assert mbgnbd.expected_purchases_new_customer(t) == pytest.approx(
        mbgnbd.predict_purchases(t, zeros, zeros, zeros), rel=1e-12
    )
