"""Who each segment's members are by their attributes: survey bands, CRM stages, tiers.

:func:`attribute_mix` counts the members of each segment per value of every text
attribute of the feature table (an attribute loaded from a customers file, or a
customer-level column of a transactions file). Banded attributes (:mod:`segmint.features.bands`)
list their values in band order (``19-24``, ``25-34``, … ``65+``, then unknown), others by
how many members they hold. Attributes with more than :data:`MAX_VALUES` values (free
text, ids) are left out: a mix of them would say nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from ibis.expr.schema import Schema

from segmint.features.bands import Band
from segmint.insight.members import UNKNOWN
from segmint.insight.segment_sums import PerSegment, Value

MAX_VALUES = 30
COLUMNS = ["segment", "dimension", "value", "measure", "amount", "share"]


def attribute_mix(
    per: PerSegment, schema: Schema, attributes: Iterable[str], bands: Mapping[str, Band]
) -> pd.DataFrame:
    """Members and share per segment and value of each text column of ``attributes``.

    Args:
        per: the members' counts per segment (:mod:`segmint.insight.segment_sums`).
        schema: the members' columns with their features (the attributes' types).
        attributes: the attribute columns of the feature table.
        bands: feature column → band, for the banded ones.
    """
    frames = []
    for column in attributes:
        if column not in schema or not schema[column].is_string():
            continue
        frame = per.sums(
            ("members by attribute", column),
            lambda table: {"amount": table.count()},
            value=_filled(column),
        )
        if frame.value.nunique() > MAX_VALUES:
            continue
        frames.append(_ordered(frame, column, bands.get(column)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def _filled(column: str) -> Value:
    """The members' ``column``, ``unknown`` when missing."""
    return lambda table: table[column].fill_null(UNKNOWN)


def _ordered(frame: pd.DataFrame, column: str, band: Band | None) -> pd.DataFrame:
    """Shares within each segment; band values in band order, others largest first."""
    frame = frame.assign(dimension=column, measure="customers")
    frame["amount"] = frame["amount"].astype("float64")
    total = frame.groupby("segment")["amount"].transform("sum").replace(0.0, np.nan)
    frame["share"] = frame["amount"] / total
    if band is not None:
        rank = {level: i for i, level in enumerate(band.levels)}
        frame["_rank"] = frame.value.map(rank).fillna(len(rank))
        frame = frame.sort_values(["segment", "_rank", "value"])
    else:
        frame = frame.sort_values(["segment", "amount", "value"], ascending=[True, False, True])
    return frame[COLUMNS].reset_index(drop=True)
