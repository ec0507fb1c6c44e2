"""Fitting latent classes: two known classes are recovered, one class is kept by BIC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.models import BGNBD, simulate_bgnbd
from segmint.models.latent_class import LatentClassModel
from segmint.models.latent_class_fit import choose_classes

pytestmark = pytest.mark.slow  # EM from three starts per number of classes: seconds each

LIGHT = {"r": 0.5, "alpha": 10.0, "a": 2.0, "b": 1.0}  # rare buyers who soon leave
LOYAL = {"r": 3.0, "alpha": 6.0, "a": 0.5, "b": 10.0}  # frequent buyers who stay


def _ages(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(26.0, 104.0, n)


@pytest.fixture(scope="module")
def two_classes() -> pd.DataFrame:
    return pd.concat(
        [
            simulate_bgnbd(LIGHT, _ages(3000, 1), random_state=2),
            simulate_bgnbd(LOYAL, _ages(3000, 3), random_state=4),
        ],
        ignore_index=True,
    )


def _columns(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(frame[c].to_numpy(float) for c in ("frequency", "recency", "T"))  # type: ignore[return-value]


def test_two_known_classes_are_recovered_and_beat_one(two_classes: pd.DataFrame) -> None:
    columns = _columns(two_classes)
    pooled = BGNBD().fit(*columns)
    choice = choose_classes(pooled, *columns)
    assert choice.n_classes == 2
    assert choice.log_likelihood > pooled.log_likelihood_ + 50
    assert choice.bic[2] < choice.bic[1]
    mixture = choice.model
    assert isinstance(mixture, LatentClassModel)
    np.testing.assert_allclose(mixture.shares, [0.5, 0.5], atol=0.06)
    loyal, light = sorted(mixture.classes, key=lambda m: -m.params_["r"] / m.params_["alpha"])
    for fitted, truth in ((light, LIGHT), (loyal, LOYAL)):
        for name, value in truth.items():
            estimate, error = fitted.params_[name], fitted.standard_errors_[name]
            assert abs(estimate - value) < 3 * error, (name, estimate, error, value)


def test_one_class_is_kept_when_the_data_are_one_class() -> None:
    columns = _columns(simulate_bgnbd(LOYAL, _ages(4000, 5), random_state=6))
    pooled = BGNBD().fit(*columns)
    choice = choose_classes(pooled, *columns)
    assert choice.n_classes == 1
    assert choice.model is pooled
    assert choice.log_likelihood == pytest.approx(pooled.log_likelihood_)
