"""The latent-class mixture's predictions: each is the posterior-weighted mean of its classes'."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.models import BGNBD, MBGNBD
from segmint.models._base import Histories
from segmint.models.latent_class import LatentClassModel

CLASSES = (
    {"r": 0.3, "alpha": 6.0, "a": 2.0, "b": 1.0},
    {"r": 2.0, "alpha": 4.0, "a": 0.5, "b": 6.0},
)
CUSTOMERS = {
    "frequency": np.array([0.0, 1.0, 4.0, 12.0, 3.0]),
    "recency": np.array([0.0, 2.0, 30.0, 50.0, 5.0]),
    "T": np.array([10.0, 40.0, 52.0, 52.0, 60.0]),
}


def _fitted(model_class: type[BGNBD], params: dict[str, float]) -> BGNBD:
    model = model_class()
    model.params_ = dict(params)
    return model


@pytest.fixture(params=[BGNBD, MBGNBD], ids=["BG/NBD", "MBG/NBD"])
def mixture(request: pytest.FixtureRequest) -> LatentClassModel:
    classes = tuple(_fitted(request.param, p) for p in CLASSES)
    return LatentClassModel(classes, [0.3, 0.7], classes[0])


def _posterior_by_hand(mixture: LatentClassModel) -> np.ndarray:
    """pi_k L_k / sum_j pi_j L_j, each L_k from the base model's own total log-likelihood of
    one customer at a time."""
    x, t_x, T = (CUSTOMERS[c] for c in ("frequency", "recency", "T"))
    joint = np.empty((x.size, len(mixture.classes)))
    for i in range(x.size):
        one = Histories.of(x[i : i + 1], t_x[i : i + 1], T[i : i + 1], np.ones(1))
        for k, model in enumerate(mixture.classes):
            theta = np.array([model.params_[n] for n in model.param_names])
            joint[i, k] = mixture.shares[k] * np.exp(model._log_likelihood(theta, one)[0])
    return joint / joint.sum(axis=1, keepdims=True)


def test_the_posterior_is_bayes_rule_on_the_classes_likelihoods(mixture: LatentClassModel) -> None:
    posterior = mixture.posterior(**CUSTOMERS)
    np.testing.assert_allclose(posterior, _posterior_by_hand(mixture), rtol=1e-10)
    assert 0.05 < posterior[0, 0] < 0.95  # the test can tell a wrong weight from a right one


def test_predictions_are_the_posterior_weighted_class_predictions(
    mixture: LatentClassModel,
) -> None:
    weights = _posterior_by_hand(mixture)
    by_class = np.column_stack([m.predict_purchases(13.0, **CUSTOMERS) for m in mixture.classes])
    expected = (weights * by_class).sum(axis=1)
    np.testing.assert_allclose(mixture.predict_purchases(13.0, **CUSTOMERS), expected, rtol=1e-10)
    grid = mixture.predict_purchases_grid([13.0, 52.0], **CUSTOMERS)
    np.testing.assert_allclose(grid[:, 0], expected, rtol=1e-10)
    alive = np.column_stack([m.probability_alive(**CUSTOMERS) for m in mixture.classes])
    np.testing.assert_allclose(
        mixture.probability_alive(**CUSTOMERS), (weights * alive).sum(axis=1), rtol=1e-10
    )


def test_a_new_customer_is_the_share_weighted_mean_of_the_classes(
    mixture: LatentClassModel,
) -> None:
    first, second = mixture.classes
    t = np.array([13.0, 52.0])
    np.testing.assert_allclose(
        mixture.expected_purchases_new_customer(t),
        0.3 * first.expected_purchases_new_customer(t)
        + 0.7 * second.expected_purchases_new_customer(t),
    )
    np.testing.assert_allclose(
        mixture.probability_of_purchases(2, 52.0),
        0.3 * first.probability_of_purchases(2, 52.0)
        + 0.7 * second.probability_of_purchases(2, 52.0),
    )


def test_params_name_each_class_and_its_odds(mixture: LatentClassModel) -> None:
    params = mixture.params_
    assert params["r_1"] == 0.3 and params["b_2"] == 6.0
    assert params["odds_2"] == pytest.approx(0.7 / 0.3)
    assert "odds_1" not in params


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(0, 300),
    T=st.floats(0.5, 2000.0),
    share=st.floats(0.0, 1.0),
    t=st.floats(0.1, 200.0),
)
def test_a_mixture_predicts_between_its_classes(x: int, T: float, share: float, t: float) -> None:
    """Whatever the history, the posterior is a probability over the classes, so the
    mixture's prediction and P(alive) lie between its classes' (a mean of them)."""
    classes = tuple(_fitted(BGNBD, p) for p in CLASSES)
    mixture = LatentClassModel(classes, [0.3, 0.7], classes[0])
    history = ([float(x)], [0.0 if x == 0 else share * T], [T])
    posterior = mixture.posterior(*history)
    assert np.all(posterior >= 0) and posterior.sum() == pytest.approx(1.0)
    for method, args in (("predict_purchases", (t, *history)), ("probability_alive", history)):
        by_class = [getattr(m, method)(*args)[0] for m in classes]
        value = getattr(mixture, method)(*args)[0]
        assert min(by_class) * (1 - 1e-9) - 1e-300 <= value <= max(by_class) * (1 + 1e-9) + 1e-300
