"""How well do clusters recover known groups? Adjusted Rand index and a confusion table.

Used on the synthetic retailer, whose customers each have a known latent type: the
adjusted Rand index (Hubert & Arabie, 1985, *J. Classification* 2(1)) is 1 when clusters
and types coincide and about 0 for a random assignment of the same sizes, whatever k is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import adjusted_rand_score


@dataclass(frozen=True)
class Recovery:
    """Agreement between clusters and known groups.

    Attributes:
        ari: adjusted Rand index.
        confusion: customers per (known group row, cluster column).
    """

    ari: float
    confusion: pd.DataFrame


def recovery(truth: ArrayLike, clusters: ArrayLike) -> Recovery:
    """Adjusted Rand index and confusion table of ``clusters`` against ``truth``."""
    known, found = np.asarray(truth), np.asarray(clusters)
    table = pd.crosstab(pd.Series(known, name="truth"), pd.Series(found, name="cluster"))
    return Recovery(float(adjusted_rand_score(known, found)), table)
