"""Cluster segmentation: features from the mart in, fitted model and one segment per customer out.

:func:`run_clusters` is the use case every service calls (``segmint segment cluster``,
``segmint demo``): it reads the features as of a date, prepares them, fits the chosen
algorithm for one k or a range (``k="auto"``, chosen by :func:`~segmint.models.clustering.
select_k`), checks stability by bootstrap, explains the segments with surrogate-tree rules
and standardised differences, flags or merges segments too small to act on, then stores
the assignments (:mod:`segmint.segmentation.store`, kind ``cluster``) and the fitted model
(:mod:`segmint.segmentation.cluster_models`). :func:`assign_clusters` applies a stored
model to another date without refitting. The estimators live in
:mod:`segmint.models.clustering`; the method is described in ``docs/clustering.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from segmint.features import load_features, store_features, stored_dates
from segmint.features.asof import AsOf, resolve_as_of
from segmint.mart import Mart
from segmint.models.clustering import (
    ALGORITHMS,
    ClusteringError,
    CustomerClusters,
    CustomerPreparation,
    Explanation,
    KSelection,
    Stability,
    bootstrap_stability,
    nearest_centroid,
    sample_rows,
    select_k,
    standardised_differences,
    surrogate_rules,
)
from segmint.models.clustering.algorithms import Algorithm
from segmint.models.clustering.preparation import Tails
from segmint.segmentation import store
from segmint.segmentation.cluster_models import PROSPECTS, FittedClusters, load_model, save_model

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
class ClusterRun:
    """What :func:`run_clusters` fitted, checked and stored.

    Attributes:
        name, version, as_of: the stored segmentation, its version and date.
        sizes: segment → members (largest cluster first).
        selection: the criteria of every k tried, the chosen k and why.
        stability: bootstrap stability (``None`` when ``n_bootstrap`` is 0); its
            ``segments`` frame has a ``segment`` column.
        explanation: surrogate-tree rules per segment (``segment`` column) and fidelity.
        differences: per segment and feature: mean, base mean, standardised difference.
        small: segments below ``min_share``: ``segment``, ``members``, ``share``, ``action``.
        features: the features clustered; dropped: default features left out as constant.
        model_id: fingerprint of the stored model.
        details: parameters worth showing.
    """

    name: str
    version: int
    as_of: dt.date
    sizes: pd.Series
    selection: KSelection
    stability: Stability | None
    explanation: Explanation
    differences: pd.DataFrame
    small: pd.DataFrame
    features: list[str]
    dropped: list[str]
    model_id: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterAssignment:
    """What :func:`assign_clusters` stored: a stored model applied to another date."""

    name: str
    version: int
    as_of: dt.date
    sizes: pd.Series
    model_id: str


def run_clusters(
    mart: Mart,
    name: str,
    as_of: AsOf | None = None,
    *,
    features: Sequence[str] | None = None,
    algorithm: Algorithm = "kmeans",
    k: int | Literal["auto"] = "auto",
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    tails: Tails = "log",
    n_components: int | float | None = None,
    min_share: float = 0.02,
    small: Small = "flag",
    n_bootstrap: int = 20,
    random_state: int = 0,
    max_sample: int = 50_000,
    table: ibis.Table | None = None,
    on_step: Step | None = None,
) -> ClusterRun:
    """Cluster the customers as of ``as_of`` and store segments and model as ``name``.

    Args:
        mart: the customer data mart.
        name: name of the segmentation to store.
        as_of: the day (default: the last day with orders); features are built and
            stored for it unless already stored.
        features: feature or attribute columns to cluster on, numeric or categorical;
            default :data:`DEFAULT_FEATURES` (those constant in this mart are left out).
            With the default, customers who never bought are not clustered (their
            behaviour is all blanks) and get the segment ``prospects``.
        algorithm: ``"kmeans"``, ``"gmm"`` or ``"ward"``.
        k: the number of clusters, or ``"auto"`` to choose it from ``k_range`` (inclusive).
        tails: ``"log"``, ``"rank"`` or ``"none"``: how heavy tails are tamed.
        n_components: optional PCA (components, or share of variance to keep).
        min_share: segments with a smaller share of customers are too small to act on.
        small: ``"flag"`` them, or ``"merge"`` each into the nearest larger cluster.
        n_bootstrap: refits for the stability check (0 skips it).
        random_state: the seed: the same seed and data give the same segments.
        max_sample: customers each fit uses at most (a seeded sample; all are assigned).
        table: a feature table to use instead of the stored one (same columns).
        on_step: called with a short description as each stage starts (for progress).

    Raises:
        ClusteringError: unknown or constant features, fewer customers than k, bad options.
    """
    step = on_step or (lambda _: None)
    _check_options(algorithm, k, k_range, min_share, small)
    step("reading features")
    day = resolve_as_of(mart, as_of)
    source = table if table is not None else _features(mart, day)
    columns = choose_features(source, features)
    everyone = _read(source, columns)
    apart = features is None and "frequency" in columns
    prospect = (everyone["frequency"] == 0).to_numpy() if apart else np.zeros(len(everyone), bool)
    frame = everyone[~prospect].reset_index(drop=True)
    columns, dropped = _drop_constant_defaults(frame, columns, user_chosen=features is not None)
    ks = _candidate_ks(k, k_range, len(frame))
    step("preparing")
    preparation = CustomerPreparation(tails, n_components=n_components, random_state=random_state)
    matrix = preparation.fit_transform(frame[columns])
    step(f"fitting {algorithm} for k = {ks[0]}..{ks[-1]}" if len(ks) > 1 else f"fitting k={ks[0]}")
    base = CustomerClusters(algorithm, max_sample=max_sample, random_state=random_state)
    selection = select_k(matrix, ks, base)
    model = selection.models[selection.k]
    labels = model.predict(matrix)
    segment_of, small_frame = _small_segments(model, labels, min_share, small)
    fitted = FittedClusters(columns, preparation, model, segment_of, prospects=apart)
    names = list(dict.fromkeys(segment_of))
    segment_index = np.asarray([names.index(s) for s in segment_of])[labels]
    stability = None
    if n_bootstrap > 0:
        step(f"checking stability ({n_bootstrap} refits)")
        stability = bootstrap_stability(matrix, model, n_bootstrap, random_state=random_state)
        stability = _named_stability(stability, segment_of)
    step("explaining")
    explanation, differences = _explain(
        frame, columns, preparation, segment_index, names, random_state
    )
    step("storing")
    segments = np.full(len(everyone), PROSPECTS, dtype=object)
    segments[~prospect] = np.asarray(names, dtype=object)[segment_index]
    if prospect.any():
        names.append(PROSPECTS)
    definition = {
        "features": columns,
        "algorithm": algorithm,
        "k": selection.k,
        "k_requested": k if k == "auto" else int(k),
        "k_range": list(k_range) if k == "auto" else None,
        "tails": tails,
        "n_components": n_components,
        "min_share": min_share,
        "small": small,
        "prospects_apart": apart,
        "random_state": random_state,
        "model_id": fitted.model_id(),
        "segments": names,
    }
    stored = _store(mart, name, definition, day, everyone.customer_id, segments)
    save_model(mart, name, stored.version, day, fitted)
    return ClusterRun(
        name=name,
        version=stored.version,
        as_of=day,
        sizes=_sizes(segments, names),
        selection=selection,
        stability=stability,
        explanation=explanation,
        differences=differences,
        small=small_frame,
        features=columns,
        dropped=dropped,
        model_id=fitted.model_id(),
        details={
            "algorithm": algorithm,
            "k": selection.k,
            "clustered": len(frame),
            "prospects": int(prospect.sum()),
        },
    )


def assign_clusters(
    mart: Mart,
    name: str,
    as_of: AsOf | None = None,
    *,
    version: int | None = None,
    table: ibis.Table | None = None,
) -> ClusterAssignment:
    """Assign every customer as of ``as_of`` with the stored model of ``name``, without refitting.

    New customers get a segment; the result is stored under the model's version.

    Raises:
        MartError: no model is stored for ``name``.
        ClusteringError: the features the model needs are missing as of that date.
    """
    model_version, fitted = load_model(mart, name, version)
    stored = store.definition(mart, name, model_version)
    day = resolve_as_of(mart, as_of)
    source = table if table is not None else _features(mart, day)
    choose_features(source, fitted.features)
    frame = _read(source, fitted.features)
    segments = fitted.segments(frame)
    names = [*dict.fromkeys(fitted.segment_of), PROSPECTS]
    _store(mart, name, stored.definition, day, frame.customer_id, segments)
    return ClusterAssignment(name, model_version, day, _sizes(segments, names), fitted.model_id())


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


def _check_options(
    algorithm: str, k: int | str, k_range: tuple[int, int], min_share: float, small: str
) -> None:
    if algorithm not in ALGORITHMS:
        raise ClusteringError(
            f"algorithm must be one of {', '.join(ALGORITHMS)}; got {algorithm!r}"
        )
    if k != "auto" and (not isinstance(k, int) or k < 2):
        raise ClusteringError(f"k must be an integer of at least 2 or 'auto'; got {k!r}")
    if k == "auto" and not 2 <= k_range[0] <= k_range[1]:
        raise ClusteringError(f"the k range must satisfy 2 ≤ low ≤ high; got {k_range}")
    if not 0 <= min_share < 0.5 or small not in ("flag", "merge"):
        raise ClusteringError(
            f"min_share must be in [0, 0.5) and small 'flag' or 'merge'; got {min_share}, {small!r}"
        )


def _features(mart: Mart, day: dt.date) -> ibis.Table:
    """The stored features as of ``day``, built and stored first when missing."""
    if day not in stored_dates(mart):
        store_features(mart, day)
    return load_features(mart, day)


def _read(table: ibis.Table, columns: list[str]) -> pd.DataFrame:
    frame: pd.DataFrame = table.select("customer_id", *columns).order_by("customer_id").to_pandas()
    return frame.reset_index(drop=True)


def _drop_constant_defaults(
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


def _candidate_ks(k: int | str, k_range: tuple[int, int], n_customers: int) -> list[int]:
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


def _small_segments(
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


def _named_stability(stability: Stability, segment_of: list[str]) -> Stability:
    segments = stability.segments.assign(
        segment=[segment_of[int(c)] for c in stability.segments.cluster]
    )
    return Stability(
        stability.ari_mean, stability.ari_std, stability.aris, segments, stability.n_customers
    )


def _explain(
    frame: pd.DataFrame,
    columns: list[str],
    preparation: CustomerPreparation,
    segment_index: NDArray[np.int64],
    names: list[str],
    random_state: int,
) -> tuple[Explanation, pd.DataFrame]:
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


def _store(
    mart: Mart,
    name: str,
    definition: dict[str, Any],
    day: dt.date,
    customers: pd.Series,
    segments: NDArray[np.object_],
) -> store.StoredSegmentation:
    rows = pd.DataFrame({"customer_id": customers.astype(str), "segment": segments.astype(str)})
    return store.save(mart, name, "cluster", definition, day, ibis.memtable(rows))


def _sizes(segments: NDArray[np.object_], names: list[str]) -> pd.Series:
    counts = pd.Series(segments).value_counts()
    sizes: pd.Series = counts.reindex(names).fillna(0).astype(int)
    sizes.index.name = "segment"
    return sizes[sizes > 0].rename("members")
