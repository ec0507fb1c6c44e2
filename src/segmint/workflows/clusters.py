"""Use case: cluster the customers as of a date, and apply a stored model to another date.

:func:`run_clusters` is what every service calls (``segmint segment cluster``, ``segmint
demo``, :meth:`segmint.workspace.Workspace.segment_clusters`): features in, fitted model and
one segment per customer out, with the choice of k, stability, rules and small segments
(the steps are :mod:`segmint.segmentation.clusters`). :func:`assign_clusters` applies a
stored model to another date without refitting. The method is in ``docs/clustering.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from segmint.features.asof import AsOf, checked_as_of
from segmint.features.orders import cancelled_only
from segmint.mart import Mart
from segmint.models.clustering import (
    CustomerClusters,
    CustomerPreparation,
    Explanation,
    KSelection,
    Recovery,
    Stability,
    bootstrap_stability,
    recovery,
    select_k,
)
from segmint.models.clustering.algorithms import Algorithm
from segmint.models.clustering.preparation import Scaling, Tails
from segmint.segmentation import store
from segmint.segmentation.cluster_expression import segment_expression
from segmint.segmentation.cluster_models import (
    CANCELLED_ONLY,
    PROSPECTS,
    FittedClusters,
    load_model,
    save_model,
)
from segmint.segmentation.clusters import (
    DEFAULT_K_RANGE,
    CustomersToCluster,
    Small,
    band_levels,
    candidate_ks,
    check_options,
    choose_features,
    cluster_sizes,
    counted_sizes,
    customers_to_cluster,
    explain,
    named_stability,
    read_features,
    small_segments,
    store_segments,
)
from segmint.workflows.features import stored_or_built

Step = Callable[[str], None]


@dataclass(frozen=True)
class ClusterOptions:
    """How to cluster (``segmint segment cluster``'s options).

    Attributes:
        features: feature or attribute columns to cluster on, numeric or categorical;
            default :data:`segmint.segmentation.clusters.DEFAULT_FEATURES` (those constant
            in this mart are left out). With the default, customers who never bought are
            not clustered (their behaviour is all blanks) and get the segment ``prospects``,
            or ``cancelled only`` when they ordered and cancelled every order.
        algorithm: ``"auto"`` (the default: ``"gmm"`` when every feature is numeric or
            banded, ``"kmeans"`` when text features enter one-hot, which a Gaussian
            mixture does not model), ``"gmm"`` (a Gaussian mixture, k chosen by BIC, one EM
            run from a k-means++ start: three restarts found likelier fits that matched
            the synthetic retailer's types less well, measured in ``docs/clustering.md``),
            ``"kmeans"`` or ``"ward"`` (three k-means++ restarts).
        k: the number of clusters, or ``"auto"`` to choose it from ``k_range`` (inclusive).
        k_range: the k tried by ``"auto"``.
        tails: ``"log"``, ``"rank"`` or ``"none"``: how heavy tails are tamed.
        scaling: ``"standard"`` (unit variance) or ``"robust"`` (median and IQR).
        reg_covar: the mixture's covariance floor on unit-variance columns (``"gmm"``).
        n_components: optional PCA (components, or share of variance to keep).
        min_share: segments with a smaller share of customers are too small to act on.
        small: ``"flag"`` them, or ``"merge"`` each into the nearest larger cluster.
        n_bootstrap: refits for the stability check (0 skips it).
        random_state: the seed: the same seed and data give the same segments.
        max_sample: customers each fit uses at most (a seeded sample; all are assigned).
    """

    features: tuple[str, ...] | None = None
    algorithm: Algorithm | Literal["auto"] = "auto"
    k: int | Literal["auto"] = "auto"
    k_range: tuple[int, int] = DEFAULT_K_RANGE
    tails: Tails = "log"
    scaling: Scaling = "standard"
    reg_covar: float = 0.3
    n_components: int | float | None = None
    min_share: float = 0.02
    small: Small = "flag"
    n_bootstrap: int = 20
    random_state: int = 0
    max_sample: int = 50_000


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


@dataclass(frozen=True)
class _Fit:
    """The fitted preparation and clusters, and each customer's segment."""

    preparation: CustomerPreparation
    matrix: NDArray[np.float64]
    selection: KSelection
    model: CustomerClusters
    segment_of: list[str]
    small: pd.DataFrame
    names: list[str]
    segment_index: NDArray[np.int64]


def run_clusters(
    mart: Mart,
    name: str,
    as_of: AsOf | None = None,
    options: ClusterOptions | None = None,
    *,
    table: ibis.Table | None = None,
    on_step: Step | None = None,
) -> ClusterRun:
    """Cluster the customers as of ``as_of`` and store segments and model as ``name``.

    Args:
        mart: the customer data mart.
        name: name of the segmentation to store.
        as_of: the day (default: the last day with orders); features are built and
            stored for it unless already stored.
        options: how to cluster (:class:`ClusterOptions`; default: its defaults).
        table: a feature table to use instead of the stored one (same columns).
        on_step: called with a short description as each stage starts (for progress).

    Raises:
        ClusteringError: unknown or constant features, fewer customers than k, bad options.
        SegmintError: ``name`` is blank or another kind's (checked before any work).
    """
    o, step = options or ClusterOptions(), on_step or (lambda _: None)
    check_options(o.algorithm, o.k, o.k_range, o.min_share, o.small)
    store.check_name(mart, name, "cluster")
    step("reading features")
    day = checked_as_of(mart, as_of)
    source = table if table is not None else stored_or_built(mart, day)
    data = customers_to_cluster(source, o.features, cancelled_only(mart, day))
    ordinals = band_levels(mart, day, data.columns)
    fit = _fit(data, candidate_ks(o.k, o.k_range, len(data.frame)), o, ordinals, step)
    stability = _stability(fit, o, step)
    step("explaining")
    explanation, differences = explain(
        data.frame, data.columns, fit.preparation, fit.segment_index, fit.names, o.random_state
    )
    step("storing")
    version, sizes, model_id = _store(mart, name, day, data, fit, o)
    return ClusterRun(
        name=name,
        version=version,
        as_of=day,
        sizes=sizes,
        selection=fit.selection,
        stability=stability,
        explanation=explanation,
        differences=differences,
        small=fit.small,
        features=data.columns,
        dropped=data.dropped,
        model_id=model_id,
        details=_details(data, fit),
    )


def _details(data: CustomersToCluster, fit: _Fit) -> dict[str, Any]:
    """The run's figures worth showing: algorithm, k, customers clustered and set apart."""
    return {
        "algorithm": fit.model.algorithm,
        "k": fit.selection.k,
        "clustered": len(data.frame),
        "prospects": int(data.prospect.sum()),
        "cancelled_only": int(data.cancelled.sum()),
    }


def _stability(fit: _Fit, o: ClusterOptions, step: Step) -> Stability | None:
    """Bootstrap stability of the chosen clustering, by segment name (None when skipped)."""
    if o.n_bootstrap <= 0:
        return None
    step(f"checking stability ({o.n_bootstrap} refits)")
    found = bootstrap_stability(fit.matrix, fit.model, o.n_bootstrap, random_state=o.random_state)
    return named_stability(found, fit.segment_of)


def _store(
    mart: Mart, name: str, day: dt.date, data: CustomersToCluster, fit: _Fit, o: ClusterOptions
) -> tuple[int, pd.Series, str]:
    """Store every customer's segment and the fitted model; the version, sizes and model id."""
    segments = np.full(len(data.everyone), PROSPECTS, dtype=object)
    segments[data.cancelled] = CANCELLED_ONLY
    clustered = ~(data.prospect | data.cancelled)
    segments[clustered] = np.asarray(fit.names, dtype=object)[fit.segment_index]
    apart = [(PROSPECTS, data.prospect), (CANCELLED_ONLY, data.cancelled)]
    names = [*fit.names, *(name for name, members in apart if members.any())]
    fitted = FittedClusters(
        data.columns, fit.preparation, fit.model, fit.segment_of, prospects=data.apart
    )
    definition = _definition(
        o, data, fit.selection.k, fitted.model_id(), names, str(fit.model.algorithm)
    )
    stored = store_segments(mart, name, definition, day, data.everyone.customer_id, segments)
    save_model(mart, name, stored.version, day, fitted)
    return stored.version, cluster_sizes(segments, names), fitted.model_id()


def _fit(
    data: CustomersToCluster,
    ks: list[int],
    o: ClusterOptions,
    ordinals: dict[str, list[str]],
    step: Step,
) -> _Fit:
    """Prepare the features, choose k among ``ks``, label every customer, name the segments.

    Banded attributes (``ordinals``) enter as the position of their band, not one-hot.
    """
    step("preparing")
    preparation = CustomerPreparation(
        o.tails,
        n_components=o.n_components,
        random_state=o.random_state,
        scaling=o.scaling,
        ordinals=ordinals or None,
    )
    matrix = preparation.fit_transform(data.frame[data.columns])
    step(f"fitting for k = {ks[0]}..{ks[-1]}" if len(ks) > 1 else f"fitting k={ks[0]}")
    algorithm: Algorithm = (
        o.algorithm if o.algorithm != "auto" else ("kmeans" if preparation.categorical_ else "gmm")
    )
    base = CustomerClusters(
        algorithm,
        n_init=1 if algorithm == "gmm" else 3,
        max_sample=o.max_sample,
        random_state=o.random_state,
        reg_covar=o.reg_covar,
    )
    selection = select_k(matrix, ks, base)
    model = selection.models[selection.k]
    labels = model.predict(matrix)
    segment_of, small = small_segments(model, labels, o.min_share, o.small)
    names = list(dict.fromkeys(segment_of))
    segment_index = np.asarray([names.index(s) for s in segment_of])[labels]
    return _Fit(preparation, matrix, selection, model, segment_of, small, names, segment_index)


def _definition(
    o: ClusterOptions,
    data: CustomersToCluster,
    k: int,
    model_id: str,
    names: list[str],
    fitted_algorithm: str,
) -> dict[str, Any]:
    """What is stored as the segmentation's definition: the options, the k chosen, segments."""
    return {
        "features": data.columns,
        "algorithm": o.algorithm,
        "algorithm_used": fitted_algorithm,
        "k": k,
        "k_requested": o.k if o.k == "auto" else int(o.k),
        "k_range": list(o.k_range) if o.k == "auto" else None,
        "tails": o.tails,
        "scaling": o.scaling,
        "reg_covar": o.reg_covar if fitted_algorithm == "gmm" else None,
        "n_components": o.n_components,
        "min_share": o.min_share,
        "small": o.small,
        "prospects_apart": data.apart,
        "random_state": o.random_state,
        "model_id": model_id,
        "segments": names,
    }


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
    day = checked_as_of(mart, as_of)
    source = table if table is not None else stored_or_built(mart, day)
    choose_features(source, fitted.features)
    names = [*dict.fromkeys(fitted.segment_of), PROSPECTS, CANCELLED_ONLY]
    cancelled = cancelled_only(mart, day)
    in_engine = segment_expression(fitted, source, cancelled)
    if in_engine is None:  # assigned in batches here
        customers, segments = fitted.assign(mart, source, cancelled=cancelled)
        store_segments(mart, name, stored.definition, day, customers, segments)
        sizes = cluster_sizes(segments, names)
    else:  # assigned where the features are: only the counts come back
        saved = store.save(mart, name, "cluster", stored.definition, day, in_engine)
        counts = store.assignments(mart, name, day, saved.version)
        found = counts.group_by("segment").aggregate(members=counts.count()).to_pyarrow()
        members = pd.Series(found["members"].to_pylist(), index=found["segment"].to_pylist())
        sizes = counted_sizes(members, names)
    return ClusterAssignment(name, model_version, day, sizes, fitted.model_id())


def cluster_recovery(
    mart: Mart, name: str, truth: pd.Series, *, version: int | None = None
) -> Recovery:
    """How well the stored clusters of ``name`` recover known groups, beside what was there.

    Args:
        mart: the mart holding the segmentation and its model.
        name: a cluster segmentation.
        truth: the known group of each customer, indexed by ``customer_id`` (the synthetic
            retailer's ``ground_truth.latent_type``).
        version: the segmentation version (default: the model's latest).

    Returns the adjusted Rand index over every customer with a known group (prospects
    count as one segment, and cancelled-only customers as another) and the supervised
    bound: a classifier cross-validated on the same features as the clusters
    (:func:`segmint.models.clustering.recovery`).

    Raises:
        MartError: no model is stored for ``name``.
    """
    model_version, fitted = load_model(mart, name, version)
    day = max(store.as_of_dates(mart, name, model_version))
    stored = store.assignments(mart, name, day, model_version).to_pandas()
    segments = stored.set_index("customer_id").segment
    features = read_features(stored_or_built(mart, day), fitted.features).set_index("customer_id")
    known = truth.copy()
    known.index = known.index.astype(str)
    common = segments.index.astype(str).intersection(known.index)
    segments.index = segments.index.astype(str)
    features.index = features.index.astype(str)
    return recovery(known[common], segments[common], features.loc[common, fitted.features])
