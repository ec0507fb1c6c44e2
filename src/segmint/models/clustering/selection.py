"""Choose the number of clusters k from internal validity criteria, and say why.

For every k in a range, the clusters are fitted and scored on the same seeded sample:

* **silhouette** (Rousseeuw, 1987, *J. Comput. Appl. Math.* 20): mean over customers of
  (b − a) / max(a, b), with a the mean distance to the own cluster and b to the nearest
  other; −1 to 1, higher is better. Quadratic in the sample, so it runs on at most
  ``silhouette_sample`` customers.
* **Calinski–Harabasz** (Calinski & Harabasz, 1974, *Comm. in Statistics* 3(1)): between-
  to within-cluster dispersion, each divided by its degrees of freedom; higher is better.
* **Davies–Bouldin** (Davies & Bouldin, 1979, *IEEE TPAMI* 1(2)): mean over clusters of the
  worst ratio of within-cluster scatter to between-centroid distance; lower is better.
* **BIC** for Gaussian mixtures (Schwarz, 1978, *Ann. Statist.* 6(2)): −2 log-likelihood +
  parameters × log n; lower is better.
* **inertia** (mean squared distance to the own centroid), shown for the elbow plot only:
  it always falls as k grows, so it does not vote.

For a Gaussian mixture, k is chosen by BIC alone: the mixture is a probability model of
the customers and BIC its approximation to the evidence for k (Fraley & Raftery, 2002,
*JASA* 97(458), "Model-based clustering, discriminant analysis, and density estimation").
The distance criteria then only inform: on customer data the silhouette and
Calinski–Harabasz favour two or three clusters whatever the latent structure (measured on
the synthetic retailer: k = 3 and an adjusted Rand index of 0.20 against seven types,
``docs/clustering.md``). For k-means and Ward there is no likelihood, so each k gets its
rank under every voting criterion, and the k with the best mean rank wins (ties: the
higher silhouette, then the smaller k). The explanation names the winner's rank under
each criterion and what each criterion alone would have chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from segmint.models.clustering.algorithms import CustomerClusters, sample_rows, single_threaded
from segmint.models.clustering.errors import ClusteringError

SILHOUETTE_SAMPLE = 10_000
METRIC_SAMPLE = 50_000
HIGHER_IS_BETTER = {
    "silhouette": True,
    "calinski_harabasz": True,
    "davies_bouldin": False,
    "bic": False,
}
LABELS = {
    "silhouette": "silhouette",
    "calinski_harabasz": "Calinski–Harabasz",
    "davies_bouldin": "Davies–Bouldin",
    "bic": "BIC",
}


@dataclass(frozen=True)
class KSelection:
    """The scores of every k tried, the chosen k and the reason.

    Attributes:
        table: one row per k: ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``,
            ``bic`` (mixtures only, else NaN), ``inertia`` and ``mean_rank``.
        k: the chosen number of clusters.
        reason: one paragraph explaining the choice.
        models: the fitted model for every k (the chosen one is ``models[k]``).
    """

    table: pd.DataFrame
    k: int
    reason: str
    models: dict[int, CustomerClusters]


def score_clusters(
    matrix: NDArray[np.float64],
    labels: NDArray[np.int64],
    random_state: int = 0,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
) -> dict[str, float]:
    """Silhouette (on a seeded sample), Calinski–Harabasz and Davies–Bouldin of ``labels``.

    A labelling with a single cluster scores NaN: the criteria compare clusters.
    """
    if len(np.unique(labels)) < 2:
        return {"silhouette": np.nan, "calinski_harabasz": np.nan, "davies_bouldin": np.nan}
    pick = sample_rows(len(matrix), silhouette_sample, random_state)
    sil_labels = labels[pick]
    with single_threaded():
        silhouette = (
            float(silhouette_score(matrix[pick], sil_labels))
            if len(np.unique(sil_labels)) > 1
            else np.nan
        )
        return {
            "silhouette": silhouette,
            "calinski_harabasz": float(calinski_harabasz_score(matrix, labels)),
            "davies_bouldin": float(davies_bouldin_score(matrix, labels)),
        }


def select_k(
    matrix: NDArray[np.float64],
    ks: Sequence[int],
    estimator: CustomerClusters,
    *,
    metric_sample: int = METRIC_SAMPLE,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
) -> KSelection:
    """Fit ``estimator`` for every k in ``ks`` and choose k (see the module docstring).

    Args:
        matrix: prepared customers (one row each).
        ks: the candidate numbers of clusters (at least one, each ≥ 2).
        estimator: the configured algorithm; its ``n_clusters`` is replaced per k.
        metric_sample: customers the criteria are computed on (a seeded sample).
        silhouette_sample: customers the silhouette is computed on.

    Raises:
        ClusteringError: ``ks`` is empty or has a value below 2.
    """
    candidates = sorted({int(k) for k in ks})
    if not candidates or candidates[0] < 2:
        raise ClusteringError(f"k must range over integers of at least 2; got {list(ks)}")
    seed = int(estimator.random_state)
    scored = matrix[sample_rows(len(matrix), metric_sample, seed)]
    rows, models = [], {}
    for k in candidates:
        model = clone(estimator).set_params(n_clusters=k).fit(matrix)
        labels = model.predict(scored)
        row = {"k": k, **score_clusters(scored, labels, seed, silhouette_sample)}
        row["bic"] = np.nan if model.bic_ is None else model.bic_
        row["inertia"] = model.inertia_
        rows.append(row)
        models[k] = model
    table = pd.DataFrame(rows)
    voting = [c for c in HIGHER_IS_BETTER if table[c].notna().any()]
    ranks = pd.DataFrame(
        {c: table[c].rank(ascending=not HIGHER_IS_BETTER[c], method="min") for c in voting}
    )
    table["mean_rank"] = ranks.mean(axis=1)
    if "bic" in voting:
        chosen = int(table.k.iloc[int(np.nanargmin(table.bic.to_numpy(dtype="float64")))])
    else:
        order = table.assign(_sil=-table.silhouette.fillna(-np.inf)).sort_values(
            ["mean_rank", "_sil", "k"]
        )
        chosen = int(order.k.iloc[0])
    return KSelection(table, chosen, _reason(table, ranks, voting, chosen), models)


def _reason(table: pd.DataFrame, ranks: pd.DataFrame, voting: list[str], chosen: int) -> str:
    """A paragraph: the winner's rank per criterion, and each criterion's own favourite."""
    if len(table) == 1:
        return f"k={chosen} was given; its criteria are shown for reference."
    at = table.index[table.k == chosen][0]
    own = ", ".join(f"{LABELS[c]} {int(ranks.loc[at, c])}" for c in voting)
    favourites = []
    for c in voting:
        values = table[c].to_numpy(dtype="float64")
        best = np.nanargmax(values) if HIGHER_IS_BETTER[c] else np.nanargmin(values)
        favourites.append(f"{LABELS[c]} alone would pick k={int(table.k.iloc[best])}")
    span = f"k={int(table.k.min())}..{int(table.k.max())}"
    if "bic" in voting:
        return (
            f"k={chosen} has the lowest BIC of the mixtures fitted for {span} (BIC decides "
            f"for a mixture; its ranks: {own}); {'; '.join(favourites)}."
        )
    return (
        f"k={chosen} has the best mean rank ({table.mean_rank[at]:.2f}) over "
        f"{len(voting)} criteria among {span} (its ranks: {own}); {'; '.join(favourites)}."
    )
