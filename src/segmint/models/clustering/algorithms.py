"""Three clustering algorithms behind one estimator, each able to assign new customers.

* ``"kmeans"``: k-means (MacQueen, 1967; Lloyd, 1982) with k-means++ seeding (Arthur &
  Vassilvitskii, 2007, *SODA*), scikit-learn's ``KMeans``; new customers go to the
  nearest centroid.
* ``"gmm"``: a Gaussian mixture with full covariances fitted by EM (Dempster, Laird &
  Rubin, 1977, *JRSS B* 39(1)), scikit-learn's ``GaussianMixture``; new customers go to
  the component with the highest posterior probability.
* ``"ward"``: agglomerative clustering with Ward's minimum-variance linkage (Ward, 1963,
  *JASA* 58(301)) on a seeded sample of at most ``ward_sample`` customers (the method is
  quadratic in memory); every customer, sampled or not, then goes to the nearest
  centroid of those clusters.

On a large base the fit uses a seeded sample of at most ``max_sample`` rows: cluster
centres of 50,000 customers are as good as those of a million for segments that each
hold more than a few per cent of the base, and assignment of everyone stays linear.
Clusters are renumbered from the largest (0) to the smallest in the fitting sample, so a
seed gives the same labels every time.

Fitting and assignment run with one BLAS/OpenMP thread (:func:`single_threaded`): on a
shared machine nested thread pools oversubscribe the cores and a fit measured here ran
10 to 20 times slower with the default pools than with one thread. Independent fits (one
per k when choosing k, the bootstrap's refits) use the cores instead by running side by
side, one single-threaded fit per core (:func:`side_by_side`): NumPy and BLAS release the
GIL in the work that dominates them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from segmint.models._fitted import check_fitted
from segmint.models.clustering.errors import ClusteringError

Item = TypeVar("Item")
Result = TypeVar("Result")

Algorithm = Literal["kmeans", "gmm", "ward"]
ALGORITHMS: tuple[str, ...] = ("kmeans", "gmm", "ward")
CHUNK_ROWS = 262_144
"""Rows assigned per block by :func:`nearest_centroid` (bounds the distance matrix)."""


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run the block with one thread in every BLAS and OpenMP pool (see module docstring)."""
    with threadpool_limits(limits=1):
        yield


