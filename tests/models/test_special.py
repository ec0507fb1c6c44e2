"""Special-function helpers: the stable forms equal the textbook ones where both are finite."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1
from scipy.stats import nbinom

from segmint.models._special import nbinom_pmf_sf, scaled_hyp2f1, softplus_and_logistic


@pytest.mark.parametrize(
    "a, b, c, z",
    [(0.5, 1.2, 3.0, 0.3), (2.0, 4.0, 5.5, 0.9), (1.0, 1.0, 2.0, 0.0), (3.0, 0.7, 1.8, 0.55)],
)
def test_scaled_hyp2f1_equals_the_direct_product(a: float, b: float, c: float, z: float) -> None:
    direct = (1 - z) ** a * hyp2f1(a, b, c, z)
    assert scaled_hyp2f1(a, b, c, np.array([z]))[0] == pytest.approx(direct, rel=1e-12)


def test_scaled_hyp2f1_at_zero_is_one() -> None:
    assert scaled_hyp2f1(5.0, 7.0, 11.0, np.array([0.0]))[0] == 1.0


def test_scaled_hyp2f1_stays_finite_where_the_direct_series_overflows() -> None:
    # the BG/NBD shape: a and b grow with the count x, c - a and c - b stay small
    x = 2000.0
    a, b, c, z = 0.25 + x, 2.4 + x, 0.8 + 2.4 + x - 1, 0.999
    with np.errstate(all="ignore"):
        direct = (1 - z) ** a * hyp2f1(a, b, c, z)
    value = scaled_hyp2f1(a, b, c, np.array([z]))[0]
    assert not np.isfinite(direct) or direct == 0.0
    assert np.isfinite(value)
    assert value > 0


def test_nbinom_pmf_and_survival_match_scipy() -> None:
    k = np.arange(0.0, 30.0)
    r, p = 0.7, np.full(k.shape, 0.35)
    pmf, sf = nbinom_pmf_sf(k, r, p)
    assert pmf == pytest.approx(nbinom.pmf(k, r, p), rel=1e-10)
    # P(N >= k) is scipy's sf at k - 1; P(N >= 0) = 1
    assert sf == pytest.approx(nbinom.sf(k - 1, r, p), rel=1e-10)
    assert sf[0] == 1.0


def test_nbinom_pmf_hand_value() -> None:
    # k = 2, r = 1 (geometric): p (1-p)^2
    pmf, sf = nbinom_pmf_sf(np.array([2.0]), 1.0, np.array([0.5]))
    assert pmf[0] == pytest.approx(0.125)
    assert sf[0] == pytest.approx(0.25)  # P(N >= 2) = (1-p)^2


def test_nbinom_stays_finite_for_large_counts() -> None:
    pmf, sf = nbinom_pmf_sf(np.array([1e6]), 0.5, np.array([0.3]))
    assert np.isfinite(pmf).all()
    assert np.isfinite(sf).all()


def test_nbinom_over_a_window_of_length_zero_is_no_purchase() -> None:
    # p = alpha / (alpha + t) = 1 at t = 0: 0 log(1 - p) is 0, not NaN (customers of age 0
    # in the diagnostics' histogram made every expected count NaN)
    with np.errstate(all="raise"):
        pmf, sf = nbinom_pmf_sf(np.array([0.0, 1.0, 3.0]), 0.7, np.ones(3))
    np.testing.assert_array_equal(pmf, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(sf, [1.0, 0.0, 0.0])


def test_softplus_and_logistic_known_values() -> None:
    z = np.array([0.0, 1.0, -1.0])
    softplus, logistic = softplus_and_logistic(z)
    assert softplus == pytest.approx(np.log1p(np.exp(z)), rel=1e-15)
    assert logistic == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-15)
    assert logistic[0] == 0.5


def test_softplus_and_logistic_at_the_extremes() -> None:
    z = np.array([-np.inf, -1000.0, 1000.0, np.inf])
    softplus, logistic = softplus_and_logistic(z)
    assert softplus[0] == 0.0
    assert softplus[1] == 0.0
    assert softplus[2] == 1000.0
    assert softplus[3] == np.inf
    assert list(logistic) == [0.0, 0.0, 1.0, 1.0]


def test_softplus_does_not_change_its_input() -> None:
    z = np.array([-3.0, 4.0])
    softplus_and_logistic(z)
    assert list(z) == [-3.0, 4.0]
