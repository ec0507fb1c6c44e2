"""How well do clusters recover known groups, and how much was there to recover?

Used on the synthetic retailer, whose customers each have a known latent type: the
adjusted Rand index (Hubert & Arabie, 1985, *J. Classification* 2(1)) is 1 when clusters
and types coincide and about 0 for a random assignment of the same sizes, whatever k is.

An ARI alone does not say whether the features could tell the types apart at all. The
**supervised bound** answers that: a gradient-boosted classifier (Friedman, 2001, *Ann.
Statist.* 29(5); scikit-learn's ``HistGradientBoostingClassifier``) is trained on the same
features *with* the types, and its cross-validated predictions (3 folds) are scored with
the same ARI. Clusters at 0.6 of the bound find most of the structure a model that was
told the answer can find; clusters far below it leave structure on the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from segmint.models.clustering.algorithms import single_threaded
from segmint.models.clustering.preparation import is_categorical


@dataclass(frozen=True)
class Recovery:
    """Agreement between clusters and known groups.

    Attributes:
        ari: adjusted Rand index.
        confusion: customers per (known group row, cluster column).
        bound: ARI of a cross-validated classifier on the same features (``None`` when
            no features were given).
    """

    ari: float
    confusion: pd.DataFrame
    bound: float | None = None

    @property
    def share_of_bound(self) -> float | None:
        """``ari / bound``: the share of the recoverable structure the clusters found."""
        return None if not self.bound else self.ari / self.bound


def recovery(
    truth: ArrayLike, clusters: ArrayLike, features: pd.DataFrame | None = None
) -> Recovery:
    """Adjusted Rand index and confusion table of ``clusters`` against ``truth``, and with
    ``features`` (one row per customer, in the same order) the supervised bound."""
    known, found = np.asarray(truth), np.asarray(clusters)
    table = pd.crosstab(pd.Series(known, name="truth"), pd.Series(found, name="cluster"))
    bound = None if features is None else supervised_bound(features, known)
    return Recovery(float(adjusted_rand_score(known, found)), table, bound)


def supervised_bound(
    features: pd.DataFrame, truth: ArrayLike, folds: int = 3, random_state: int = 0
) -> float:
    """ARI of a gradient-boosted classifier's ``folds``-fold cross-validated predictions.

    Text columns use the trees' native categorical splits; missing values stay missing.
    """
    frame = features.reset_index(drop=True).copy()
    for column in frame.columns:
        if is_categorical(frame[column]):
            frame[column] = frame[column].astype("string").astype("category")
    labels = np.asarray(truth)
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    split = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    with single_threaded():
        predicted = cross_val_predict(model, frame, labels, cv=split)
    return float(adjusted_rand_score(labels, predicted))
