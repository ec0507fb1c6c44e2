"""Top-k metrics against hand-computed values, and top-k selection against a full sort."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.models.recommend import METRICS, ranking_metrics
from segmint.models.recommend._topk import top_k_rows
from segmint.models.recommend.filters import customer_items
from segmint.models.recommend.metrics import per_user


def test_metrics_of_one_customer_by_hand() -> None:
    # recommended 1, 2, 3; bought 2 and 5 afterwards (2 they had bought before)
    recommended = np.array([[1, 2, 3], [4, -1, -1]])
    truth = customer_items([0, 0], [2, 5], 2, 6)  # customer 1 bought nothing: not evaluated
    history = customer_items([0, 1], [2, 4], 2, 6)
    result = ranking_metrics(
        recommended, truth, history=history, item_buyers=np.array([1, 2, 1, 1, 1, 0.0]), n_users=2
    )
    assert result["precision"] == pytest.approx(1 / 3)
    assert result["recall"] == pytest.approx(1 / 2)
    assert result["map"] == pytest.approx((1 / 2) / 2)  # P@2 at the one hit, over min(2, 3)
    assert result["ndcg"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert result["hit_rate"] == 1.0
    assert result["coverage"] == pytest.approx(3 / 6)
    assert result["novelty"] == pytest.approx((0 + 1 + 1) / 3)  # -log2 of 2/2, 1/2, 1/2
    assert result["recall_repeat"] == 1.0 and result["recall_new"] == 0.0
    assert (result["repeat_hits"], result["new_hits"]) == (1.0, 0.0)
    assert list(result) == list(METRICS)


def test_novelty_is_mean_self_information_of_recommended_items() -> None:
    recommended = np.array([[0, 1]])
    truth = customer_items([0], [0], 1, 2)
    result = ranking_metrics(recommended, truth, item_buyers=np.array([2.0, 1.0]), n_users=4)
    assert result["novelty"] == pytest.approx((-math.log2(2 / 4) - math.log2(1 / 4)) / 2)
    assert math.isnan(result["recall_repeat"])  # no history given


def test_average_precision_counts_each_hit_at_its_rank() -> None:
    recommended = np.array([[7, 1, 8, 2]])
    truth = customer_items([0, 0, 0], [1, 2, 3], 1, 10)
    ap = per_user(recommended, truth)["map"][0]
    assert ap == pytest.approx((1 / 2 + 2 / 4) / 3)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 12),
    cols=st.integers(1, 40),
    k=st.integers(1, 9),
    density=st.floats(0.05, 1.0),
    seed=st.integers(0, 10_000),
)
def test_top_k_matches_a_full_sort_with_ties_to_the_lower_item(
    rows: int, cols: int, k: int, density: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    dense = np.where(rng.random((rows, cols)) < density, rng.integers(1, 5, (rows, cols)), 0)
    matrix = sp.csr_array(dense.astype(np.float64))
    items, values = top_k_rows(matrix, k)
    for r in range(rows):
        stored = np.flatnonzero(dense[r])
        expected = sorted(stored, key=lambda c: (-dense[r, c], c))[:k]
        assert items[r, : len(expected)].tolist() == expected
        assert (items[r, len(expected) :] == -1).all()
        np.testing.assert_array_equal(values[r, : len(expected)], dense[r, expected])
