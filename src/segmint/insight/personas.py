"""Persona cards for every segment of any stored segmentation, written from the data alone.

A persona turns a segment's profile (:func:`segmint.insight.profile`) into what a marketer
reads first:

* a **name** from the segment's most distinguishing features: each feature with a
  standardised mean difference of at least :data:`TRAIT_SMD` against the base contributes
  a word from a fixed vocabulary (``frequency`` high → "Frequent", ``discount_share`` low
  → "Full-price"…), the two strongest make the name, and the noun says whether the
  members buy at all ("Frequent full-price buyers", "E-mail-engaged prospects");
* **key numbers**: members and share of the base, revenue per member and average order
  value in the year, mean orders, days between orders and days since the last order;
* **typical** categories and channels (by revenue and orders in the year) and a
  **demographic sketch** (the most common age band, gender and region, and the most
  common value of each customer attribute: income band, household size, tier…);
* **risk judged by the segment's own rhythm** (:func:`rhythm_risk`): a segment is at
  risk when its mean days since the last order reach :data:`OVERDUE` times its own mean
  days between orders, or when its members' mean P(alive) (stored CLV scores, where they
  exist) is below :data:`ALIVE_LIMIT`. A segment that orders every 104 days and last
  ordered 428 days ago is overdue four times over, whatever the base does. Only a segment
  without a cadence (one order each) is compared with the base's recency;
* **suggested actions** from a playbook keyed on the segment's value (its rung on the
  value ladder: top, middle or bottom third), its risk and its behaviour (discounts,
  channels, tenure): retain, upsell, win back, nurture, reduce cost to serve.

No language model is involved: the same profile always gives the same cards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmint.features.asof import AsOf
from segmint.insight.members import UNKNOWN
from segmint.insight.profile import SegmentProfile, profile
from segmint.insight.segment_alive import segment_p_alive
from segmint.mart import Mart

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

OVERDUE = 2.0
"""Days since the last order, in multiples of the segment's own days between orders, from
which a segment is at risk: for a steady (Poisson) buyer two gaps pass without an order
about one time in seven (e^-2)."""

ALIVE_LIMIT = 0.5
"""Mean P(alive) below which a segment is at risk: more of its members gone than active."""

BASE_RECENCY = 1.5
"""Without a cadence (one order each), a segment is at risk from this multiple of the
base's mean recency."""

PLAYS = ("retain", "upsell", "win back", "nurture", "reduce cost to serve")


@dataclass(frozen=True)
class Action:
    """One suggested action: the play, what to do, and why the playbook chose it."""

    play: str
    what: str
    why: str


@dataclass(frozen=True)
class PersonaCard:
    """The persona of one segment (see the module docstring)."""

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
    p_alive: float = float("nan")
    traits: list[str] = field(default_factory=list)
    categories: list[tuple[str, float]] = field(default_factory=list)
    channels: list[tuple[str, float]] = field(default_factory=list)
    demographics: dict[str, str] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    too_small: bool = False


def personas(
    mart: Mart, segmentation: str, as_of: AsOf | None = None, *, min_share: float = 0.01
) -> list[PersonaCard]:
    """Persona cards of every segment of ``segmentation`` as of ``as_of``, most valuable first."""
    described = profile(mart, segmentation, as_of, min_share=min_share)
    return personas_from_profile(described, segment_p_alive(mart, segmentation, described.as_of))


