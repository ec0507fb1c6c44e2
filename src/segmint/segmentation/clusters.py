"""Cluster segmentation's steps: which features, which customers, small segments, rules, storage.

The use case that strings them together is :func:`segmint.workflows.clusters.run_clusters`
(``segmint segment cluster``, ``segmint demo``, the Python API): it reads the features as of
a date, prepares them, fits the chosen algorithm for one k or a range (chosen by
:func:`~segmint.models.clustering.select_k`), checks stability by bootstrap, explains the
segments with surrogate-tree rules and standardised differences (:func:`explain`), flags or
merges segments too small to act on (:func:`small_segments`), then stores the assignments
(:mod:`segmint.segmentation.store`, kind ``cluster``) and the fitted model
(:mod:`segmint.segmentation.cluster_models`). The estimators live in
:mod:`segmint.models.clustering`; the method is described in ``docs/clustering.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from segmint.features.bands import attribute_bands
from segmint.mart import Mart, fetch
from segmint.models.clustering import (
    ALGORITHMS,
    ClusteringError,
    CustomerClusters,
    CustomerPreparation,
    Explanation,
    Stability,
    nearest_centroid,
    sample_rows,
    standardised_differences,
    surrogate_rules,
)
from segmint.segmentation import store
from segmint.segmentation.cluster_models import in_cancelled

DEFAULT_FEATURES: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary_total",
    "monetary_avg",
    "tenure_days",
    "interpurchase_mean_days",
    "n_categories",
    "top_category_share",
    "discount_share",
    "share_web",
    "share_app",
    "share_store",
    "sessions",
    "email_opens",
)
"""Behaviour and value: recency, frequency, money, tenure, cadence, category mix,
discounts, channel mix and web/e-mail engagement."""

DEFAULT_K_RANGE = (3, 10)
"""Range of k tried by ``k="auto"``: two segments are rarely enough to act on."""
Small = Literal["flag", "merge"]
Step = Callable[[str], None]


@dataclass(frozen=True)
class CustomersToCluster:
    """The customers and features one run clusters.

    Attributes:
        everyone: ``customer_id`` and the feature columns of every customer, in id order.
        prospect: customers set apart who never ordered (no purchase yet, with the
            default features).
        cancelled: customers set apart who ordered and cancelled every order.
        frame: the customers clustered (``everyone`` without those set apart).
        columns: the features clustered; dropped: default features left out as constant.
        apart: whether customers without a purchase are set apart (default features only).
    """

    everyone: pd.DataFrame
    prospect: NDArray[np.bool_]
    cancelled: NDArray[np.bool_]
    frame: pd.DataFrame
    columns: list[str]
    dropped: list[str]
    apart: bool


def customers_to_cluster(
    table: ibis.Table, features: Sequence[str] | None, cancelled: ibis.Table | None = None
) -> CustomersToCluster:
    """Read the features to cluster on from ``table`` and set the customers without a
    purchase apart.

    With the default features, customers who never bought are not clustered (their
    behaviour is all blanks); those of them in ``cancelled`` (``customer_id`` of the
    customers who ordered and cancelled every order; None: nobody) are told apart from
    the prospects. Default features with one value for everyone are left out.

    Raises:
        ClusteringError: unknown features, or every default feature is constant.
    """
    columns = choose_features(table, features)
    apart = features is None and "frequency" in columns
    flags: dict[str, ir.BooleanValue] = {}
    if apart and cancelled is not None:
        flags["_cancelled"] = in_cancelled(table, cancelled)
    everyone = read_features(table, columns, flags)
    nobody = np.zeros(len(everyone), bool)
    ordered = everyone.pop("_cancelled").to_numpy(bool) if flags else nobody
    without = (everyone["frequency"] == 0).to_numpy() if apart else nobody
    frame = everyone[~without].reset_index(drop=True)
    columns, dropped = drop_constant_defaults(frame, columns, user_chosen=features is not None)
    return CustomersToCluster(
        everyone, without & ~ordered, without & ordered, frame, columns, dropped, apart
    )


def choose_features(table: ibis.Table, features: Sequence[str] | None) -> list[str]:
    """The feature columns to cluster on: ``features`` checked against ``table``, or the defaults.

    Raises:
        ClusteringError: a named feature is not a column, or no feature is named.
    """
    available = [c for c in table.columns if c not in ("customer_id", "as_of")]
    if features is None:
        return [c for c in DEFAULT_FEATURES if c in available]
    chosen = list(dict.fromkeys(features))
    if not chosen:
        raise ClusteringError("no features named; name at least one or leave out --features")
    unknown = [c for c in chosen if c not in available]
    if unknown:
        hints = []
        for c in unknown:
            close = difflib.get_close_matches(c, available, n=1)
            hints.append(f"'{c}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise ClusteringError(
            f"unknown feature {', '.join(hints)}; the feature table has: "
            f"{', '.join(sorted(available))}"
        )
    return chosen


def band_levels(mart: Mart, day: dt.date, columns: Sequence[str]) -> dict[str, list[str]]:
    """Column → its bands in order, for every banded attribute among ``columns``.

    Bands (``25-34``, ``100-124K``, ``3+``) are ordered (:mod:`segmint.features.bands`): a
    cluster should see ``25-34`` nearer ``35-44`` than ``65+``, so they enter as ordinals.
    """
    wanted = set(columns)
    bands = attribute_bands(mart, day)
    return {c: list(b.levels) for c, b in bands.items() if c in wanted}


def check_options(
    algorithm: str, k: int | str, k_range: tuple[int, int], min_share: float, small: str
) -> None:
    """Refuse an unknown algorithm, a k below 2, a bad k range or small-segment option.

    Raises:
        ClusteringError: naming the bad option and what it must be.
    """
    if algorithm not in (*ALGORITHMS, "auto"):
        raise ClusteringError(
            f"algorithm must be auto or one of {', '.join(ALGORITHMS)}; got {algorithm!r}"
        )
    if k != "auto" and (not isinstance(k, int) or k < 2):
        raise ClusteringError(f"k must be an integer of at least 2 or 'auto'; got {k!r}")
    if k == "auto" and not 2 <= k_range[0] <= k_range[1]:
        raise ClusteringError(f"the k range must satisfy 2 ≤ low ≤ high; got {k_range}")
    if not 0 <= min_share < 0.5 or small not in ("flag", "merge"):
        raise ClusteringError(
            f"min_share must be in [0, 0.5) and small 'flag' or 'merge'; got {min_share}, {small!r}"
        )


def read_features(
    table: ibis.Table, columns: list[str], extra: Mapping[str, ir.Value] | None = None
) -> pd.DataFrame:
    """``customer_id``, ``columns`` and the ``extra`` columns (name → expression over
    ``table``) of every row of ``table``, in id order."""
    selected = table.select("customer_id", *columns, **(extra or {}))
    return fetch.frame(selected, sort_by="customer_id")


def drop_constant_defaults(
    frame: pd.DataFrame, columns: list[str], *, user_chosen: bool
) -> tuple[list[str], list[str]]:
    """Default features with one value in this mart are left out (a named one is an error later)."""
    if user_chosen:
        return columns, []
    dropped = [c for c in columns if frame[c].nunique(dropna=False) < 2]
    kept = [c for c in columns if c not in dropped]
    if not kept:
        raise ClusteringError(
            "every default feature has the same value for every customer; load orders with "
            "varying dates and amounts, or name features with --features"
        )
    return kept, dropped


def candidate_ks(k: int | str, k_range: tuple[int, int], n_customers: int) -> list[int]:
    """The k to fit: ``k`` itself, or the range ``k_range`` as far as the customers allow.

    Raises:
        ClusteringError: fewer customers than ``k``, or too few for the range.
    """
    if k != "auto":
        wanted = int(k)
        if n_customers < wanted:
            raise ClusteringError(
                f"k={wanted} clusters need at least {wanted} customers; the features hold "
                f"{n_customers}. Choose a smaller k."
            )
        return [wanted]
    low, high = k_range
    if n_customers <= low:
        raise ClusteringError(
            f"choosing k from {low}..{high} needs more than {low} customers; the features hold "
            f"{n_customers}"
        )
    return list(range(low, min(high, n_customers - 1) + 1))


def small_segments(
    model: CustomerClusters, labels: NDArray[np.int64], min_share: float, small: Small
) -> tuple[list[str], pd.DataFrame]:
    """Segment name per cluster (small ones merged when asked) and the table of small ones."""
    k = int(model.n_clusters)
    counts = np.bincount(labels, minlength=k)
    shares = counts / max(len(labels), 1)
    names = [f"cluster {c + 1}" for c in range(k)]
    too_small = shares < min_share
    action = "flagged"
    if small == "merge" and too_small.any() and not too_small.all():
        large = np.flatnonzero(~too_small)
        targets = large[nearest_centroid(model.cluster_centers_, model.cluster_centers_[large])]
        names = [names[int(targets[c])] if too_small[c] else names[c] for c in range(k)]
        action = "merged into "
    rows = [
        {
            "segment": f"cluster {c + 1}",
            "members": int(counts[c]),
            "share": float(shares[c]),
            "action": action + (names[c] if action != "flagged" else ""),
        }
        for c in np.flatnonzero(too_small)
    ]
    return names, pd.DataFrame(rows, columns=["segment", "members", "share", "action"])


def named_stability(stability: Stability, segment_of: list[str]) -> Stability:
    """``stability`` with each cluster's segment name in a ``segment`` column."""
    segments = stability.segments.assign(
        segment=[segment_of[int(c)] for c in stability.segments.cluster]
    )
    return Stability(
        stability.ari_mean, stability.ari_std, stability.aris, segments, stability.n_customers
    )


