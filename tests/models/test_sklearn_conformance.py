"""The same estimator contract for the scikit-learn-style models: propensity, clusters,
preparation. Clone keeps options and drops the fit, fit returns self, refit gives the same
result, pickling keeps predictions, an unfitted model says so the one common way."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from segmint.exceptions import NotFittedError
from segmint.models.clustering import CustomerClusters, CustomerPreparation
from segmint.models.propensity import PropensityClassifier


def _frame(seed: int = 0, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "frequency": rng.poisson(3, n).astype(float),
            "monetary": rng.gamma(2.0, 30.0, n),
            "region": rng.choice(["N", "S", "E"], n),
        }
    )


def _labels(frame: pd.DataFrame) -> np.ndarray:
    rng = np.random.default_rng(1)
    chance = 1 / (1 + np.exp(-(frame["frequency"].to_numpy() - 3)))
    return (rng.random(len(frame)) < chance).astype(int)


def _matrix() -> np.ndarray:
    rng = np.random.default_rng(2)
    centres = np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 6.0]])
    return np.vstack([c + rng.normal(0, 0.5, (100, 2)) for c in centres])


# (estimator with non-default options, fit arguments, prediction, the fit call it names)
Case = tuple[Any, Callable[[], tuple[Any, ...]], Callable[[Any, tuple[Any, ...]], Any], str]
CASES: list[Case] = [
    (
        PropensityClassifier(max_iter=30, random_state=3),
        lambda: (_frame(), _labels(_frame())),
        lambda m, a: m.predict_proba(a[0]),
        "fit(X, y)",
    ),
    (
        CustomerClusters(n_clusters=3, random_state=4),
        lambda: (_matrix(),),
        lambda m, a: m.predict(a[0]),
        "fit(matrix)",
    ),
    (
        CustomerPreparation(max_levels=4, random_state=5),
        lambda: (_frame(),),
        lambda m, a: m.transform(a[0]),
        "fit(frame)",
    ),
]
IDS = ["PropensityClassifier", "CustomerClusters", "CustomerPreparation"]


@pytest.fixture(params=CASES, ids=IDS)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


def test_fit_returns_self(case: Case) -> None:
    model, data, _, _ = case
    fresh = clone(model)
    assert fresh.fit(*data()) is fresh


def test_clone_keeps_options_and_drops_the_fit(case: Case) -> None:
    model, data, _, _ = case
    fitted = clone(model).fit(*data())
    copy = clone(fitted)
    assert copy.get_params() == model.get_params()
    assert not [k for k in vars(copy) if k.endswith("_") and not k.startswith("_")]


def test_refit_gives_the_same_predictions(case: Case) -> None:
    model, data, predict, _ = case
    args = data()
    fitted = clone(model).fit(*args)
    first = np.asarray(predict(fitted, args))
    np.testing.assert_array_equal(np.asarray(predict(fitted.fit(*args), args)), first)
    np.testing.assert_array_equal(np.asarray(predict(clone(model).fit(*args), args)), first)


def test_pickle_round_trip_predicts_the_same(case: Case) -> None:
    model, data, predict, _ = case
    args = data()
    fitted = clone(model).fit(*args)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(np.asarray(predict(restored, args)), predict(fitted, args))


def test_unfitted_model_says_so_the_common_way(case: Case) -> None:
    model, data, predict, fit_call = case
    name = type(model).__name__
    expected = rf"This {name} is not fitted yet; call {fit_call.replace('(', '[(]').replace(')', '[)]')} first\."
    with pytest.raises(NotFittedError, match=expected):
        predict(clone(model), data())
