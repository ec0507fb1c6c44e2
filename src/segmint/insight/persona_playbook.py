"""The playbook of a persona card: suggested actions keyed on value, risk and behaviour.

The first play follows the segment's value tier (:mod:`segmint.insight.persona_tiers`) and
its risk: retain, upsell, win back, nurture, reduce cost to serve; a segment that has not
bought gets one play (a welcome series for prospects, asking why for members who ordered
and cancelled every order). Further plays follow behaviour well off the base's (discounts,
tenure, e-mail). Each reason is one the card's numbers bear out: "still active" only within
one usual gap, "recently acquired" only for new members, a category to sell next to only
when one is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmint.insight.persona_names import TRAIT_SMD
from segmint.insight.persona_tiers import ValueTier
from segmint.insight.segment_rhythm import Rhythm

PLAYS = ("retain", "upsell", "win back", "nurture", "reduce cost to serve")


@dataclass(frozen=True)
class Action:
    """One suggested action: the play, what to do, and why the playbook chose it."""

    play: str
    what: str
    why: str


NURTURE_FIRST = Action(
    "nurture", "welcome series with a first-purchase incentive", "members have not bought yet"
)
"""The one play for a segment whose members have not bought yet."""

CANCELLED_FIRST = Action(
    "win back",
    "ask why they cancelled (stock, delivery, price, payment) and fix it before any offer",
    "members ordered, then cancelled every order",
)
"""The one play for a segment whose members ordered and cancelled every order: they know
the shop already, so a welcome series would miss what stopped them."""

ONBOARDING = Action(
    "nurture", "onboarding journey with a second-purchase offer", "recently acquired members"
)
"""The play for members who are new in fact: the first play of a low-value segment of them
(its value per member is low because its members have only just started), else one added
when the segment is newer than the base."""

TRAIT_PLAYS: tuple[tuple[str, bool, Action], ...] = (
    (
        "discount_share",
        False,
        Action(
            "reduce cost to serve",
            "targeted offers instead of blanket discounts",
            "they buy on discount more than the base",
        ),
    ),
    ("tenure_days", True, ONBOARDING),
    (
        "email_opens",
        False,
        Action("retain", "reach them by e-mail first", "they open e-mails more than the base"),
    ),
)
"""Extra plays for a feature well above (or, when True, below) the base."""


def playbook(
    value: ValueTier,
    rhythm: Rhythm,
    buyers: bool,
    smd: pd.Series,
    categories: list[tuple[str, float]],
) -> list[Action]:
    """Suggested actions for a segment of ``value`` (high, mid, low or unknown) on
    ``rhythm``, whose features differ from the base's by ``smd`` and whose known top
    ``categories`` are given.

    The onboarding play needs members who are new in fact (:attr:`Rhythm.new`), not only
    newer than the base, and not at risk (then the win-back play says it); it comes first
    for a low-value segment of such members, instead of a lower cost to serve: their value
    per member is low because they have only just started (and for one of unknown value).
    """
    if not buyers:
        return [CANCELLED_FIRST if rhythm.cancelled else NURTURE_FIRST]
    actions = [_main_play(value, rhythm, categories)]
    for feature, below, action in TRAIT_PLAYS:
        if feature == "tenure_days" and (rhythm.risk == "high" or not rhythm.new):
            continue
        if value.tier == "unknown" and action.play == "reduce cost to serve":
            continue  # served as it is until its value is known
        if action not in actions and _at_least(smd, feature, TRAIT_SMD, below=below):
            actions.append(action)
    return actions


def _main_play(value: ValueTier, rhythm: Rhythm, categories: list[tuple[str, float]]) -> Action:
    """The first play of a segment of buyers, by value and risk; each reason is one the
    card's numbers bear out (the risk's reason, the value tier's reason, the pace of
    :func:`_pace`). A segment of unknown value is served as it is until its value is known:
    neither cut back as a low one nor spoilt as a high one."""
    if rhythm.risk == "high" and value.tier == "high":
        return Action(
            "win back",
            "personal outreach and a service check before offering discounts",
            f"valuable members at risk: {rhythm.reason}",
        )
    if rhythm.risk == "high":
        return Action(
            "win back", "reactivation offer with an end date", f"members at risk: {rhythm.reason}"
        )
    if value.tier == "high":
        return Action(
            "retain",
            "loyalty perks, early access and recognition, not blanket discounts",
            f"members {value.reason}, {_pace(rhythm)}",
        )
    if value.tier == "mid":
        what = (
            f"cross-sell and bundles next to {categories[0][0]}"
            if categories
            else "cross-sell and bundles from what they already buy"
        )
        why = f"members {_pace(rhythm)}, with room to grow towards the rung above"
        return Action("upsell", what, why)
    if rhythm.new:
        return ONBOARDING
    if value.tier == "unknown":
        return Action(
            "nurture",
            "keep their current service and offers until their value is known",
            f"value per member unknown: {value.reason}",
        )
    return Action(
        "reduce cost to serve",
        "digital-only contact and lower-cost service channels",
        f"members {value.reason}",
    )


def _pace(rhythm: Rhythm) -> str:
    """Where the segment stands in its rhythm, in words a reason can carry."""
    if rhythm.active:
        return "still active"
    if np.isfinite(rhythm.overdue):
        return "due for their next order"
    return "of unknown recency"


def plays(actions: Sequence[Action]) -> list[tuple[str, list[Action]]]:
    """``actions`` grouped by play, each play once, in the order it first comes: a card
    that suggests two ways to retain says "retain" once, then both."""
    grouped: dict[str, list[Action]] = {}
    for action in actions:
        grouped.setdefault(action.play, []).append(action)
    return list(grouped.items())


def _at_least(smd: pd.Series, name: str, size: float, *, below: bool = False) -> bool:
    """Whether feature ``name``'s standardised difference is ``size`` or more (at most
    -``size`` when ``below``); an unknown one is neither."""
    value = float(smd[name]) if name in smd.index and pd.notna(smd[name]) else float("nan")
    return bool(np.isfinite(value) and (value <= -size if below else value >= size))