def personas_from_profile(
    described: SegmentProfile, p_alive: pd.Series | None = None
) -> list[PersonaCard]:
    """Persona cards from an existing profile (no further queries) and, when given, each
    segment's mean P(alive)."""
    alive = p_alive if p_alive is not None else pd.Series(dtype="float64")
    overview = described.overview
    means = described.features.pivot(index="segment", columns="feature", values="mean")
    smd = described.features.pivot(index="segment", columns="feature", values="smd")
    base = described.features.groupby("feature")["base_mean"].first()
    n = len(overview)
    cards, used = [], set()
    for row in overview.to_dict("records"):
        segment = str(row["segment"])
        own, diff = _row(means, segment), _row(smd, segment)
        buyers = _number(own, "frequency") >= 0.5
        words = _traits(described.distinguishing, segment, buyers)
        name = _name(words, buyers)
        if name in used:
            name = f"{name} ({segment})"
        used.add(name)
        value = _value_tier(int(row["value_rank"]), n)
        risk, reason = rhythm_risk(
            _number(own, "recency_days"),
            _number(own, "interpurchase_mean_days"),
            _number(alive, segment),
            _number(base, "recency_days"),
            buyers=buyers,
        )
        mix = described.mix[described.mix.segment == segment]
        categories = _top(mix, "category")
        cards.append(
            PersonaCard(
                segment=segment,
                name=name,
                members=int(row["members"]),
                share=float(row["share_of_base"]),
                revenue_per_member=float(row["revenue_per_member"]),
                average_order_value=_float(row["average_order_value"]),
                orders=_number(own, "frequency"),
                days_between_orders=_number(own, "interpurchase_mean_days"),
                days_since_last_order=_number(own, "recency_days"),
                value=value,
                risk=risk,
                risk_reason=reason,
                p_alive=_number(alive, segment),
                traits=words,
                categories=categories,
                channels=_top(mix, "channel"),
                demographics=_sketch(mix),
                actions=playbook(value, risk, buyers, diff, categories),
                too_small=bool(row["too_small"]),
            )
        )
    return cards


NURTURE_FIRST = Action(
    "nurture", "welcome series with a first-purchase incentive", "members have not bought yet"
)
"""The one play for a segment whose members have not bought yet."""

MAIN_PLAYS: dict[tuple[str, str], Action] = {
    ("high", "high"): Action(
        "win back",
        "personal outreach and a service check before offering discounts",
        "valuable members whose last order is long past",
    ),
    ("*", "high"): Action(
        "win back",
        "reactivation offer with an end date",
        "members are overdue: their last order is long past their own rhythm",
    ),
    ("high", "*"): Action(
        "retain",
        "loyalty perks, early access and recognition; no blanket discounts",
        "the most valuable members per head, still active",
    ),
    ("low", "*"): Action(
        "reduce cost to serve",
        "digital-only contact and lower-cost service channels",
        "least valuable per member",
    ),
}
"""The main play by (value, risk), most specific first; ``*`` matches any. A mid-value
segment at low risk is upsold next to its top category (:func:`playbook`)."""

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
    (
        "tenure_days",
        True,
        Action(
            "nurture",
            "onboarding journey with a second-purchase offer",
            "recently acquired members",
        ),
    ),
    (
        "email_opens",
        False,
        Action("retain", "reach them by e-mail first", "they open e-mails more than the base"),
    ),
)
"""Extra plays for a feature well above (or, when True, below) the base."""


def playbook(
    value: str,
    risk: str,
    buyers: bool,
    smd: pd.Series,
    categories: list[tuple[str, float]],
) -> list[Action]:
    """Suggested actions for a segment of ``value`` (high/mid/low) and ``risk`` (high/low)."""
    if not buyers:
        return [NURTURE_FIRST]
    actions = [_main_play(value, risk, categories)]
    for feature, below, action in TRAIT_PLAYS:
        if feature == "tenure_days" and risk == "high":
            continue  # recently acquired but drifting: the win-back play says it
        if _at_least(smd, feature, TRAIT_SMD, below=below):
            actions.append(action)
    return actions


