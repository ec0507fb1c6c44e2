"""One contract for every recommender: scikit-learn conventions, pickling, determinism."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone

from segmint.exceptions import NotFittedError
from segmint.models import ModelInputError
from segmint.models.recommend import (
    ALS,
    BPR,
    BuyAgain,
    Interactions,
    ItemKNN,
    Popularity,
    Recommender,
    RuleRecommender,
    RuleTable,
    SegmentPopularity,
)

from .conftest import random_interactions

RULES = RuleTable.from_arrays(
    [0, 1, 2],
    [-1, 3, -1],
    [5, 6, 7],
    [4, 3, 2],
    [0.1] * 3,
    [0.6, 0.5, 0.4],
    [2, 3, 1.5],
    n_customers=[4, 2, 2],
)

Case = tuple[Recommender, Callable[[Interactions], tuple[Any, ...]]]
CASES: list[Case] = [
    (Popularity(window_days=60), lambda x: (x,)),
    (SegmentPopularity(), lambda x: (x, np.arange(x.n_users) % 3 - 1)),
    (BuyAgain(half_life_days=30), lambda x: (x,)),
    (ItemKNN(n_neighbors=5), lambda x: (x,)),
    (ItemKNN(similarity="lift"), lambda x: (x,)),
    (RuleRecommender(), lambda x: (x, RULES)),
    (ALS(factors=8, iterations=3, num_threads=1), lambda x: (x,)),
    (BPR(factors=8, iterations=5, num_threads=1), lambda x: (x,)),
]


@pytest.fixture(params=CASES, ids=lambda c: repr(c[0]))
def case(request: pytest.FixtureRequest) -> tuple[Recommender, tuple[Any, ...]]:
    model, args = request.param
    return clone(model), args(random_interactions())


def test_fit_returns_self_and_recommend_has_the_documented_shape(case: Any) -> None:
    model, args = case
    assert model.fit(*args) is model
    users = np.array([5, 0, 17])
    recs = model.recommend(users, 4)
    assert recs.users.tolist() == [5, 0, 17]
    assert recs.items.shape == recs.scores.shape == (3, 4)
    assert recs.because_items.shape == (3, 4, 2)
    for items, scores in zip(recs.items, recs.scores, strict=True):
        n = int((items >= 0).sum())
        assert (items[:n] >= 0).all() and (items[n:] == -1).all()  # filled slots come first
        assert np.all(np.diff(scores[:n]) <= 0) and np.isnan(scores[n:]).all()  # best first
    assert all(len(set(row[row >= 0])) == (row >= 0).sum() for row in recs.items)


def test_unfitted_and_bad_calls_say_what_to_do(case: Any) -> None:
    model, args = case
    with pytest.raises(NotFittedError, match=r"is not fitted yet; call fit\(interactions\)"):
        model.recommend([0], 3)
    model.fit(*args)
    with pytest.raises(ModelInputError, match="users must be indices"):
        model.recommend([10_000], 3)
    with pytest.raises(ModelInputError, match="k must be a positive integer"):
        model.recommend([0], 0)


def test_clone_pickle_and_refit_give_the_same_recommendations(case: Any) -> None:
    model, args = case
    users = np.arange(40)
    first = model.fit(*args).recommend(users, 5)
    again = pickle.loads(pickle.dumps(model)).recommend(users, 5)
    np.testing.assert_array_equal(first.items, again.items)
    refit = clone(model).fit(*args).recommend(users, 5)
    np.testing.assert_array_equal(first.items, refit.items)
    assert clone(model).get_params() == model.get_params()


def test_batches_do_not_change_the_result(case: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    model, args = case
    users = np.arange(60)
    whole = model.fit(*args).recommend(users, 5)
    monkeypatch.setattr(type(model), "batch_users", 7)
    batched = model.recommend(users, 5)
    np.testing.assert_array_equal(whole.items, batched.items)
    np.testing.assert_array_equal(whole.because_items, batched.because_items)
