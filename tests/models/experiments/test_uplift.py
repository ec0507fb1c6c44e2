"""Uplift learners and their evaluation: Qini above random on a type-dependent uplift."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from segmint.exceptions import ModelInputError, NotFittedError
from segmint.models.experiments import (
    TransformedOutcomeUplift,
    TwoModelUplift,
    qini_coefficient,
    qini_curve,
    uplift_at_k,
)

from .conftest import simulate_campaign

UPLIFT_BY_TYPE = np.array([0.0, 0.0, 0.15, 0.0, 0.10, 0.02])


def _campaign(
    seed: int, n: int = 24_000
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Members whose features reveal their type only noisily; uplift depends on the type."""
    rng = np.random.default_rng(seed)
    kind, target, response, _ = simulate_campaign(rng, n, UPLIFT_BY_TYPE, holdout=0.5)
    features = pd.DataFrame(
        {
            "type_signal": kind + rng.normal(0, 0.3, n),
            "spend": rng.gamma(2.0, 20.0, n) * (1 + kind),
            "noise": rng.normal(size=n),
        }
    )
    return features, target, response, UPLIFT_BY_TYPE[kind]


@pytest.fixture(scope="module")
def split() -> tuple[tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray], ...]:
    features, target, response, truth = _campaign(0)
    half = len(features) // 2
    train = (features.iloc[:half], target[:half], response[:half], truth[:half])
    test = (features.iloc[half:], target[half:], response[half:], truth[half:])
    return train, test


@pytest.mark.parametrize("learner", [TwoModelUplift, TransformedOutcomeUplift])
def test_qini_is_above_random_on_held_out_members(learner: type, split) -> None:  # type: ignore[no-untyped-def]
    (X, w, y, _), (X_test, w_test, y_test, truth) = split
    model = learner(random_state=0).fit(X, y, w)
    score = model.predict(X_test)
    assert qini_coefficient(score, y_test, w_test) > 0.005
    shuffled = np.random.default_rng(1).permutation(score)
    assert (
        abs(qini_coefficient(shuffled, y_test, w_test))
        < qini_coefficient(score, y_test, w_test) / 2
    )
    assert uplift_at_k(score, y_test, w_test, 0.3) > uplift_at_k(-score, y_test, w_test, 0.3)
    assert np.corrcoef(score, truth)[0, 1] > 0.4


def test_the_true_uplift_gives_the_best_qini(split) -> None:  # type: ignore[no-untyped-def]
    _, (_, w, y, truth) = split
    curve = qini_curve(truth, y, w)
    assert curve.fraction[0] == 0.0 and curve.fraction[-1] == 1.0
    assert curve.random[-1] == pytest.approx(curve.incremental[-1])
    assert qini_coefficient(truth, y, w) > qini_coefficient(-truth, y, w)


def test_ties_are_one_block() -> None:
    score = np.array([1.0, 1.0, 0.0, 0.0])
    curve = qini_curve(score, [1.0, 0.0, 0.0, 1.0], [True, False, True, False])
    assert curve.fraction.tolist() == [0.0, 0.5, 1.0]
    assert qini_coefficient(np.zeros(4), [1.0, 0.0, 0.0, 1.0], [True, False, True, False]) == 0.0


def test_transformed_outcome_with_a_linear_model_recovers_a_constant_effect() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40_000, 2))
    w = rng.random(40_000) < 0.3
    y = 2.0 + X[:, 0] + 0.5 * w + rng.normal(size=40_000)
    model = TransformedOutcomeUplift(LinearRegression()).fit(X, y, w)
    assert model.propensity_ == pytest.approx(0.3, abs=0.01)
    assert model.predict(X).mean() == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize("learner", [TwoModelUplift, TransformedOutcomeUplift])
def test_estimator_contract(learner: type) -> None:
    features, target, response, _ = _campaign(5, n=2_000)
    model = learner(random_state=3)
    with pytest.raises(NotFittedError, match=r"call fit\(X, y, treatment\) first"):
        model.predict(features)
    assert model.fit(features, response, target) is model
    assert clone(model).get_params() == model.get_params()
    restored = pickle.loads(pickle.dumps(model))
    assert np.array_equal(restored.predict(features), model.predict(features))
    again = learner(random_state=3).fit(features, response, target)
    assert np.array_equal(again.predict(features), model.predict(features))


def test_bad_training_data_is_explained() -> None:
    X = np.zeros((4, 1))
    with pytest.raises(ModelInputError, match="needs members in both groups"):
        TwoModelUplift().fit(X, [1, 0, 1, 0], [1, 1, 1, 1])
    with pytest.raises(ModelInputError, match="X must have one row per member"):
        TwoModelUplift().fit(np.zeros((3, 1)), [1, 0, 1, 0], [1, 0, 1, 0])
    with pytest.raises(ModelInputError, match="held-out members of both groups"):
        qini_coefficient([0.1, 0.2], [1.0, 0.0], [True, True])
    with pytest.raises(ModelInputError, match="k is the share of members targeted"):
        uplift_at_k([0.1, 0.2], [1.0, 0.0], [True, False], k=0.0)
