"""Cluster analysis helpers: preparation, algorithms, choice of k, stability, explanations.

Frames and arrays in, frames and arrays out: nothing here knows the mart. The
segmentation layer (:mod:`segmint.segmentation.clusters`) reads features, calls these and
stores the results. See ``docs/clustering.md``.

Example:
    >>> import numpy as np, pandas as pd
    >>> from segmint.models.clustering import CustomerClusters, CustomerPreparation
    >>> frame = pd.DataFrame({"frequency": [1, 2, 1, 1, 9, 8], "spend": [5, 6, 5, 7, 90, 80]})
    >>> matrix = CustomerPreparation().fit_transform(frame)
    >>> CustomerClusters(n_clusters=2, random_state=0).fit_predict(matrix).tolist()
    [0, 0, 0, 0, 1, 1]
"""

from segmint.models.clustering.algorithms import (
    ALGORITHMS,
    Algorithm,
    CustomerClusters,
    nearest_centroid,
    sample_rows,
)
from segmint.models.clustering.errors import ClusteringError
from segmint.models.clustering.explain import (
    Explanation,
    standardised_differences,
    surrogate_rules,
)
from segmint.models.clustering.preparation import TAILS, CustomerPreparation, Tails
from segmint.models.clustering.recovery import Recovery, recovery
from segmint.models.clustering.selection import KSelection, score_clusters, select_k
from segmint.models.clustering.stability import Stability, bootstrap_stability

__all__ = [
    "ALGORITHMS",
    "TAILS",
    "Algorithm",
    "ClusteringError",
    "CustomerClusters",
    "CustomerPreparation",
    "Explanation",
    "KSelection",
    "Recovery",
    "Stability",
    "Tails",
    "bootstrap_stability",
    "nearest_centroid",
    "recovery",
    "sample_rows",
    "score_clusters",
    "select_k",
    "standardised_differences",
    "surrogate_rules",
]
