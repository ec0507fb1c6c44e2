"""The value tier of a persona card (high, mid, low or unknown): what the segment's money says.

A segment's tier compares its value per member with the base's, on the measure that orders
the value ladder (revenue, or profit): its **value index** is 100 × the segment's value
per member / the base's (the members of every segment whose value is known, the segment
totals' sum over their members, as in :func:`segmint.insight.money.per_member`).

* **high**: an index of :data:`HIGH_INDEX` or more;
* **low**: an index under :data:`LOW_INDEX`, or no value at all (nothing in the year, a loss);
* **mid**: in between;
* **unknown**: no value per member to judge (a segment without members, a profit that was
  not computed): an unknown value is not a value of zero, so it is neither low nor counted
  in the base's.

Equal amounts are always in one tier, and the tier does not depend on how many segments
there are: on CDNOW as of 1998-06-30 the base is worth 45.37 per member, so "Loyal" (6.68,
index 15) and "Potential Loyalist" (4.11) are "low" beside "Champions" (132.12, index 291),
where thirds of the nine-rung ladder by rank called all three "high". When the base
itself is worth nothing per member or loses money (profit after a cost to serve), there is
no mean to scale by and no index: a segment that earns is "high", one that does not "low",
and their reasons say just that (:func:`tier_of`).
"""

from __future__ import annotations

from dataclasses import dataclass

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

MID_REASON = (
    f"worth {times_an_average_member(LOW_INDEX)} to under "
    f"{times_an_average_member(HIGH_INDEX)} an average member"
)
"""What a "mid" tier says of a segment's members."""

LOW_REASON = f"worth under {times_an_average_member(LOW_INDEX)} an average member"
"""What a "low" tier says of a segment's members (the reason for a lower cost to serve)."""

EARNED = {"revenue": "brought revenue", "profit": "brought a profit"}
NOTHING = {"revenue": "brought no revenue", "profit": "brought no profit"}
LOSS = {"revenue": "returned more than they bought", "profit": "cost more than they brought"}
"""What members did with the measure in the year, in a reason's words: the tiers of a base
worth nothing or losing money say these, having no average member to compare with."""


@dataclass(frozen=True)
class ValueTier:
    """A segment's value tier and why.

    ``reason`` is what the money says of the members, in words a playbook's reason carries
    after "members" ("worth at least 1.2× an average member", "brought no revenue in the
    year"); for an ``unknown`` tier it says why nothing is known ("no profit per member
    computed").
    """

    tier: str
    reason: str


HIGH = ValueTier("high", HIGH_REASON)
MID = ValueTier("mid", MID_REASON)
LOW = ValueTier("low", LOW_REASON)
"""The tiers of a segment measured against a base worth something per member."""


def value_tiers(
    overview: pd.DataFrame, measure: ValueMeasure, during: str = "in the year"
) -> dict[str, ValueTier]:
    """Each segment's value tier, by ``measure`` per member against the base's; ``during``:
    the money's period in a reason's words ("in the year", "over 90 days" when the orders
    start within it).

    The base is the members of the segments whose value is known: a segment of unknown
    value counted as worth nothing would make every other segment look richer.

    Args:
        overview: one row per segment of the whole base with ``segment``, ``members`` and
            ``<measure>_per_member`` (a profile's overview).
        measure: the measure that orders the value ladder, ``"revenue"`` or ``"profit"``.
    """
    amounts = overview[f"{measure}_per_member"].astype("float64")
    members = overview["members"].astype("float64")
    known = np.isfinite(amounts) & (members > 0)
    counted = float(members[known].sum())
    base = float((amounts[known] * members[known]).sum() / counted) if counted else float("nan")
    return {
        str(segment): tier_of(float(amount), base, measure, float(size), during)
        for segment, amount, size in zip(overview["segment"], amounts, members, strict=True)
    }


def tier_of(
    amount: float,
    base: float,
    measure: ValueMeasure,
    members: float = 1.0,
    during: str = "in the year",
) -> ValueTier:
    """The tier of ``members`` worth ``amount`` of ``measure`` each in a base worth ``base``
    per member, with the reason that is true of them (over the money's period ``during``).

    Against a base worth something the reasons are the index's (:data:`HIGH_REASON`…), but
    members who brought nothing or a loss are told so in those words. Against a base worth
    nothing or less no reason claims a multiple of an average member: 0 is not "under half"
    of 0, and 5 is no "1.2×" of -2.
    """
    tier = value_tier(amount, base)
    if tier == "unknown":
        return ValueTier(
            tier, "no members" if members <= 0 else f"no {measure} per member computed"
        )
    if amount < 0:
        return ValueTier(tier, f"who {LOSS[measure]} {during}")
    if amount == 0:
        return ValueTier(tier, f"who {NOTHING[measure]} {during}")
    if np.isfinite(base) and base > 0:
        return {"high": HIGH, "mid": MID, "low": LOW}[tier]
    average = LOSS[measure] if base < 0 else NOTHING[measure]
    return ValueTier(tier, f"who {EARNED[measure]} {during}, where an average member {average}")


def value_tier(amount: float, base: float) -> str:
    """The tier of a segment worth ``amount`` per member in a base worth ``base`` per member:
    ``unknown`` when ``amount`` is not a number."""
    if not np.isfinite(amount):
        return "unknown"
    if amount <= 0:
        return "low"
    if not np.isfinite(base) or base <= 0:
        return "high"
    index = 100.0 * amount / base
    if index >= HIGH_INDEX:
        return "high"
    return "low" if index < LOW_INDEX else "mid"