def _main_play(value: str, risk: str, categories: list[tuple[str, float]]) -> Action:
    """The first play of a segment of buyers (:data:`MAIN_PLAYS`, or an upsell)."""
    for key in ((value, risk), ("*", risk), (value, "*")):
        if key in MAIN_PLAYS:
            return MAIN_PLAYS[key]
    if value == "mid":
        top = categories[0][0] if categories else "their favourite category"
        return Action(
            "upsell",
            f"cross-sell and bundles next to {top}",
            "active members with room to grow towards the rung above",
        )
    return MAIN_PLAYS[("low", "*")]


def _row(frame: pd.DataFrame, segment: str) -> pd.Series:
    """The segment's row of a pivoted frame (empty when the segment has none)."""
    if segment not in frame.index:
        return pd.Series(dtype="float64")
    row = frame.loc[segment]
    return row if isinstance(row, pd.Series) else row.iloc[0]


def _traits(distinguishing: pd.DataFrame, segment: str, buyers: bool) -> list[str]:
    """Words for the segment's distinguishing features with |smd| ≥ TRAIT_SMD, strongest first.

    A segment of prospects (``buyers`` False) gets no words from purchase features.
    """
    words: list[str] = []
    rows = distinguishing[distinguishing.segment == segment]
    for feature, smd in zip(rows.feature, rows.smd, strict=True):
        if feature not in TRAITS or not np.isfinite(smd) or abs(smd) < TRAIT_SMD:
            continue
        if not buyers and feature in BUYING_TRAITS:
            continue
        word = TRAITS[feature][0 if smd > 0 else 1]
        if word is not None and word not in words:
            words.append(word)
    return words


def _name(words: list[str], buyers: bool) -> str:
    noun = "buyers" if buyers else "prospects"
    if not words:
        return f"Typical {noun}"
    parts = [words[0]] + [w.lower() if w[1:].islower() else w for w in words[1:2]]
    return " ".join([*parts, noun])


def _value_tier(rank: int, n: int) -> str:
    if rank <= max(1, round(n / 3)):
        return "high"
    return "low" if rank > n - max(1, round(n / 3)) else "mid"


def rhythm_risk(
    recency: float, cadence: float, p_alive: float, base_recency: float, *, buyers: bool = True
) -> tuple[str, str]:
    """``("high" | "low", why)``: the segment's risk judged by its own rhythm.

    High when the mean days since the last order (``recency``) reach :data:`OVERDUE` times
    the mean days between orders (``cadence``), or the mean P(alive) is below
    :data:`ALIVE_LIMIT`; without a cadence, when recency reaches :data:`BASE_RECENCY` times
    the base's. Prospects (no orders) are never at risk: they have not started.
    """
    if not buyers:
        return "low", "no orders yet"
    reasons, high = [], False
    if np.isfinite(recency) and np.isfinite(cadence) and cadence > 0:
        overdue = recency / cadence
        high = overdue >= OVERDUE
        reasons.append(f"last order {overdue:.1f}× the usual gap of {cadence:.0f} days")
    elif np.isfinite(recency) and np.isfinite(base_recency) and base_recency > 0:
        high = recency >= BASE_RECENCY * base_recency
        reasons.append(f"no repeat orders; recency {recency / base_recency:.1f}× the base's")
    if np.isfinite(p_alive):
        high = high or p_alive < ALIVE_LIMIT
        reasons.append(f"mean P(alive) {p_alive:.2f}")
    return ("high" if high else "low"), "; ".join(reasons) or "no recency known"


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


def _top(mix: pd.DataFrame, dimension: str, n: int = 3) -> list[tuple[str, float]]:
    rows = mix[mix.dimension == dimension].head(n)
    return [(str(v), float(s)) for v, s in zip(rows.value, rows.share, strict=True)]


def _number(values: pd.Series, name: str) -> float:
    return float(values[name]) if name in values.index and pd.notna(values[name]) else float("nan")


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float | np.number) else float("nan")


def _at_least(smd: pd.Series, name: str, size: float, *, below: bool = False) -> bool:
    value = _number(smd, name)
    return bool(np.isfinite(value) and (value <= -size if below else value >= size))
