from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from segmint.models.clustering import ClusteringError, CustomerClusters, select_k
from segmint.models.clustering.selection import score_clusters


@pytest.mark.parametrize("centres", [3, 5])
def test_auto_k_finds_the_number_of_blobs(centres: int, blob_maker: Callable[..., Any]) -> None:
    matrix, _ = blob_maker(n=1500, centres=centres, dims=2, spread=0.3, seed=centres)
    chosen = select_k(matrix, range(2, 8), CustomerClusters())
    assert chosen.k == centres
    assert set(chosen.table.columns) >= {"silhouette", "calinski_harabasz", "davies_bouldin"}
    assert chosen.table.bic.isna().all()
    assert f"k={centres} has the best mean rank" in chosen.reason


def test_mixtures_add_bic_and_scores_are_deterministic(blob_maker: Callable[..., Any]) -> None:
    matrix, _ = blob_maker(n=600, centres=3, dims=2, spread=0.3, seed=1)
    first = select_k(matrix, [2, 3, 4], CustomerClusters("gmm"))
    second = select_k(matrix, [2, 3, 4], CustomerClusters("gmm"))
    assert first.table.bic.notna().all()
    assert first.table.equals(second.table)
    assert "BIC alone would pick" in first.reason


def test_the_choice_is_the_same_on_one_core_or_two(
    blob_maker: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    matrix, _ = blob_maker(n=900, centres=4, dims=3, spread=0.6, seed=2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    side = select_k(matrix, range(2, 7), CustomerClusters("gmm"))
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    alone = select_k(matrix, range(2, 7), CustomerClusters("gmm"))
    assert side.table.equals(alone.table) and side.k == alone.k == 4
    for k, model in side.models.items():
        assert np.array_equal(model.predict(matrix), alone.models[k].predict(matrix))


def test_the_silhouette_in_small_blocks_equals_scikit_learns_default(
    blob_maker: Callable[..., Any],
) -> None:
    matrix, labels = blob_maker(n=3000, centres=5, dims=4, spread=2.0, seed=3)
    scored = score_clusters(matrix, labels, silhouette_sample=3000)
    assert scored["silhouette"] == pytest.approx(silhouette_score(matrix, labels), rel=1e-12)


def test_k_range_must_start_at_two() -> None:
    with pytest.raises(ClusteringError, match="at least 2"):
        select_k(np.zeros((10, 2)), [1, 2], CustomerClusters())


def one_feature_with_an_atom() -> np.ndarray:
    """One standardised feature: the log of 1,780 log-normal spends and 220 customers at 0.

    With the covariance floor of 0.3 a mixture places two components on it (the spenders
    and the atom at 0); for k = 3..7 the others are never the most probable anywhere.
    """
    rng = np.random.default_rng(1)
    column = np.log1p(np.concatenate([rng.lognormal(5.3, 1.2, 1780), np.zeros(220)]))
    return ((column - column.mean()) / column.std()).reshape(-1, 1)


def floored_mixture() -> CustomerClusters:
    return CustomerClusters("gmm", n_init=1, reg_covar=0.3)


def test_k_is_reduced_when_every_k_leaves_a_cluster_without_members() -> None:
    matrix = one_feature_with_an_atom()
    chosen = select_k(matrix, range(3, 7), floored_mixture())
    labels = chosen.models[chosen.k].predict(matrix)
    assert chosen.k == 2
    assert np.bincount(labels, minlength=chosen.k).min() > 0
    assert (chosen.table.set_index("k").n_empty.drop(2) > 0).all()
    assert chosen.note is not None and chosen.note.startswith("k reduced to 2: every k in 3..6")
    assert chosen.reason == chosen.note


def test_a_given_k_is_reduced_with_a_note() -> None:
    chosen = select_k(one_feature_with_an_atom(), [5], floored_mixture())
    assert chosen.k == 2
    assert chosen.note is not None and chosen.note.startswith("k reduced to 2: k=5 left")


def test_a_k_leaving_a_cluster_without_members_is_not_chosen() -> None:
    chosen = select_k(one_feature_with_an_atom(), [2, 3, 4], floored_mixture())
    assert chosen.k == 2
    assert chosen.note is None
    assert chosen.table.set_index("k").mean_rank.drop(2).isna().all()
    assert "Not considered: k=3, 4" in chosen.reason
