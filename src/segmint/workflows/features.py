"""Use case: build and store the customer features as of a date, or reuse the stored ones.

Every segmentation reads the features as of its date; building them is the expensive part,
so a run either builds them once and passes them on (:func:`refresh_features`, as ``segmint
demo`` does for RFM, lifecycle and rules), or reuses what is stored for the day
(:func:`stored_or_built`, as cluster analysis does).
"""

from __future__ import annotations

import datetime as dt

import ibis

from segmint.features import StoredFeatures, load_features, store_features, stored_dates
from segmint.features.asof import AsOf, resolve_as_of
from segmint.mart import Mart


def store(mart: Mart, as_of: AsOf | None = None) -> StoredFeatures:
    """Build the features as of ``as_of`` (default: the last day with orders) and store them."""
    return store_features(mart, resolve_as_of(mart, as_of))


def refresh_features(mart: Mart, as_of: AsOf | None = None) -> tuple[dt.date, ibis.Table]:
    """Build and store the features as of ``as_of`` (default: the last day with orders)."""
    stored = store_features(mart, as_of)
    return stored.as_of, load_features(mart, stored.as_of)


def features_for(
    mart: Mart, as_of: AsOf | None, features: ibis.Table | None
) -> tuple[dt.date, ibis.Table]:
    """The day and the features to segment on: ``features`` when given (already built for
    that day), else built and stored now."""
    if features is not None:
        return resolve_as_of(mart, as_of), features
    return refresh_features(mart, as_of)


def stored_or_built(mart: Mart, day: dt.date) -> ibis.Table:
    """The stored features as of ``day``, built and stored first when missing."""
    if day not in stored_dates(mart):
        store_features(mart, day)
    return load_features(mart, day)