def explain(
    frame: pd.DataFrame,
    columns: list[str],
    preparation: CustomerPreparation,
    segment_index: NDArray[np.int64],
    names: list[str],
    random_state: int,
) -> tuple[Explanation, pd.DataFrame]:
    """Surrogate-tree rules per segment (on a seeded sample) and standardised differences."""
    pick = sample_rows(len(frame), 50_000, random_state)
    readable = preparation.interpretable(frame[columns].iloc[pick])
    explanation = surrogate_rules(readable, segment_index[pick], random_state=random_state)
    rules = explanation.rules.assign(segment=[names[int(c)] for c in explanation.rules.cluster])
    numeric = frame[columns].select_dtypes("number")
    differences = standardised_differences(numeric, segment_index)
    differences.insert(0, "segment", [names[int(c)] for c in differences.cluster])
    named = Explanation(
        rules[["segment", "rule", "precision", "recall"]], explanation.fidelity, explanation.depth
    )
    return named, differences.drop(columns="cluster")


def store_segments(
    mart: Mart,
    name: str,
    definition: dict[str, Any],
    day: dt.date,
    customers: pd.Series | pa.ChunkedArray,
    segments: NDArray[np.object_],
) -> store.StoredSegmentation:
    """Store one segment per customer as segmentation ``name`` (kind ``cluster``)."""
    ids = customers if isinstance(customers, pa.ChunkedArray) else pa.array(customers.astype(str))
    rows = pa.table({"customer_id": ids, "segment": pa.array(segments.astype(str), pa.string())})
    return store.save(mart, name, "cluster", definition, day, ibis.memtable(rows))


def cluster_sizes(segments: NDArray[np.object_], names: list[str]) -> pd.Series:
    """Members per segment in the order of ``names``, empty segments left out."""
    return counted_sizes(pd.Series(segments).value_counts(), names)


def counted_sizes(counts: pd.Series, names: list[str]) -> pd.Series:
    """``counts`` (members by segment name) in the order of ``names``, empty ones left out."""
    sizes: pd.Series = counts.reindex(names).fillna(0).astype(int)
    sizes.index.name = "segment"
    return sizes[sizes > 0].rename("members")
