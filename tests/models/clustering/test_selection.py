from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from segmint.models.clustering import ClusteringError, CustomerClusters, select_k


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


def test_k_range_must_start_at_two() -> None:
    with pytest.raises(ClusteringError, match="at least 2"):
        select_k(np.zeros((10, 2)), [1, 2], CustomerClusters())
