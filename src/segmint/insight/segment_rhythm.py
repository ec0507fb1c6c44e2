"""A segment's rhythm: how long since its last order against its usual gap between orders.

A persona (:mod:`segmint.insight.personas`) judges a segment by its own rhythm, not by the
base: a segment that orders every 104 days and last ordered 428 days ago is overdue four
times over, whatever the base does. The usual gap is the segment's own mean days between
orders when most members have ordered twice or more (:data:`REPEAT_MAJORITY`); a segment
of mostly one-order customers has no rhythm of its own and is held to the base's mean gap,
as lifecycle stages hold one-order customers to the base's typical cadence
(:mod:`segmint.segmentation.lifecycle`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OVERDUE = 2.0
"""Days since the last order, in usual gaps, from which a segment's risk is high: for a
steady (Poisson) buyer two gaps pass without an order about one time in seven (e^-2)."""

ALIVE_LIMIT = 0.5
"""Mean P(alive) below which a segment's risk is high: more of its members gone than active."""

ACTIVE = 1.0
"""Days since the last order, in usual gaps, below which a segment is still active (its
next order is not yet due) and its risk low; from it to :data:`OVERDUE` the next order is
due and the risk medium (one gap passes without an order about one time in three, e^-1)."""

CANCELLED_REASON = "ordered, then cancelled every order"
"""The reason of a segment whose members ordered and cancelled every order."""

REPEAT_MAJORITY = 0.5
"""Share of members with two orders or more from which a segment's own mean days between
orders is its usual gap; below it most members have one order and no rhythm of their own."""


@dataclass(frozen=True)
class Rhythm:
    """A segment's last order against its usual gap between orders, and the risk read from it.

    Attributes:
        cadence: the segment's own mean days between orders; NaN when most members have
            fewer than two orders (:data:`REPEAT_MAJORITY`).
        usual_gap: the gap the segment is held to: ``cadence``, else the base's mean.
        overdue: mean days since the last order over ``usual_gap`` (NaN: unknown).
        new: the members' mean tenure is within one usual gap: recently acquired.
        p_alive: the members' mean P(alive) from stored CLV scores (NaN: none).
        risk: ``"high"``, ``"medium"`` (the next order is due) or ``"low"``; ``reason``: why,
            in words.
        cancelled: the members have no purchase because they ordered and cancelled every
            order (:mod:`segmint.insight.segment_cancelled`), not because they never ordered.
    """

    cadence: float = float("nan")
    usual_gap: float = float("nan")
    overdue: float = float("nan")
    new: bool = False
    p_alive: float = float("nan")
    risk: str = "low"
    reason: str = ""
    cancelled: bool = False

    @property
    def active(self) -> bool:
        """The last order is within one usual gap: the next one is not yet due."""
        return bool(self.overdue < ACTIVE)

    @property
    def lapsing(self) -> bool:
        """The last order is a usual gap ago or more: the next one is due or overdue."""
        return bool(self.overdue >= ACTIVE)


def segment_rhythm(
    recency: float,
    cadence: float,
    tenure: float,
    p_alive: float,
    base_cadence: float,
    *,
    buyers: bool = True,
    alive_of: str = "",
    cancelled: bool = False,
) -> Rhythm:
    """The segment's :class:`Rhythm`: its risk judged by its own rhythm.

    The usual gap is ``cadence`` (the segment's mean days between orders; pass NaN when
    most members have one order), else ``base_cadence`` (the base's mean). Risk is high
    when the mean days since the last order (``recency``) reach :data:`OVERDUE` usual
    gaps, or the mean P(alive) is below :data:`ALIVE_LIMIT`; medium when they reach
    :data:`ACTIVE` usual gaps (the next order is due); low otherwise. The members are new when
    their mean ``tenure`` is within one usual gap (the default of lifecycle's ``new``).
    Prospects (no orders) are never at risk: they have not started. Members without a
    purchase who ordered and cancelled every order (``cancelled``) are no prospects: they
    started and backed out, a high risk whatever their recency. ``alive_of`` says over whom
    the mean P(alive) was taken (e.g. " of its repeat buyers"), in the reason.
    """
    if not buyers and cancelled:
        return Rhythm(p_alive=p_alive, risk="high", reason=CANCELLED_REASON, cancelled=True)
    if not buyers:
        return Rhythm(p_alive=p_alive, reason="no orders yet")
    own = np.isfinite(cadence) and cadence > 0
    gap = cadence if own else base_cadence
    known = np.isfinite(gap) and gap > 0
    overdue = recency / gap if known and np.isfinite(recency) else float("nan")
    reasons = []
    if not own:
        reasons.append("mostly one order each")
    if np.isfinite(overdue):
        usual = "the usual gap" if own else "the base's usual gap"
        reasons.append(f"last order {overdue:.1f}× {usual} of {gap:.0f} days")
    high = bool(overdue >= OVERDUE)
    if np.isfinite(p_alive):
        high = high or p_alive < ALIVE_LIMIT
        reasons.append(f"mean P(alive) {p_alive:.2f}{alive_of}")
    return Rhythm(
        cadence=cadence if own else float("nan"),
        usual_gap=gap if known else float("nan"),
        overdue=overdue,
        new=bool(known and tenure <= gap),
        p_alive=p_alive,
        risk="high" if high else "medium" if overdue >= ACTIVE else "low",
        reason="; ".join(reasons) or "no recency known",
    )
