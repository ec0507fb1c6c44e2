"""Who is in a stored segmentation as of a date, with their features and an optional second dimension.

Insight reads stored results only: the members are the stored assignments of the
segmentation as of the date (default: its latest stored date), never a recomputation.
Their features are the stored feature table of that date when there is one, otherwise the
feature table built in the engine (:func:`segmint.features.build_features`).
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir

from segmint.exceptions import MartError
from segmint.features import build_features, load_features, stored_dates
from segmint.features.asof import AsOf, parse_as_of
from segmint.mart import Mart
from segmint.segmentation import store

SUB_SEGMENT = "sub_segment"
"""Column holding the second dimension when segments are crossed with ``by``."""

UNKNOWN = "unknown"
"""Sub-segment of members whose ``by`` value is missing."""

NOT_FEATURES = ("customer_id", "as_of", "segment", SUB_SEGMENT)
"""Columns of the member table that are not features to describe or test."""


def resolve_date(mart: Mart, segmentation: str, as_of: AsOf | None) -> dt.date:
    """``as_of`` parsed, or the segmentation's latest stored date when it is ``None``.

    Raises:
        MartError: the segmentation is unknown or has no stored results.
    """
    if as_of is not None:
        return parse_as_of(as_of)
    dates = store.as_of_dates(mart, segmentation)
    if not dates:
        raise MartError(f"segmentation '{segmentation}' has no stored results; run it first")
    return dates[-1]


def features_as_of(mart: Mart, as_of: dt.date) -> ir.Table:
    """The stored features of ``as_of`` when stored, else the feature table built for it."""
    if as_of in stored_dates(mart):
        return load_features(mart, as_of)
    return build_features(mart, as_of)


def members(mart: Mart, segmentation: str, as_of: dt.date) -> ir.Table:
    """``customer_id``, ``segment`` of the stored assignments as of ``as_of``.

    Raises:
        MartError: unknown segmentation, or no results stored for that date (lists the dates).
    """
    return store.assignments(mart, segmentation, as_of)


def with_features(base: ir.Table, features: ir.Table) -> ir.Table:
    """``base`` with every feature column (null for a member without a feature row)."""
    wanted = [c for c in features.columns if c not in NOT_FEATURES]
    joined = base.left_join(features.select("customer_id", *wanted), "customer_id")
    return joined.select(*base.columns, *wanted)


def crossed(mart: Mart, base: ir.Table, features: ir.Table, by: str, as_of: dt.date) -> ir.Table:
    """``base`` with the column ``sub_segment``: a feature's value or another segmentation's segment.

    ``by`` names a feature column (e.g. ``region``) or a stored segmentation, whose
    assignments as of the same date are used. Members with no value get ``unknown``.

    Raises:
        MartError: ``by`` is neither; lists the feature columns and stored segmentations.
    """
    if by in features.columns and by not in NOT_FEATURES:
        values = features.select("customer_id", value=features[by].cast("string"))
    else:
        names = set(store.segmentations(mart).segmentation.execute())
        if by not in names:
            columns = ", ".join(c for c in features.columns if c not in NOT_FEATURES)
            raise MartError(
                f"by (--by) must name a feature column or a stored segmentation; got '{by}'. "
                f"Features: {columns}. Segmentations: {', '.join(sorted(names)) or 'none'}"
            )
        other = store.assignments(mart, by, as_of)
        values = other.select("customer_id", value=other.segment)
    joined = base.left_join(values, "customer_id")
    return joined.select(*base.columns, **{SUB_SEGMENT: joined.value.fill_null(UNKNOWN)})