def side_by_side(work: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """``work`` of every item, in the items' order, run on one thread per core, each with
    one BLAS and OpenMP thread (a result does not depend on the number of cores).

    The BLAS limit is process-wide, so it is set here, around the pool, as well as by the
    work's own :func:`single_threaded` blocks (which then restore one thread, not the
    default); the OpenMP limit is each thread's own, set by those blocks.
    """
    todo = list(items)
    workers = min(len(todo), os.cpu_count() or 1)
    with single_threaded():
        if workers <= 1:
            return [work(item) for item in todo]
        with ThreadPoolExecutor(workers, initializer=_one_thread) as pool:
            return list(pool.map(work, todo))


def _one_thread() -> None:
    """A pool thread's own OpenMP limit: one thread (an initializer; ends with the pool)."""
    threadpool_limits(limits=1, user_api="openmp")


def nearest_centroid(
    matrix: NDArray[np.float64], centroids: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Index of the nearest centroid (squared Euclidean distance) for every row, in blocks."""
    labels = np.empty(len(matrix), dtype=np.int64)
    squared = (centroids**2).sum(axis=1)
    for start in range(0, len(matrix), CHUNK_ROWS):
        block = matrix[start : start + CHUNK_ROWS]
        labels[start : start + CHUNK_ROWS] = np.argmin(squared - 2.0 * block @ centroids.T, axis=1)
    return labels


def sample_rows(n_rows: int, size: int, random_state: int) -> NDArray[np.int64]:
    """Sorted indices of a seeded sample of ``min(size, n_rows)`` rows (all rows when fewer)."""
    if n_rows <= size:
        return np.arange(n_rows)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n_rows, size=size, replace=False))


class CustomerClusters(ClusterMixin, BaseEstimator):  # type: ignore[misc]
    """k-means, Gaussian mixture or Ward clusters of prepared customer features.

    Args:
        algorithm: ``"kmeans"``, ``"gmm"`` or ``"ward"``.
        n_clusters: number of clusters k.
        n_init: k-means and mixture restarts (the best is kept).
        max_sample: largest number of rows used to fit (a seeded sample beyond).
        ward_sample: largest sample for Ward's linkage.
        random_state: seed of sampling, seeding and restarts.
        reg_covar: added to the diagonal of every mixture covariance (``"gmm"`` only). On
            unit-variance columns, 0.3 keeps each component from collapsing onto the atoms
            of count and share features (many customers at exactly 0 or 1), which
            otherwise become components of their own; measured on the synthetic
            retailer in ``docs/clustering.md``.

    Attributes:
        cluster_centers_: one row per cluster (means of its members in the fitting sample;
            NaN for a cluster left without members, which a mixture can do).
        sizes_: members per cluster in the fitting sample (non-increasing; a mixture
            component that is never the most probable has 0).
        n_fit_: rows the model was fitted on.
        bic_: the mixture's Bayesian information criterion (Schwarz, 1978) on the fitting
            sample; ``None`` for the other algorithms.
        inertia_: mean squared distance to the own centroid in the fitting sample.
    """

    def __init__(
        self,
        algorithm: Algorithm = "kmeans",
        n_clusters: int = 5,
        n_init: int = 3,
        max_sample: int = 50_000,
        ward_sample: int = 10_000,
        random_state: int = 0,
        reg_covar: float = 1e-4,
    ) -> None:
        self.algorithm = algorithm
        self.reg_covar = reg_covar
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_sample = max_sample
        self.ward_sample = ward_sample
        self.random_state = random_state

    def fit(self, matrix: NDArray[np.float64], y: object = None) -> CustomerClusters:
        """Fit on ``matrix`` (one prepared row per customer) and return ``self``.

        Raises:
            ClusteringError: unknown algorithm, k below 2, fewer distinct customers than k,
                or non-finite values.
        """
        with single_threaded():
            return self._fit(self._validate(matrix))

    def _fit(self, data: NDArray[np.float64]) -> CustomerClusters:
        limit = self.ward_sample if self.algorithm == "ward" else self.max_sample
        fit_rows = data[sample_rows(len(data), limit, self.random_state)]
        self.mixture_: GaussianMixture | None = None
        if self.algorithm == "kmeans":
            kmeans = KMeans(
                self.n_clusters,
                init="k-means++",
                n_init=self.n_init,
                random_state=self.random_state,
            ).fit(fit_rows)
            raw_labels = kmeans.labels_
        elif self.algorithm == "gmm":
            self.mixture_ = GaussianMixture(
                self.n_clusters,
                n_init=self.n_init,
                reg_covar=self.reg_covar,
                random_state=self.random_state,
            ).fit(fit_rows)
            raw_labels = self.mixture_.predict(fit_rows)
        else:
            raw_labels = AgglomerativeClustering(self.n_clusters, linkage="ward").fit_predict(
                fit_rows
            )
        counts = np.bincount(raw_labels, minlength=self.n_clusters)
        self.order_ = np.argsort(-counts, kind="stable")
        self.relabel_ = np.empty_like(self.order_)
        self.relabel_[self.order_] = np.arange(self.n_clusters)
        labels = self.relabel_[raw_labels]
        self.sizes_ = counts[self.order_]
        self.cluster_centers_ = np.vstack(
            [
                fit_rows[labels == c].mean(axis=0)
                if self.sizes_[c]
                else np.full(data.shape[1], np.nan)
                for c in range(self.n_clusters)
            ]
        )
        self.n_fit_ = len(fit_rows)
        self.bic_ = None if self.mixture_ is None else float(self.mixture_.bic(fit_rows))
        offsets = fit_rows - self.cluster_centers_[labels]
        self.inertia_ = float((offsets**2).sum(axis=1).mean())
        return self

    def predict(self, matrix: NDArray[np.float64]) -> NDArray[np.int64]:
        """The cluster of every row: nearest centroid, or the most probable mixture component."""
        check_fitted(self, "cluster_centers_", "fit(matrix)")
        data = np.asarray(matrix, dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != self.cluster_centers_.shape[1]:
            raise ClusteringError(
                f"expected a matrix with {self.cluster_centers_.shape[1]} columns, as fitted; "
                f"got shape {data.shape}. Prepare new customers with the stored preparation."
            )
        with single_threaded():
            if self.mixture_ is not None:
                labels: NDArray[np.int64] = self.relabel_[self.mixture_.predict(data)]
                return labels
            return nearest_centroid(data, self.cluster_centers_)

    def fit_predict(self, matrix: NDArray[np.float64], y: object = None) -> NDArray[np.int64]:
        """Fit on ``matrix`` and return the cluster of every row."""
        return self.fit(matrix).predict(matrix)

    def _validate(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.algorithm not in ALGORITHMS:
            raise ClusteringError(
                f"algorithm must be one of {', '.join(ALGORITHMS)}; got {self.algorithm!r}"
            )
        if not isinstance(self.n_clusters, int | np.integer) or self.n_clusters < 2:
            raise ClusteringError(
                f"k (n_clusters) must be an integer of at least 2; got {self.n_clusters!r}"
            )
        data = np.asarray(matrix, dtype=np.float64)
        if data.ndim != 2 or not np.all(np.isfinite(data)):
            raise ClusteringError(
                "expected a finite two-dimensional matrix (one prepared row per customer); "
                f"got shape {data.shape} with non-finite values or wrong dimensions"
            )
        distinct = len(np.unique(data, axis=0)) if len(data) <= 100_000 else len(data)
        if distinct < self.n_clusters:
            raise ClusteringError(
                f"k={self.n_clusters} clusters need at least {self.n_clusters} distinct "
                f"customers; got {distinct} (of {len(data)} rows). Choose a smaller k."
            )
        return data
