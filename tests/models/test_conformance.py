"""One contract for every estimator: scikit-learn conventions, pickling, determinism."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from segmint.exceptions import NotFittedError
from segmint.models import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD

Case = tuple[type[Any], Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame], tuple[Any, ...]], str]

CASES: list[Case] = [
    (BGNBD, lambda c, s, d: (c["frequency"], c["recency"], c["T"]), "probability_alive"),
    (MBGNBD, lambda c, s, d: (c["frequency"], c["recency"], c["T"]), "probability_alive"),
    (ParetoNBD, lambda c, s, d: (c["frequency"], c["recency"], c["T"]), "probability_alive"),
    (
        BGBB,
        lambda c, s, d: (d["frequency"], d["recency"], d["periods"], d["weights"]),
        "probability_alive",
    ),
    (GammaGamma, lambda c, s, d: (s["x"], s["zbar"]), "expected_spend"),
]


@pytest.fixture(params=CASES, ids=lambda case: case[0].__name__)
def case(
    request: pytest.FixtureRequest,
    cdnow: pd.DataFrame,
    cdnow_spend: pd.DataFrame,
    donations: pd.DataFrame,
) -> tuple[type[Any], tuple[Any, ...], str]:
    estimator, data, predictor = request.param
    return estimator, data(cdnow.head(800), cdnow_spend.head(800), donations), predictor


def _predict(model: Any, predictor: str, fit_args: tuple[Any, ...]) -> np.ndarray:
    """Call the model's main prediction with the per-customer columns it was fitted on."""
    n_columns = 2 if predictor == "expected_spend" else 3  # fit_args may end with weights
    return np.asarray(getattr(model, predictor)(*fit_args[:n_columns]))


def test_fit_returns_self_and_sets_learned_attributes(case: tuple[Any, ...]) -> None:
    estimator, fit_args, _ = case
    model = estimator()
    assert model.fit(*fit_args) is model
    assert set(model.params_) == set(estimator.param_names)
    assert set(model.standard_errors_) == set(estimator.param_names)
    assert model.converged_ and np.isfinite(model.log_likelihood_) and model.n_customers_ > 0


def test_clone_keeps_options_and_drops_fit(case: tuple[Any, ...]) -> None:
    estimator, fit_args, _ = case
    model = estimator(penalizer_coef=0.01, max_iter=500).fit(*fit_args)
    copy = clone(model)
    assert copy.get_params() == {"penalizer_coef": 0.01, "tol": 1e-10, "max_iter": 500}
    assert not hasattr(copy, "params_")


def test_refit_is_idempotent_and_deterministic(case: tuple[Any, ...]) -> None:
    estimator, fit_args, _ = case
    model = estimator().fit(*fit_args)
    first = dict(model.params_)
    assert model.fit(*fit_args).params_ == first
    assert estimator().fit(*fit_args).params_ == first


def test_pickle_round_trip_predicts_the_same(case: tuple[Any, ...]) -> None:
    estimator, fit_args, predictor = case
    model = estimator().fit(*fit_args)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        _predict(restored, predictor, fit_args), _predict(model, predictor, fit_args)
    )


def test_unfitted_model_refuses_to_predict(case: tuple[Any, ...]) -> None:
    estimator, fit_args, predictor = case
    with pytest.raises(NotFittedError, match=f"{estimator.__name__} is not fitted yet"):
        _predict(estimator(), predictor, fit_args)


def test_penalizer_shrinks_log_parameters_towards_zero(case: tuple[Any, ...]) -> None:
    estimator, fit_args, _ = case
    plain = estimator().fit(*fit_args)
    penalised = estimator(penalizer_coef=1.0).fit(*fit_args)
    norm = lambda params: float(np.sum(np.log(list(params.values())) ** 2))  # noqa: E731
    assert norm(penalised.params_) < norm(plain.params_)
    assert penalised.log_likelihood_ < plain.log_likelihood_
