"""The value tier of a persona card (high, mid or low): what the segment's money says.

A segment's tier compares its value per member with the base's, on the measure that orders
the value ladder (revenue, or profit): its **value index** is 100 × the segment's value
per member / the base's (all members, the segment totals' sum over their members, as in
:func:`segmint.insight.money.per_member`).

* **high**: an index of :data:`HIGH_INDEX` or more;
* **low**: an index under :data:`LOW_INDEX`, or no value at all (zero, a loss, unknown);
* **mid**: in between.

Equal amounts are always in one tier, and the tier does not depend on how many segments
there are: on CDNOW as of 1998-06-30 the base is worth 45.37 per member, so "Loyal" (6.68,
index 15) and "Potential Loyalist" (4.11) are "low" beside "Champions" (132.12, index 291),
where thirds of the nine-rung ladder by rank called all three "high". When the base
itself is worth nothing per member or loses money (profit after a cost to serve), there is
no mean to scale by: a segment that earns is "high", one that does not "low".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmint.insight.money import ValueMeasure

HIGH_INDEX = 120.0
"""Least value index (100 × value per member / the base's) of a "high" segment."""

LOW_INDEX = 50.0
"""Value index under which a segment is "low": worth under half of an average member."""


def times_an_average_member(index: float) -> str:
    """A value index as what it says of a segment's worth beside an average member's: 50 is
    "half", 120 "1.2×"."""
    multiple = index / 100.0
    return "half" if multiple == 0.5 else f"{multiple:g}×"


HIGH_REASON = f"worth at least {times_an_average_member(HIGH_INDEX)} an average member"
"""What a "high" tier says of a segment's members, in a playbook's reason: the rule of
:func:`value_tier` in words (several segments can share the tier, so "the most valuable"
would claim more than it does)."""

LOW_REASON = f"worth under {times_an_average_member(LOW_INDEX)} an average member"
"""What a "low" tier says of a segment's members (the reason for a lower cost to serve)."""


def value_tiers(overview: pd.DataFrame, measure: ValueMeasure) -> dict[str, str]:
    """Each segment's value tier, by ``measure`` per member against the base's.

    Args:
        overview: one row per segment of the whole base with ``segment``, ``members`` and
            ``<measure>_per_member`` (a profile's overview).
        measure: the measure that orders the value ladder, ``"revenue"`` or ``"profit"``.
    """
    amounts = overview[f"{measure}_per_member"].astype("float64")
    members = overview["members"].astype("float64")
    counted = members.sum()
    base = float((amounts.fillna(0.0) * members).sum() / counted) if counted else float("nan")
    return {
        str(segment): value_tier(float(amount), base)
        for segment, amount in zip(overview["segment"], amounts, strict=True)
    }


def value_tier(amount: float, base: float) -> str:
    """The tier of a segment worth ``amount`` per member in a base worth ``base`` per member."""
    if not np.isfinite(amount) or amount <= 0:
        return "low"
    if not np.isfinite(base) or base <= 0:
        return "high"
    index = 100.0 * amount / base
    if index >= HIGH_INDEX:
        return "high"
    return "low" if index < LOW_INDEX else "mid"
