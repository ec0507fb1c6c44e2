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
from sklearn import config_context
from sklearn.base import clone
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from segmint.models.clustering.algorithms import (
    CustomerClusters,
    sample_rows,
    side_by_side,
    single_threaded,
)
from segmint.models.clustering.errors import ClusteringError

SILHOUETTE_SAMPLE = 10_000
SILHOUETTE_MEMORY_MIB = 32
"""Working memory of the silhouette's distance blocks. scikit-learn's default (1 GiB) makes
one block of all 10,000 × 10,000 distances (800 MB); blocks of 32 MiB stay in cache and
took 0.42 s instead of 4.9 s on 10,000 customers × 20 features (one thread), the same
value."""
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

_Scored = tuple[dict[str, float], CustomerClusters]
"""A k's row of the selection table and its fitted model."""


@dataclass(frozen=True)
class KSelection:
    """The scores of every k tried, the chosen k and the reason.

    Attributes:
        table: one row per k: ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``,
            ``bic`` (mixtures only, else NaN), ``inertia``, ``n_empty`` (clusters left
            without members) and ``mean_rank`` (NaN for a k not considered for that).
        k: the chosen number of clusters.
        reason: one paragraph explaining the choice.
        models: the fitted model for every k (the chosen one is ``models[k]``).
        note: one line when k was reduced below the k asked for, because those left
            clusters without members; else ``None``.
    """

    table: pd.DataFrame
    k: int
    reason: str
    models: dict[int, CustomerClusters]
    note: str | None = None


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
    with single_threaded(), config_context(working_memory=SILHOUETTE_MEMORY_MIB):
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

    The k are fitted and scored side by side, one per core (each fit is seeded, so the
    result is the same on any number of cores).

    A k whose fit leaves a cluster without members (a mixture component that is never the
    most probable: on one or two features the covariance floor lets few components fit)
    is not chosen. When every k in ``ks`` does so, k is reduced to the largest smaller k
    whose clusters all have members, and :attr:`KSelection.note` says so.

    Args:
        matrix: prepared customers (one row each).
        ks: the candidate numbers of clusters (at least one, each ≥ 2).
        estimator: the configured algorithm; its ``n_clusters`` is replaced per k.
        metric_sample: customers the criteria are computed on (a seeded sample).
        silhouette_sample: customers the silhouette is computed on.

    Raises:
        ClusteringError: ``ks`` is empty or has a value below 2, or even two clusters
            leave one without members.
    """
    candidates = sorted({int(k) for k in ks})
    if not candidates or candidates[0] < 2:
        raise ClusteringError(f"k must range over integers of at least 2; got {list(ks)}")
    seed = int(estimator.random_state)
    scored = matrix[sample_rows(len(matrix), metric_sample, seed)]
    fitted = side_by_side(
        lambda k: _fit_and_score(matrix, scored, estimator, k, silhouette_sample), candidates
    )
    fits = dict(zip(candidates, fitted, strict=True))
    usable = [k for k in candidates if fits[k][0]["n_empty"] == 0]
    note = None
    if not usable:
        reduced = _largest_without_empty(matrix, scored, estimator, candidates, silhouette_sample)
        fits[reduced[0]] = reduced[1]
        usable = [reduced[0]]
        note = _reduced_note(candidates, reduced[0])
    table = pd.DataFrame([fits[k][0] for k in sorted(fits)])
    chosen_rows = table.k.isin(usable)
    voting = [c for c in HIGHER_IS_BETTER if table.loc[chosen_rows, c].notna().any()]
    ranks = pd.DataFrame(
        {
            c: table[c].where(chosen_rows).rank(ascending=not HIGHER_IS_BETTER[c], method="min")
            for c in voting
        }
    )
    table["mean_rank"] = ranks.mean(axis=1)
    chosen = _chosen(table[chosen_rows], voting)
    given = len(candidates) == 1
    reason = note or _reason(table[chosen_rows], ranks[chosen_rows], voting, chosen, given)
    models = {k: fit[1] for k, fit in fits.items()}
    return KSelection(table, chosen, _not_considered(reason, candidates, usable), models, note)


def _fit_and_score(
    matrix: NDArray[np.float64],
    scored: NDArray[np.float64],
    estimator: CustomerClusters,
    k: int,
    silhouette_sample: int,
) -> _Scored:
    """Fit ``estimator`` with k clusters; its row of the table (with ``n_empty``) and the model."""
    model = clone(estimator).set_params(n_clusters=k).fit(matrix)
    labels = model.predict(scored)
    row = {"k": k, **score_clusters(scored, labels, int(estimator.random_state), silhouette_sample)}
    row["bic"] = np.nan if model.bic_ is None else model.bic_
    row["inertia"] = model.inertia_
    row["n_empty"] = int((model.sizes_ == 0).sum())
    return row, model


def _largest_without_empty(
    matrix: NDArray[np.float64],
    scored: NDArray[np.float64],
    estimator: CustomerClusters,
    candidates: list[int],
    silhouette_sample: int,
) -> tuple[int, _Scored]:
    """The largest k below ``candidates`` whose clusters all have members, and its fit.

    Raises:
        ClusteringError: even two clusters leave one without members.
    """
    for k in range(candidates[0] - 1, 1, -1):
        fit = _fit_and_score(matrix, scored, estimator, k, silhouette_sample)
        if fit[0]["n_empty"] == 0:
            return k, fit
    raise ClusteringError(
        f"the features do not separate the customers into clusters: every k from 2 to "
        f"{candidates[-1]} left a cluster without members. Cluster on more features "
        "(--features a,b,c) or try --algorithm kmeans."
    )


def _reduced_note(candidates: list[int], k: int) -> str:
    """One line: the k asked for left clusters without members, so k was reduced to ``k``."""
    asked = (
        f"k={candidates[0]}"
        if len(candidates) == 1
        else f"every k in {candidates[0]}..{candidates[-1]}"
    )
    return (
        f"k reduced to {k}: {asked} left a cluster without members (the features do not "
        "hold that many clusters); the criteria are shown for reference."
    )


def _chosen(table: pd.DataFrame, voting: list[str]) -> int:
    """The chosen k among ``table``'s rows: BIC for a mixture, else the best mean rank."""
    if "bic" in voting:
        return int(table.k.iloc[int(np.nanargmin(table.bic.to_numpy(dtype="float64")))])
    order = table.assign(_sil=-table.silhouette.fillna(-np.inf)).sort_values(
        ["mean_rank", "_sil", "k"]
    )
    return int(order.k.iloc[0])


def _not_considered(reason: str, candidates: list[int], usable: list[int]) -> str:
    """``reason``, plus the k of ``candidates`` left out for leaving a cluster without members."""
    left_out = [k for k in candidates if k not in usable]
    if not left_out or not set(usable) & set(candidates):
        return reason
    listed = ", ".join(str(k) for k in left_out)
    return f"{reason} Not considered: k={listed} (a cluster without members)."


def _reason(
    table: pd.DataFrame, ranks: pd.DataFrame, voting: list[str], chosen: int, given: bool
) -> str:
    """A paragraph: the winner's rank per criterion, and each criterion's own favourite."""
    if len(table) == 1 and given:
        return f"k={chosen} was given; its criteria are shown for reference."
    if len(table) == 1:
        return f"k={chosen} is the only k tried whose clusters all have members."
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
