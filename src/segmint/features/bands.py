"""The order of banded attributes (``19-24 < 25-34 < 65+``) as the feature table names them.

An attribute whose values are bands (:func:`segmint.mart.bands.band_order`) keeps its
values as text in the feature table; this module says, for each such feature column, its
values in order, from the values known as of the day. Rules compare bands by that order
(``age >= '35-44'``), and profiles and personas list them in it.

A band attribute whose name a built-in feature already has (an ``age`` band beside the
numeric ``age`` from birth years) is stored as ``age_attr``; :func:`rule_bands` lets a rule
say ``age`` all the same when it compares it with a band.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from segmint.features.attributes import AttributeColumn, attribute_columns, known_attributes
from segmint.features.build import FEATURE_COLUMNS
from segmint.mart import Mart
from segmint.mart.bands import band_order

MAX_LEVELS = 50
"""Attributes with more distinct values than this are not treated as categories."""


@dataclass(frozen=True)
class Band:
    """A banded attribute: the feature column holding it and its values in order."""

    column: str
    levels: tuple[str, ...]

    def position(self, value: str) -> int | None:
        """Where ``value`` stands among the levels (None when it is not one)."""
        return self.levels.index(value) if value in self.levels else None


def attribute_bands(
    mart: Mart, day: dt.date, columns: Iterable[AttributeColumn] | None = None
) -> dict[str, Band]:
    """Feature column → :class:`Band`, for every text attribute whose values are bands.

    One small query: the distinct (name, value) pairs of the attributes known as of ``day``.
    """
    chosen = list(columns) if columns is not None else attribute_columns(mart, day, FEATURE_COLUMNS)
    text = {a.name: a for a in chosen if not a.numeric}
    if not text:
        return {}
    known = known_attributes(mart, day)
    pairs = known.filter(known.name.isin(list(text))).select("name", "value").distinct()
    frame = pairs.execute()
    bands: dict[str, Band] = {}
    for name, values in frame.groupby("name")["value"]:
        if len(values) > MAX_LEVELS:
            continue
        order = band_order(values.astype(str).tolist())
        if order is not None:
            column = text[str(name)].column
            bands[column] = Band(column, order)
    return bands


def rule_bands(mart: Mart, day: dt.date) -> dict[str, Band]:
    """Name a rule may use → :class:`Band`: each band's feature column, and also its
    attribute name when a built-in feature took that name (``age`` for ``age_attr``)."""
    columns = attribute_columns(mart, day, FEATURE_COLUMNS)
    bands = attribute_bands(mart, day, columns)
    names = dict(bands)
    for attribute in columns:
        band = bands.get(attribute.column)
        if band is not None and attribute.name != attribute.column:
            names.setdefault(attribute.name, band)
    return names
