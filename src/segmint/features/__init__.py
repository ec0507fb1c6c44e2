"""Customer features as of a date, built in the engine with Ibis.

One row per customer known as of the day: recency, frequency, money, cadence, windows,
categories, discounts, margin, returns, channels, web behaviour, demographics, every
customer attribute, and the BTYD summary the CLV models need. Every column is defined in
``docs/features.md``.

Example:
    >>> import segmint
    >>> from segmint.features import build_features, store_features
    >>> mart = segmint.connect("segmint.duckdb")  # doctest: +SKIP
    >>> build_features(mart, "1997-09-30").to_pandas()  # doctest: +SKIP
"""

from segmint.features.asof import default_as_of, parse_as_of
from segmint.features.build import FEATURE_COLUMNS, build_features
from segmint.features.store import (
    FEATURES_TABLE,
    StoredFeatures,
    load_features,
    store_features,
    stored_dates,
)

__all__ = [
    "FEATURES_TABLE",
    "FEATURE_COLUMNS",
    "StoredFeatures",
    "build_features",
    "default_as_of",
    "load_features",
    "parse_as_of",
    "store_features",
    "stored_dates",
]
