"""Persona cards for every segment of any stored segmentation, written from the data alone.

A persona turns a segment's profile (:func:`segmint.insight.profile`) into what a marketer
reads first:

* a **name** from the segment's most distinguishing features: each feature with a
  standardised mean difference of at least :data:`TRAIT_SMD` against the base contributes
  a word from a fixed vocabulary (``frequency`` high → "Frequent", ``discount_share`` low
  → "Full-price"…), the two strongest make the name, and the noun says whether the
  members buy at all ("Frequent full-price buyers", "E-mail-engaged prospects", or
  "cancelled-only customers" when they ordered and cancelled every order). The
  standardised difference is relative to the base, so the words of recency and tenure
  must also hold on the segment's own rhythm (:class:`Rhythm`): "Recently active" only
  when the last order is within one usual gap, "Lapsing" only when it is past it, "New"
  only when the members' tenure is within one usual gap;
* **key numbers**: members and share of the base, revenue per member and average order
  value in the year (over fewer days when the orders start within it, and said so:
  :func:`per_member_text`), mean orders, days between orders (only when most members have
  ordered twice or more: a one-order customer has no rhythm), days since the last order
  and days as a customer;
* **typical** categories and channels (by revenue and orders in the year, those not
  recorded left out) and a **demographic sketch** (the most common age band, gender and
  region, and the most common value of each customer attribute: income band, household
  size, tier…);
* **risk judged by the segment's own rhythm** (:mod:`segmint.insight.segment_rhythm`): a
  segment is at risk when its mean days since the last order reach two usual gaps
  between orders, or when its members' mean P(alive) (stored CLV scores, where they
  exist) is below 0.5. A segment that orders every 104 days and last
  ordered 428 days ago is overdue four times over, whatever the base does. The usual gap
  is the segment's own mean days between orders when most members have ordered twice;
  a segment of mostly one-order customers has none, and is held to the base's mean gap
  (as lifecycle stages hold one-order customers to the base's typical cadence);
* **suggested actions** from a playbook keyed on the segment's value (its tier, high, mid,
  low or unknown, by its value per member against the base's:
  :mod:`segmint.insight.persona_tiers`), its risk and its behaviour (discounts, channels,
  tenure): retain, upsell, win back, nurture, reduce cost to serve (a segment that has not
  bought: a welcome series for prospects, asking why for members who ordered and cancelled
  every order). Each reason is one the card's numbers bear out: "still active" only within
  one usual gap, "recently acquired" only for new members, a category to sell next to only
  when one is recorded.

No language model is involved: the same profile always gives the same cards.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from segmint.features.labels import labelled
from segmint.insight.members import UNKNOWN
from segmint.insight.persona_tiers import ValueTier, value_tiers
from segmint.insight.profile import SegmentProfile, period_text
from segmint.insight.segment_alive import SegmentAlive
from segmint.insight.segment_rhythm import REPEAT_MAJORITY, Rhythm, segment_rhythm

TRAIT_SMD = 0.3
"""Smallest |standardised difference| for a feature to name a segment."""

TRAITS: dict[str, tuple[str | None, str | None]] = {
    "frequency": ("Frequent", "Occasional"),
    "orders_365d": ("Frequent", "Occasional"),
    "monetary_total": ("High-spending", "Low-spending"),
    "spend_365d": ("High-spending", "Low-spending"),
    "monetary_avg": ("Big-basket", "Small-basket"),
    "recency_days": ("Lapsing", "Recently active"),
    "days_since_last_visit": ("Dormant", "Recently visiting"),
    "tenure_days": ("Long-standing", "New"),
    "discount_share": ("Deal-seeking", "Full-price"),
    "share_store": ("In-store", None),
    "share_app": ("App", None),
    "share_web": ("Online", None),
    "sessions": ("Browsing", None),
    "product_views": ("Browsing", None),
    "email_opens": ("E-mail-engaged", None),
    "n_categories": ("Multi-category", "Single-category"),
    "return_rate": ("Return-prone", None),
}
"""Feature → word when the segment is above / below the base (``None``: says nothing)."""

BUYING_TRAITS = frozenset(TRAITS) - {
    "tenure_days",
    "days_since_last_visit",
    "sessions",
    "product_views",
    "email_opens",
}
"""Traits read from purchases: they say nothing of a segment that has not bought yet
(its zeros would name prospects "Single-category" or "Low-spending")."""

NEW_WORDS = frozenset({"New"})
ACTIVE_WORDS = frozenset({"Recently active"})
LAPSING_WORDS = frozenset({"Lapsing"})
"""Trait words that claim a fact of the segment's own rhythm (see :func:`_agrees`)."""

PLAYS = ("retain", "upsell", "win back", "nurture", "reduce cost to serve")


