from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_info

from segmint.exceptions import NotFittedError
from segmint.models.clustering import Algorithm, ClusteringError, CustomerClusters, recovery
from segmint.models.clustering.algorithms import side_by_side

Blobs = tuple[NDArray[np.float64], NDArray[np.int64]]


@pytest.mark.parametrize("algorithm", ["kmeans", "gmm", "ward"])
def test_recovers_separated_blobs(algorithm: Algorithm, blobs: Blobs) -> None:
    matrix, truth = blobs
    labels = CustomerClusters(algorithm, n_clusters=4, ward_sample=500).fit_predict(matrix)
    assert recovery(truth, labels).ari > 0.95


@pytest.mark.parametrize("algorithm", ["kmeans", "gmm", "ward"])
def test_same_seed_same_clusters_and_largest_first(algorithm: Algorithm, blobs: Blobs) -> None:
    matrix, _ = blobs
    model = CustomerClusters(algorithm, n_clusters=4, random_state=3, ward_sample=500)
    first = clone(model).fit(matrix)
    second = clone(model).fit(matrix)
    assert np.array_equal(first.predict(matrix), second.predict(matrix))
    assert np.allclose(first.cluster_centers_, second.cluster_centers_)
    assert np.all(np.diff(first.sizes_) <= 0)


def test_sample_fit_assigns_everyone_like_a_full_fit(blobs: Blobs) -> None:
    matrix, truth = blobs
    model = CustomerClusters(n_clusters=4, max_sample=200).fit(matrix)
    assert model.n_fit_ == 200
    assert adjusted_rand_score(truth, model.predict(matrix)) > 0.95


def test_new_rows_go_to_the_cluster_of_their_nearest_twin(blobs: Blobs) -> None:
    matrix, _ = blobs
    model = CustomerClusters(n_clusters=4).fit(matrix)
    nudged = matrix + 1e-6
    assert np.array_equal(model.predict(nudged), model.predict(matrix))


def test_bad_input_errors(blobs: Blobs) -> None:
    matrix, _ = blobs
    with pytest.raises(ClusteringError, match="need at least 5 distinct customers; got 3"):
        CustomerClusters(n_clusters=5).fit(matrix[:3])
    with pytest.raises(ClusteringError, match="at least 2"):
        CustomerClusters(n_clusters=1).fit(matrix)
    with pytest.raises(ClusteringError, match="algorithm must be one of"):
        CustomerClusters("dbscan").fit(matrix)  # type: ignore[arg-type]
    with pytest.raises(NotFittedError):
        CustomerClusters().predict(matrix)
    with pytest.raises(ClusteringError, match="3 columns, as fitted"):
        CustomerClusters(n_clusters=2).fit(matrix).predict(matrix[:, :2])


def test_a_component_without_members_has_no_centre_and_no_warning() -> None:
    rng = np.random.default_rng(1)
    column = np.log1p(np.concatenate([rng.lognormal(5.3, 1.2, 1780), np.zeros(220)]))
    matrix = ((column - column.mean()) / column.std()).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = CustomerClusters("gmm", n_clusters=4, n_init=1, reg_covar=0.3).fit(matrix)
    empty = model.sizes_ == 0
    assert empty.any()
    assert np.isnan(model.cluster_centers_[empty]).all()
    assert np.isfinite(model.cluster_centers_[~empty]).all()


def test_side_by_side_keeps_the_order_and_one_thread_per_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def limits(item: int) -> tuple[int, set[int]]:
        pools = threadpool_info()
        return item, {int(p["num_threads"]) for p in pools if p["user_api"] in {"blas", "openmp"}}

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    done = side_by_side(limits, range(6))
    assert [item for item, _ in done] == list(range(6))
    assert all(threads <= {1} for _, threads in done)  # every pool on one thread
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert side_by_side(limits, range(6)) == done  # in this thread, in order
