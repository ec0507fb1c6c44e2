"""What a persona card says of what its members buy, where, and who they are.

**Typical** categories and channels are those with the largest share of the segment's
revenue and orders in the year, those not recorded left out; the **demographic sketch** is
the most common age band, gender and region, and the most common value of each customer
attribute (income band, household size, tier…), each named by its label.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from segmint.features.labels import labelled
from segmint.insight.members import UNKNOWN


def sketch_phrases(demographics: Mapping[str, str]) -> list[str]:
    """The demographic sketch as labelled phrases ("Age band 45–54", "CRM stage active"):
    a value alone ("active") does not say what it is the value of."""
    return [labelled(name, value) for name, value in demographics.items()]


def demographic_sketch(mix: pd.DataFrame) -> dict[str, str]:
    """The most common known value of each of the segment's customer dimensions: age band,
    gender, region, then its attributes (bands and other text)."""
    people = mix[mix.measure == "customers"]
    sketch = {}
    for dimension in dict.fromkeys(people.dimension):
        rows = people[(people.dimension == dimension) & (people.value != UNKNOWN)]
        rows = rows.sort_values("share", ascending=False)
        if len(rows):
            sketch[str(dimension)] = str(rows.value.iloc[0])
    return sketch


TYPICAL_SHARE = 0.005
"""Least share of a category or channel shown as typical: below it, it reads "store 0%"."""


def typical(mix: pd.DataFrame, dimension: str, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` largest recorded values of ``dimension`` with their shares (``unknown``,
    not recorded, is left out: it says nothing of what the members buy or where; so is a
    value under :data:`TYPICAL_SHARE`, which a card would show as 0%)."""
    known = mix[(mix.dimension == dimension) & (mix.value != UNKNOWN)]
    rows = known[known.share >= TYPICAL_SHARE].head(n)
    return [(str(v), float(s)) for v, s in zip(rows.value, rows.share, strict=True)]