@dataclass(frozen=True)
class Action:
    """One suggested action: the play, what to do, and why the playbook chose it."""

    play: str
    what: str
    why: str


@dataclass(frozen=True)
class PersonaCard:
    """The persona of one segment (see the module docstring).

    ``days_between_orders`` is NaN when most members have fewer than two orders;
    ``history_days`` is the days of orders behind the values per member when the orders
    start within the money's year (:attr:`SegmentProfile.history_days`), ``None`` for a
    whole year. ``value`` is the tier (high, mid, low or unknown) and ``value_reason`` its
    :attr:`ValueTier.reason <segmint.insight.persona_tiers.ValueTier.reason>`.
    """

    segment: str
    name: str
    members: int
    share: float
    revenue_per_member: float
    average_order_value: float
    orders: float
    days_between_orders: float
    days_since_last_order: float
    value: str
    risk: str
    risk_reason: str = ""
    value_reason: str = ""
    p_alive: float = float("nan")
    tenure_days: float = float("nan")
    traits: list[str] = field(default_factory=list)
    categories: list[tuple[str, float]] = field(default_factory=list)
    channels: list[tuple[str, float]] = field(default_factory=list)
    demographics: dict[str, str] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    too_small: bool = False
    history_days: int | None = None
    cancelled: bool = False
    """The members have no purchase because they ordered and cancelled every order."""


def personas_from_profile(
    described: SegmentProfile,
    p_alive: SegmentAlive | None = None,
    cancelled: pd.Series | None = None,
) -> list[PersonaCard]:
    """Persona cards from an existing profile (no further queries) and, when given, each
    segment's mean P(alive) and its share of members who ordered and cancelled every order
    (:func:`segmint.insight.segment_cancelled.segment_cancelled`): a segment without
    purchases whose members mostly did is no segment of prospects."""
    stored = p_alive or SegmentAlive()
    cancelled_share = cancelled if cancelled is not None else pd.Series(dtype="float64")
    alive = stored.means
    overview = described.overview
    means = described.features.pivot(index="segment", columns="feature", values="mean")
    smd = described.features.pivot(index="segment", columns="feature", values="smd")
    base = described.features.groupby("feature")["base_mean"].first()
    tiers = value_tiers(overview, described.money.value)
    cards, used = [], set()
    for row in overview.to_dict("records"):
        segment = str(row["segment"])
        own = _row(means, segment)
        buyers = _number(own, "frequency") >= 0.5
        rhythm = segment_rhythm(
            _number(own, "recency_days"),
            _own_cadence(own, row),
            _number(own, "tenure_days"),
            _number(alive, segment),
            _number(base, "interpurchase_mean_days"),
            buyers=buyers,
            alive_of=stored.of_whom,
            cancelled=_number(cancelled_share, segment) >= CANCELLED_MAJORITY,
        )
        words = _traits(described.distinguishing, segment, buyers, rhythm)
        name = _name(words, buyers, rhythm.cancelled)
        if name in used:
            name = f"{name} ({segment})"
        used.add(name)
        mix = described.mix[described.mix.segment == segment]
        card = _card(row, own, name, words, mix, rhythm, _row(smd, segment), tiers[segment])
        cards.append(replace(card, history_days=described.history_days))
    return cards


def _card(
    row: Mapping[Hashable, Any],
    own: pd.Series,
    name: str,
    words: list[str],
    mix: pd.DataFrame,
    rhythm: Rhythm,
    diff: pd.Series,
    value: ValueTier,
) -> PersonaCard:
    """The card of the overview ``row``, of ``value`` tier, from its feature means ``own``,
    standardised differences ``diff``, ``mix`` and ``rhythm``."""
    buyers = _number(own, "frequency") >= 0.5
    categories = _top(mix, "category")
    return PersonaCard(
        segment=str(row["segment"]),
        name=name,
        members=int(row["members"]),
        share=float(row["share_of_base"]),
        revenue_per_member=float(row["revenue_per_member"]),
        average_order_value=_float(row["average_order_value"]),
        orders=_number(own, "frequency"),
        days_between_orders=rhythm.cadence,
        days_since_last_order=_number(own, "recency_days"),
        value=value.tier,
        value_reason=value.reason,
        risk=rhythm.risk,
        risk_reason=rhythm.reason,
        p_alive=rhythm.p_alive,
        tenure_days=_number(own, "tenure_days"),
        traits=words,
        categories=categories,
        channels=_top(mix, "channel"),
        demographics=_sketch(mix),
        actions=playbook(value, rhythm, buyers, diff, categories),
        too_small=bool(row["too_small"]),
        cancelled=rhythm.cancelled,
    )


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

