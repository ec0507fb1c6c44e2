"""The calibrated propensity classifier and its metrics, against hand and scikit-learn computations."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score

from segmint.exceptions import NotFittedError
from segmint.models import propensity
from segmint.models.propensity import (
    IMPORTANCE_ROWS,
    PARALLEL_ROWS,
    PropensityClassifier,
    PropensityInputError,
    calibration_table,
    evaluate,
    expected_calibration_error,
    feature_importance,
    lift_at_top,
)


def customers(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A signal in one number and one text column, noise in another number.

    P(y = 1) = logistic(2 * signal + 1.5 * [region == 'north'] - 1).
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "signal": rng.normal(size=n),
            "noise": rng.normal(size=n),
            "region": rng.choice(np.array(["north", "south", "east", None], dtype=object), size=n),
        }
    )
    logit = 2.0 * frame.signal + 1.5 * (frame.region == "north") - 1.0
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return frame, y


@pytest.fixture(scope="module")
def fitted() -> tuple[PropensityClassifier, pd.DataFrame, np.ndarray]:
    X, y = customers(3000, seed=1)
    X_test, y_test = customers(2000, seed=2)
    return PropensityClassifier(random_state=0).fit(X, y), X_test, y_test


def test_lift_at_top_decile_on_a_toy_example() -> None:
    # 10 customers, 3 buyers (base rate 0.3); the top decile is 1 customer, a buyer.
    y = [1, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    score = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    assert lift_at_top(y, score) == pytest.approx(1.0 / 0.3)
    # top 20 % = 2 customers, 1 buyer: rate 0.5, lift 0.5 / 0.3
    assert lift_at_top(y, score, 0.2) == pytest.approx(0.5 / 0.3)
    # the worst ordering puts a non-buyer on top
    assert lift_at_top(y, [-s for s in score], 0.1) == pytest.approx(1.0 / 0.3)
    assert lift_at_top(y, [0.0, *score[1:]], 0.1) == 0.0


def test_lift_counts_ties_at_the_cut_in_proportion() -> None:
    y = [1, 0, 0, 0]
    # the top 25 % is one customer; two tie at the top, one of them a buyer: expected rate 0.5
    assert lift_at_top(y, [0.9, 0.9, 0.1, 0.1], 0.25) == pytest.approx(0.5 / 0.25)
    assert lift_at_top(y, [0.5] * 4, 0.25) == pytest.approx(1.0)


def test_lift_rejects_a_bad_fraction_and_no_positives() -> None:
    with pytest.raises(PropensityInputError, match=r"fraction must be in \(0, 1\]; got 0"):
        lift_at_top([1, 0], [0.5, 0.4], 0.0)
    with pytest.raises(PropensityInputError, match="at least one positive"):
        lift_at_top([0, 0], [0.5, 0.4])


def test_calibration_table_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(500)
    y = (rng.random(500) < p).astype(int)
    table = calibration_table(y, p, n_bins=5)
    observed, predicted = calibration_curve(y, p, n_bins=5, strategy="uniform")
    np.testing.assert_allclose(table.observed_rate, observed)
    np.testing.assert_allclose(table.mean_predicted, predicted)
    assert table.n.sum() == 500
    assert (table.bin_lower < table.mean_predicted).all()
    assert (table.mean_predicted <= table.bin_upper).all()


def test_evaluate_against_hand_computations() -> None:
    y = np.array([1, 0, 1, 1, 0])
    p = np.array([0.8, 0.3, 0.6, 0.4, 0.5])
    metrics = evaluate(y, p)
    assert metrics["auc"] == pytest.approx(roc_auc_score(y, p))
    assert metrics["brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert metrics["brier_base_rate"] == pytest.approx(0.6 * 0.4)
    assert metrics["positive_rate"] == pytest.approx(0.6)
    assert metrics["n"] == 5
    assert metrics["ece"] == pytest.approx((0.2 + 0.3 + 0.4 + 0.6 + 0.5) / 5)  # one per bin


def test_expected_calibration_error_is_small_when_calibrated_and_the_gap_when_not() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.8, 50_000)
    y = (rng.random(50_000) < p).astype(int)
    assert expected_calibration_error(y, p) < 0.01
    assert expected_calibration_error(y, p + 0.15) == pytest.approx(0.15, abs=0.01)


def test_evaluate_needs_both_classes() -> None:
    with pytest.raises(PropensityInputError, match=r"single class \(3 positive of 3\)"):
        evaluate([1, 1, 1], [0.2, 0.5, 0.9])


def test_classifier_ranks_and_is_calibrated_out_of_sample(
    fitted: tuple[PropensityClassifier, pd.DataFrame, np.ndarray],
) -> None:
    model, X, y = fitted
    p = model.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    metrics = evaluate(y, p[:, 1])
    # the true probabilities give AUC about 0.84 here; a useful model comes close
    assert metrics["auc"] > 0.8
    assert metrics["brier"] < 0.8 * metrics["brier_base_rate"]
    for row in metrics["calibration"]:
        if row["n"] >= 100:
            assert abs(row["mean_predicted"] - row["observed_rate"]) < 0.1


def test_text_columns_carry_signal_and_unseen_levels_are_missing(
    fitted: tuple[PropensityClassifier, pd.DataFrame, np.ndarray],
) -> None:
    model, X, _ = fitted
    assert model.categories_ == {"region": ["east", "north", "south"]}
    north = X.assign(signal=0.0, region="north")
    south = X.assign(signal=0.0, region="south")
    assert model.predict_proba(north)[:, 1].mean() > model.predict_proba(south)[:, 1].mean() + 0.15
    unseen = model.predict_proba(X.assign(region="atlantis"))
    missing = model.predict_proba(X.assign(region=None))
    np.testing.assert_allclose(unseen, missing)


def test_text_and_number_dtypes_score_alike(
    fitted: tuple[PropensityClassifier, pd.DataFrame, np.ndarray],
) -> None:
    """Arrow's lookup of a string column and the text comparison of an object column give
    the same codes; nullable integers are numbers with missing values."""
    model, X, _ = fitted
    region = X.region.where(np.arange(len(X)) % 7 != 0, "atlantis")
    as_text = X.assign(region=region.astype("string"))
    as_objects = X.assign(region=region.astype(object))
    assert not pd.api.types.is_object_dtype(as_text.region.dtype)
    np.testing.assert_array_equal(model.predict_proba(as_text), model.predict_proba(as_objects))
    rounded = X.assign(signal=X.signal.round())
    nullable = rounded.assign(signal=rounded.signal.astype("Int64"))
    nullable.loc[::5, "signal"] = pd.NA
    floats = rounded.assign(signal=nullable.signal.astype("float64"))
    np.testing.assert_array_equal(model.predict_proba(nullable), model.predict_proba(floats))


def test_feature_importance_ranks_the_signal_first(
    fitted: tuple[PropensityClassifier, pd.DataFrame, np.ndarray],
) -> None:
    model, X, y = fitted
    importance = feature_importance(model, X, y)
    assert list(importance.feature) == ["signal", "region", "noise"]
    assert importance.importance.iloc[0] > 0.1
    assert abs(importance.importance.iloc[-1]) < 0.01
    assert len(feature_importance(model, X, y, top=2)) == 2


def test_feature_importance_scores_a_sample_of_the_rows(
    fitted: tuple[PropensityClassifier, pd.DataFrame, np.ndarray],
) -> None:
    model, X, y = fitted
    every_row = feature_importance(model, X, y)
    assert len(X) < IMPORTANCE_ROWS and every_row.equals(
        feature_importance(model, X, y, max_rows=len(X))
    )
    sampled = feature_importance(model, X, y, max_rows=300)
    assert not np.allclose(sampled.importance, every_row.importance)  # other rows, other drops
    assert sampled.feature.iloc[0] == "signal"  # and still the signal first
    assert sampled.equals(feature_importance(model, X, y, max_rows=300))  # seeded


def test_large_tables_use_every_core_small_ones_one() -> None:
    model = PropensityClassifier()
    assert model._threads(PARALLEL_ROWS - 1) == 1  # the thread team would mostly wait
    assert model._threads(PARALLEL_ROWS) is None  # every core
    assert PropensityClassifier(n_threads=2)._threads(10) == 2


@pytest.mark.parametrize("n_threads", [1, 3])
def test_blocks_scored_on_threads_equal_one_call_row_for_row(
    fitted: tuple[PropensityClassifier, pd.DataFrame, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
    n_threads: int,
) -> None:
    model, X_test, _ = fitted
    whole = model.calibrated_.predict_proba(model._encode(X_test))  # one call, no blocks
    monkeypatch.setattr(propensity, "BLOCK_ROWS", 7)  # 286 blocks, the last one short
    monkeypatch.setattr(model, "n_threads", n_threads)
    blocked = model.predict_proba(X_test)
    assert blocked.shape == whole.shape
    np.testing.assert_array_equal(blocked, whole)


def test_estimator_conventions(
    fitted: tuple[PropensityClassifier, pd.DataFrame, np.ndarray],
) -> None:
    model, X, _ = fitted
    assert clone(model).get_params() == model.get_params()
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    X_train, y_train = customers(1000, seed=4)
    first = PropensityClassifier(random_state=5).fit(X_train, y_train).predict_proba(X)
    second = PropensityClassifier(random_state=5).fit(X_train, y_train).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(model.predict(X), (model.predict_proba(X)[:, 1] >= 0.5))


def test_numeric_only_frames_and_sigmoid_calibration() -> None:
    X, y = customers(1500, seed=6)
    model = PropensityClassifier(calibration="sigmoid", random_state=0).fit(X[["signal"]], y)
    assert model.categories_ == {}
    assert evaluate(y, model.predict_proba(X)[:, 1])["auc"] > 0.75


def test_columns_too_sparse_to_split_on_are_left_out() -> None:
    # An empty column stopped the boosting's binning (no value to cut at) in a small mart;
    # one with fewer values than a leaf holds can never be split on.
    X, y = customers(300, seed=8)
    X = X.assign(empty=np.nan, sparse=np.where(np.arange(300) < 39, 1.0, np.nan))
    model = PropensityClassifier(random_state=0).fit(X, y)
    assert list(model.feature_names_in_) == ["signal", "noise", "region"]
    assert model.predict_proba(X).shape == (300, 2)
    assert set(feature_importance(model, X, y).feature) == {"signal", "noise", "region"}
    with pytest.raises(PropensityInputError, match="no column of X has 40 or more values"):
        PropensityClassifier().fit(X[["empty", "sparse"]], y)


def test_errors_say_what_is_wrong() -> None:
    X, y = customers(200, seed=7)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        PropensityClassifier().predict_proba(X)
    with pytest.raises(PropensityInputError, match=r"single class \(0 positive of 200\)"):
        PropensityClassifier().fit(X, np.zeros(200))
    with pytest.raises(PropensityInputError, match="X has 200 rows but y has 199 labels"):
        PropensityClassifier().fit(X, y[:199])
    with pytest.raises(PropensityInputError, match="labels must be 0/1"):
        PropensityClassifier().fit(X, y * 2)
    with pytest.raises(PropensityInputError, match="calibration must be 'isotonic' or 'sigmoid'"):
        PropensityClassifier(calibration="platt").fit(X, y)  # type: ignore[arg-type]
    model = PropensityClassifier().fit(X, y)
    with pytest.raises(PropensityInputError, match=r"X lacks columns seen at fit: \['noise'\]"):
        model.predict_proba(X.drop(columns="noise"))
