"""Bad inputs fail once, at the public boundary, with messages that say what to fix."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from segmint.exceptions import ConvergenceError, SegmintError
from segmint.models import BGBB, BGNBD, MBGNBD, ModelInputError, ParetoNBD
from segmint.models._optimize import IterationLimitWarning

CONTINUOUS = [BGNBD, MBGNBD, ParetoNBD]


@pytest.mark.parametrize("model", CONTINUOUS)
@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, 2], [1.0], [2.0, 3.0], "all the same length"),
        ([1, -2], [1.0, 1.0], [2.0, 3.0], "frequency must be non-negative"),
        ([1, 2], [1.0, 4.0], [2.0, 3.0], "recency must not exceed T"),
        ([1.5, 2], [1.0, 1.0], [2.0, 3.0], "whole numbers"),
        ([1, 2], [1.0, np.nan], [2.0, 3.0], "recency must be finite"),
        ([[1, 2]], [[1.0, 1.0]], [[2.0, 3.0]], "one-dimensional"),
        (["a", "b"], [1.0, 1.0], [2.0, 3.0], "frequency must be numeric"),
    ],
)
def test_malformed_histories_are_rejected(
    model: type[Any], frequency: Any, recency: Any, T: Any, message: str
) -> None:
    with pytest.raises(ModelInputError, match=message):
        model().fit(frequency, recency, T)


def test_input_errors_are_segmint_and_value_errors() -> None:
    assert issubclass(ModelInputError, SegmintError) and issubclass(ModelInputError, ValueError)


@pytest.mark.parametrize("model", CONTINUOUS)
def test_no_repeat_buyers_cannot_be_fitted(model: type[Any]) -> None:
    with pytest.raises(ConvergenceError, match="none of the 3 customers made a repeat purchase"):
        model().fit([0, 0, 0], [0.0, 0.0, 0.0], [5.0, 6.0, 7.0])


@pytest.mark.parametrize("model", CONTINUOUS)
def test_empty_input_cannot_be_fitted(model: type[Any]) -> None:
    with pytest.raises(ConvergenceError, match="got an empty input"):
        model().fit([], [], [])


@pytest.mark.parametrize("model", CONTINUOUS)
def test_unidentified_data_asks_for_a_penalizer_and_the_penalizer_fits(model: type[Any]) -> None:
    """Four customers who all bought just now say nothing about dropout."""
    x, t_x, T = [1, 2, 3, 1], [10.0, 20.0, 30.0, 5.0], [10.0, 20.0, 30.0, 5.0]
    with pytest.raises(ConvergenceError, match=r"cannot be identified .* set penalizer_coef"):
        model().fit(x, t_x, T)
    assert model(penalizer_coef=0.01).fit(x, t_x, T).converged_


def test_negative_weights_and_wrong_weight_length_are_rejected() -> None:
    with pytest.raises(ModelInputError, match="weights must be non-negative"):
        BGNBD().fit([1, 2], [1.0, 1.0], [2.0, 3.0], weights=[1.0, -1.0])
    with pytest.raises(ModelInputError, match=r"one value per customer \(2\)"):
        BGNBD().fit([1, 2], [1.0, 1.0], [2.0, 3.0], weights=[1.0])


@pytest.mark.parametrize(
    ("options", "message"),
    [({"penalizer_coef": -1.0}, "penalizer_coef must be >= 0"), ({"max_iter": 0}, "max_iter >= 1")],
)
def test_bad_options_are_rejected_at_fit(options: dict[str, float], message: str) -> None:
    with pytest.raises(ModelInputError, match=message):
        BGNBD(**options).fit([1, 2], [1.0, 1.0], [2.0, 3.0])


def test_iteration_limit_warns_and_reports_not_converged() -> None:
    x, t_x, T = np.array([0, 1, 2, 5, 0, 3]), np.array([0, 2.0, 5, 9, 0, 4]), np.full(6, 10.0)
    with pytest.warns(ConvergenceWarning, match=r"Raise max_iter \(now 2\)") as caught:
        model = BGNBD(penalizer_coef=0.01, max_iter=2).fit(x, t_x, T)
    assert not model.converged_
    [warned] = [w.message for w in caught if isinstance(w.message, IterationLimitWarning)]
    assert warned.naming("--max-iter").endswith("Raise --max-iter (now 2) to let it converge.")
    assert "max_iter" not in warned.finding  # the advice alone names the Python argument


def test_prediction_inputs_are_validated(bgnbd: BGNBD, bgbb: BGBB) -> None:
    with pytest.raises(ModelInputError, match="t must be non-negative"):
        bgnbd.predict_purchases(-1, [1], [1.0], [2.0])
    with pytest.raises(ModelInputError, match="k must hold whole numbers"):
        bgnbd.probability_of_purchases(1.5, 10.0)
    with pytest.raises(ModelInputError, match="recency must not exceed n_periods"):
        bgbb.probability_alive([1], [7], [6])


def test_a_customer_without_repeats_must_have_recency_zero() -> None:
    with pytest.raises(
        ModelInputError, match=r"frequency 0 must have recency 0; customer at position 1 has"
    ):
        BGNBD().fit([2, 0, 1], [5.0, 3.0, 2.0], [10.0, 10.0, 10.0])


def test_model_input_error_is_a_segmint_error_from_the_exceptions_module() -> None:
    from segmint import exceptions, models

    assert models.ModelInputError is exceptions.ModelInputError
    assert issubclass(exceptions.ModelInputError, exceptions.SegmintError)
