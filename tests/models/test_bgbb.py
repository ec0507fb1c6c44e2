"""BG/BB against Fader, Hardie & Shang (2010) on the donations data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import comb

from segmint.models import BGBB

MLE = {"alpha": 1.203528, "beta": 0.749726, "gamma": 0.656781, "delta": 2.783796}


def test_fit_reproduces_published_parameters(bgbb: BGBB) -> None:
    assert {k: round(v, 3) for k, v in bgbb.params_.items()} == {
        "alpha": 1.204,
        "beta": 0.750,
        "gamma": 0.657,
        "delta": 2.783,
    }
    assert bgbb.params_ == pytest.approx(MLE, abs=1e-3)
    assert bgbb.log_likelihood_ == pytest.approx(-33225.58, abs=0.01)
    assert bgbb.n_customers_ == 11_104


def test_probability_alive_in_2002_matches_published(bgbb: BGBB) -> None:
    alive = bgbb.probability_alive([0, 2, 6], [0, 4, 6], [6, 6, 6])
    assert alive == pytest.approx([0.11, 0.59, 0.93], abs=0.005)


def test_weights_equal_repeated_rows(bgbb: BGBB, donations: pd.DataFrame) -> None:
    repeat = donations["weights"].to_numpy()
    expanded = donations.loc[donations.index.repeat(repeat)]
    refit = BGBB().fit(expanded["frequency"], expanded["recency"], expanded["periods"])
    assert refit.params_ == pytest.approx(bgbb.params_, rel=1e-6)
    assert refit.log_likelihood_ == pytest.approx(bgbb.log_likelihood_, rel=1e-9)


def _all_histories(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (x, t_x) summary over n periods, with the number of sequences behind each."""
    rows = [(0, 0, 1.0)] + [
        (x, t, comb(t - 1, x - 1)) for t in range(1, n + 1) for x in range(1, t + 1)
    ]
    x, t_x, count = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    return x, t_x, count


def test_history_probabilities_sum_to_one_and_predictions_add_up(bgbb: BGBB) -> None:
    """Averaging E[X(n, n+5) | history] over the model's own history distribution gives E[X(n+5)] - E[X(n)]."""
    x, t_x, count = _all_histories(6)
    n = np.full_like(x, 6)
    probability = count * np.exp(
        BGBB._log_likelihood(np.array(list(bgbb.params_.values())), x, t_x, n)[0]
    )
    assert probability.sum() == pytest.approx(1.0, abs=1e-12)
    conditional = bgbb.predict_purchases(5, x, t_x, n)
    unconditional = bgbb.expected_purchases_new_customer(11) - bgbb.expected_purchases_new_customer(
        6
    )
    assert probability @ conditional == pytest.approx(unconditional, rel=1e-10)


def test_frequency_above_recency_is_rejected(bgbb: BGBB) -> None:
    with pytest.raises(ValueError, match="at most one transaction per period"):
        bgbb.probability_alive([3], [2], [6])


def test_fractional_horizon_is_rejected(bgbb: BGBB) -> None:
    with pytest.raises(ValueError, match="t must hold whole numbers"):
        bgbb.predict_purchases(2.5, [1], [2], [6])