CANCELLED_MAJORITY = 0.5
"""Share of a segment without purchases that must have ordered and cancelled every order
for its persona to say so (the rest never ordered)."""

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


def per_member_text(card: PersonaCard) -> str:
    """What the card's values per member are over: "per member/year", or "per member over
    92 days" when the orders start within the year (the year's totals then hold only those
    days, and nothing is annualised, as the money table's title says: :func:`period_text`)."""
    return period_text(card.history_days, "per member/year", "per member")


def value_text(card: PersonaCard) -> str:
    """The card's value tier in words: "high", or "unknown (no members)" with the reason
    nothing is known, since an unknown tier alone reads as a gap in the card."""
    return f"{card.value} ({card.value_reason})" if card.value == "unknown" else card.value


def plays(actions: Sequence[Action]) -> list[tuple[str, list[Action]]]:
    """``actions`` grouped by play, each play once, in the order it first comes: a card
    that suggests two ways to retain says "retain" once, then both."""
    grouped: dict[str, list[Action]] = {}
    for action in actions:
        grouped.setdefault(action.play, []).append(action)
    return list(grouped.items())


def sketch_phrases(demographics: Mapping[str, str]) -> list[str]:
    """The demographic sketch as labelled phrases ("Age band 45–54", "CRM stage active"):
    a value alone ("active") does not say what it is the value of."""
    return [labelled(name, value) for name, value in demographics.items()]


def _row(frame: pd.DataFrame, segment: str) -> pd.Series:
    """The segment's row of a pivoted frame (empty when the segment has none)."""
    if segment not in frame.index:
        return pd.Series(dtype="float64")
    row = frame.loc[segment]
    return row if isinstance(row, pd.Series) else row.iloc[0]


def _traits(distinguishing: pd.DataFrame, segment: str, buyers: bool, rhythm: Rhythm) -> list[str]:
    """Words for the segment's distinguishing features with |smd| ≥ TRAIT_SMD, strongest first.

    A segment of prospects (``buyers`` False) gets no words from purchase features, and a
    word of recency or tenure only when the segment's ``rhythm`` bears it out (a segment
    newer than the base is not "New" when its members joined years ago).
    """
    words: list[str] = []
    rows = distinguishing[distinguishing.segment == segment]
    for feature, smd in zip(rows.feature, rows.smd, strict=True):
        if feature not in TRAITS or not np.isfinite(smd) or abs(smd) < TRAIT_SMD:
            continue
        if not buyers and feature in BUYING_TRAITS:
            continue
        word = TRAITS[feature][0 if smd > 0 else 1]
        if word is not None and word not in words and _agrees(word, rhythm):
            words.append(word)
    return words


def _agrees(word: str, rhythm: Rhythm) -> bool:
    """Whether trait ``word`` (relative to the base) also holds on the segment's ``rhythm``."""
    if word in ACTIVE_WORDS:
        return rhythm.active
    if word in LAPSING_WORDS:
        return rhythm.lapsing
    return rhythm.new if word in NEW_WORDS else True


def _name(words: list[str], buyers: bool, cancelled: bool = False) -> str:
    noun = "buyers" if buyers else "cancelled-only customers" if cancelled else "prospects"
    if not words:
        return f"Typical {noun}"
    parts = [words[0]] + [w.lower() if w[1:].islower() else w for w in words[1:2]]
    return " ".join([*parts, noun])


def _own_cadence(own: pd.Series, row: Mapping[Hashable, Any]) -> float:
    """The segment's mean days between orders when most members ordered twice or more
    (``repeat_share`` of the overview; a profile without it keeps the mean), else NaN."""
    repeat = _float(row.get("repeat_share"))
    if np.isfinite(repeat) and repeat < REPEAT_MAJORITY:
        return float("nan")
    return _number(own, "interpurchase_mean_days")


def _sketch(mix: pd.DataFrame) -> dict[str, str]:
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


def _top(mix: pd.DataFrame, dimension: str, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` largest recorded values of ``dimension`` with their shares (``unknown``,
    not recorded, is left out: it says nothing of what the members buy or where; so is a
    value under :data:`TYPICAL_SHARE`, which a card would show as 0%)."""
    known = mix[(mix.dimension == dimension) & (mix.value != UNKNOWN)]
    rows = known[known.share >= TYPICAL_SHARE].head(n)
    return [(str(v), float(s)) for v, s in zip(rows.value, rows.share, strict=True)]


def _number(values: pd.Series, name: str) -> float:
    return float(values[name]) if name in values.index and pd.notna(values[name]) else float("nan")


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float | np.number) else float("nan")


def _at_least(smd: pd.Series, name: str, size: float, *, below: bool = False) -> bool:
    value = _number(smd, name)
    return bool(np.isfinite(value) and (value <= -size if below else value >= size))
