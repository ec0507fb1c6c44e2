"""A stored k-means or Ward model's assignment as an engine expression: nearest centroid
where the features are.

Assigning a stored model in batches (:meth:`FittedClusters.assign`) pulls every customer's
features to the process; on Spark that is the driver, ten million rows at a time through
one machine. For k-means (MacQueen, 1967) and Ward's clusters (Ward, 1963) a customer goes
to the nearest centroid of the prepared features, and every step of the preparation is
arithmetic on the customer's own row: median imputation, ``log1p``, centring and scaling,
missingness indicators, one-hot levels and a PCA projection (linear). So the whole
assignment is one expression the engine evaluates, and only segment names are written.

The distances are those of :func:`segmint.models.clustering.algorithms.nearest_centroid`
(``‖c‖² − 2 x·c``, the nearest first on ties), computed by the engine's floating point
instead of NumPy's: a customer equidistant from two centroids to the last bits may fall
on the other side. Models the formula does not fit cheaply return None and are assigned
in batches: Gaussian mixtures (a posterior over full covariances), the rank transform
(a search among 101 cut points per column), ordinal columns, whitened projections and
categorical columns that are not text (their text form is the engine's, not pandas').
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
from sklearn.decomposition import PCA

from segmint.models.clustering.preparation import MISSING, OTHER, CustomerPreparation
from segmint.segmentation.cluster_models import (
    CANCELLED_ONLY,
    PROSPECTS,
    FittedClusters,
    in_cancelled,
)


def segment_expression(
    model: FittedClusters, table: ir.Table, cancelled: ir.Table | None = None
) -> ir.Table | None:
    """``customer_id`` and ``segment`` of every customer of ``table`` under ``model``, as
    one expression; None when the model is not assigned by nearest centroid of an
    expressible preparation (see the module docstring). ``cancelled``: ``customer_id`` of
    the customers who ordered and cancelled every order, :data:`CANCELLED_ONLY` when set
    apart (None: nobody).

    Each stage (prepared columns, components, distances, the nearest) is its own
    projection, so the engine computes a column once however many later ones use it."""
    prep = model.preparation
    if not _expressible(model, table):
        return None
    frequency = table.frequency.cast("float64") if model.prospects else ibis.literal(1.0)
    staged = _stage(table, frequency, _prepared(prep, table))
    if prep.pca_ is not None:
        staged = _stage(staged, staged._frequency, _projected(prep.pca_, _of(staged)))
    centres = np.asarray(model.clusters.cluster_centers_, dtype=np.float64)
    squared = (centres**2).sum(axis=1)
    prepared = _of(staged)
    staged = _stage(
        staged,
        staged._frequency,
        [float(squared[j]) - 2.0 * _dot(prepared, centres[j]) for j in range(len(centres))],
    )
    distances = _of(staged)
    nearest = ibis.least(*distances) if len(distances) > 1 else distances[0]
    names = model.segment_of
    segment = ibis.cases(
        *((distance == nearest, ibis.literal(names[j])) for j, distance in enumerate(distances)),
        else_=ibis.literal(names[0]),
    )
    if model.prospects:
        apart = _missing(staged._frequency) | (staged._frequency == 0)
        label = ibis.literal(PROSPECTS)
        if cancelled is not None:
            label = in_cancelled(staged, cancelled).ifelse(CANCELLED_ONLY, PROSPECTS)
        segment = apart.ifelse(label, segment)
    return staged.select("customer_id", segment=segment)


def _stage(
    table: ir.Table, frequency: ir.FloatingValue, columns: list[ir.FloatingValue]
) -> ir.Table:
    """One projection of ``table``: the id, the frequency (for prospects) and ``columns``
    as ``_c0``…"""
    return table.select(
        "customer_id",
        _frequency=frequency,
        **{f"_c{i}": column for i, column in enumerate(columns)},
    )


def _of(staged: ir.Table) -> list[ir.FloatingValue]:
    """The columns ``_c0``… of a stage, in order."""
    count = len(staged.columns) - 2
    return [staged[f"_c{i}"] for i in range(count)]


def _expressible(model: FittedClusters, table: ir.Table) -> bool:
    """Whether ``model`` assigns by nearest centroid of a preparation written here."""
    prep = model.preparation
    return (
        getattr(model.clusters, "mixture_", None) is None
        and not prep.quantiles_
        and not prep.ordinals
        and not (prep.pca_ is not None and prep.pca_.whiten)
        and all(table[c].type().is_string() for c in prep.categorical_)
    )


def _prepared(prep: CustomerPreparation, table: ir.Table) -> list[ir.FloatingValue]:
    """The prepared columns in :meth:`CustomerPreparation.feature_names_out` order."""
    columns: list[ir.FloatingValue] = []
    for name in prep.numeric_:
        value = table[name].cast("float64")
        filled = _missing(value).ifelse(prep.medians_[name], value)
        if name in prep.logged_:
            filled = (ibis.greatest(filled, 0.0) + 1.0).ln()
        columns.append((filled - prep.centers_[name]) / prep.scales_[name])
    for _, together in prep.indicators_:
        columns.append(_missing(table[together[0]].cast("float64")).ifelse(1.0, 0.0))
    for name in prep.categorical_:
        levels = prep.levels_[name]
        text = table[name].fill_null(MISSING)
        text = text.isin(levels).ifelse(text, OTHER)
        columns.extend((text == level).ifelse(1.0, 0.0) for level in levels)
    return columns


def _projected(pca: PCA, columns: list[ir.FloatingValue]) -> list[ir.FloatingValue]:
    """The principal components of the prepared columns (``pca.transform``, unwhitened)."""
    mean = np.asarray(pca.mean_, dtype=np.float64)
    components = np.asarray(pca.components_, dtype=np.float64)
    offset = [column - float(m) for column, m in zip(columns, mean, strict=True)]
    return [_dot(offset, row) for row in components]


def _dot(columns: list[ir.FloatingValue], weights: np.ndarray) -> ir.FloatingValue:
    """The sum of ``columns`` times ``weights``, in order."""
    terms = [column * float(w) for column, w in zip(columns, weights, strict=True)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _missing(value: ir.FloatingValue) -> ir.BooleanValue:
    """Null or NaN: what pandas reads as missing from the engine's rows."""
    return value.isnull() | value.isnan()
