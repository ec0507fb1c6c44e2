"""Are the clusters real? Refit on bootstrap samples and measure how much they move.

Following Hennig (2007, "Cluster-wise assessment of cluster stability", *Computational
Statistics & Data Analysis* 52(1)): draw ``n_bootstrap`` samples with replacement from the
customers, refit the same algorithm with the same k on each, assign every customer of
the original sample with the refitted model, and compare with the reference clusters:

* **overall**: the adjusted Rand index (Hubert & Arabie, 1985, *J. Classification* 2(1))
  between reference and refitted labels, 1 for identical partitions and about 0 for
  chance agreement; its mean and spread over the refits;
* **per segment**: for each reference cluster, the best Jaccard similarity with any
  refitted cluster (Hennig's cluster-wise stability: below 0.5 the cluster "dissolves",
  above 0.75 it is stable) and the adjusted Rand index of the one-against-the-rest split
  (members vs everyone else) against that best match.

The check runs on a seeded sample of at most ``sample_size`` customers, so its cost does
not grow with the base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from segmint.models.clustering.algorithms import CustomerClusters, sample_rows, side_by_side
from segmint.models.clustering.errors import ClusteringError

STABLE_JACCARD = 0.75
DISSOLVED_JACCARD = 0.5


@dataclass(frozen=True)
class Stability:
    """Bootstrap stability of a clustering.

    Attributes:
        ari_mean, ari_std: mean and standard deviation of the adjusted Rand index between
            reference and refitted clusters.
        aris: the index of every refit.
        segments: one row per reference cluster: ``cluster``, ``jaccard`` (mean best
            Jaccard), ``ari`` (mean one-vs-rest adjusted Rand index) and ``verdict``
            (``stable``, ``fair`` or ``dissolves``).
        n_customers: customers in the compared sample.
    """

    ari_mean: float
    ari_std: float
    aris: list[float]
    segments: pd.DataFrame
    n_customers: int


def bootstrap_stability(
    matrix: NDArray[np.float64],
    model: CustomerClusters,
    n_bootstrap: int = 20,
    sample_size: int = 20_000,
    random_state: int = 0,
) -> Stability:
    """Refit ``model``'s configuration ``n_bootstrap`` times and compare with ``model``.

    Args:
        matrix: the prepared customers ``model`` was fitted on.
        model: the fitted reference clustering.
        n_bootstrap: number of refits.
        sample_size: customers compared (a seeded sample).
        random_state: seed of the samples and the refits.

    Raises:
        ClusteringError: ``n_bootstrap`` below 1.
    """
    if n_bootstrap < 1:
        raise ClusteringError(f"n_bootstrap must be at least 1; got {n_bootstrap}")
    rng = np.random.default_rng(random_state)
    data = matrix[sample_rows(len(matrix), sample_size, random_state)]
    reference = model.predict(data)
    k = int(model.n_clusters)
    draws = [rng.integers(0, len(data), size=len(data)) for _ in range(n_bootstrap)]

    def refit(b: int) -> NDArray[np.int64]:
        seeded = clone(model).set_params(random_state=random_state + b + 1)
        labels: NDArray[np.int64] = seeded.fit(data[draws[b]]).predict(data)
        return labels

    aris, jaccards, splits = [], np.zeros((n_bootstrap, k)), np.zeros((n_bootstrap, k))
    for b, labels in enumerate(side_by_side(refit, range(n_bootstrap))):
        aris.append(float(adjusted_rand_score(reference, labels)))
        jaccards[b], splits[b] = _per_cluster(reference, labels, k)
    jaccard = jaccards.mean(axis=0)
    segments = pd.DataFrame(
        {
            "cluster": np.arange(k),
            "jaccard": jaccard,
            "ari": splits.mean(axis=0),
            "verdict": [_verdict(j) for j in jaccard],
        }
    )
    return Stability(
        float(np.mean(aris)), float(np.std(aris)), aris, segments, n_customers=len(data)
    )


def _per_cluster(
    reference: NDArray[np.int64], labels: NDArray[np.int64], k: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Best Jaccard and the one-vs-rest ARI against the best match, per reference cluster."""
    n_new = int(labels.max()) + 1
    table = np.zeros((k, n_new))
    np.add.at(table, (reference, labels), 1)
    union = table.sum(axis=1)[:, None] + table.sum(axis=0)[None, :] - table
    jaccard = np.where(union > 0, table / np.maximum(union, 1), 0.0)
    best = jaccard.argmax(axis=1)
    splits = np.array([adjusted_rand_score(reference == c, labels == best[c]) for c in range(k)])
    return jaccard.max(axis=1), splits


def _verdict(jaccard: float) -> str:
    if jaccard >= STABLE_JACCARD:
        return "stable"
    if jaccard >= DISSOLVED_JACCARD:
        return "fair"
    return "dissolves"
