"""Persona cards for every segment of any stored segmentation, written from the data alone.

A persona turns a segment's profile (:func:`segmint.insight.profile`) into what a marketer
reads first:

* a **name** from the segment's most distinguishing features, in words that also hold on
  the segment's own rhythm (:mod:`segmint.insight.persona_names`);
* **key numbers**: members and share of the base, revenue per member and average order
  value in the year (over fewer days when the orders start within it, and said so:
  :func:`per_member_text`), mean orders, days between orders (only when most members have
  ordered twice or more: a one-order customer has no rhythm), days since the last order
  and days as a customer;
* **typical** categories and channels and a **demographic sketch**
  (:mod:`segmint.insight.persona_mix`);
* **risk judged by the segment's own rhythm** (:mod:`segmint.insight.segment_rhythm`): a
  segment is at risk when its mean days since the last order reach two usual gaps
  between orders, or when its members' mean P(alive) (stored CLV scores, where they
  exist) is below 0.5. A segment that orders every 104 days and last
  ordered 428 days ago is overdue four times over, whatever the base does. The usual gap
  is the segment's own mean days between orders when most members have ordered twice;
  a segment of mostly one-order customers has none, and is held to the base's mean gap
  (as lifecycle stages hold one-order customers to the base's typical cadence);
* **suggested actions** from a playbook (:mod:`segmint.insight.persona_playbook`) keyed on
  the segment's value (its tier, high, mid, low or unknown, by its value per member against
  the base's: :mod:`segmint.insight.persona_tiers`), its risk and its behaviour.

No language model is involved: the same profile always gives the same cards.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from segmint.insight.money import ValueMeasure
from segmint.insight.persona_mix import demographic_sketch, typical
from segmint.insight.persona_names import persona_name, trait_words
from segmint.insight.persona_playbook import Action, playbook
from segmint.insight.persona_tiers import ValueTier, value_tiers
from segmint.insight.profile import SegmentProfile, period_text
from segmint.insight.segment_alive import SegmentAlive
from segmint.insight.segment_rhythm import REPEAT_MAJORITY, Rhythm, segment_rhythm
from segmint.mart.currency import money_text

CANCELLED_MAJORITY = 0.5
"""Share of a segment without purchases that must have ordered and cancelled every order
for its persona to say so (the rest never ordered)."""


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
    value_measure: ValueMeasure = "revenue"
    """What the tier judged (the profile's ladder measure): with ``"profit"``, the card
    says the profit per member beside the revenue."""
    profit_per_member: float = float("nan")


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
    during = period_text(described.history_days, "in the year")
    tiers = value_tiers(overview, described.money.value, during)
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
        words = trait_words(described.distinguishing, segment, buyers, rhythm)
        name = persona_name(words, buyers, rhythm.cancelled)
        if name in used:
            name = f"{name} ({segment})"
        used.add(name)
        mix = described.mix[described.mix.segment == segment]
        card = _card(row, own, name, words, mix, rhythm, _row(smd, segment), tiers[segment])
        known = described.money.costs_known  # else the rollup's profit is no profit
        profit = _float(row.get("profit_per_member", float("nan"))) if known else float("nan")
        cards.append(
            replace(
                card,
                history_days=described.history_days,
                value_measure=described.money.value,
                profit_per_member=profit,
            )
        )
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
    categories = typical(mix, "category")
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
        channels=typical(mix, "channel"),
        demographics=demographic_sketch(mix),
        actions=playbook(value, rhythm, buyers, diff, categories),
        too_small=bool(row["too_small"]),
        cancelled=rhythm.cancelled,
    )


def per_member_text(card: PersonaCard) -> str:
    """What the card's values per member are over: "per member/year", or "per member over
    92 days" when the orders start within the year (the year's totals then hold only those
    days, and nothing is annualised, as the money table's title says: :func:`period_text`)."""
    return period_text(card.history_days, "per member/year", "per member")


def per_member_amounts(card: PersonaCard, currency: str | None = None) -> str:
    """The card's money per member in ``currency``: "€120.00 revenue per member/year", and
    the profit beside it when the tier judged profit ("€120.00 revenue, €30.00 profit per
    member/year"): the tier must be readable from the amounts shown."""
    amounts = f"{money_text(card.revenue_per_member, currency)} revenue"
    if card.value_measure == "profit":
        amounts += f", {money_text(card.profit_per_member, currency)} profit"
    return f"{amounts} {per_member_text(card)}"


def value_text(card: PersonaCard) -> str:
    """The card's value tier in words: "high", or "unknown (no members)" with the reason
    nothing is known, since an unknown tier alone reads as a gap in the card."""
    return f"{card.value} ({card.value_reason})" if card.value == "unknown" else card.value


def _row(frame: pd.DataFrame, segment: str) -> pd.Series:
    """The segment's row of a pivoted frame (empty when the segment has none)."""
    if segment not in frame.index:
        return pd.Series(dtype="float64")
    row = frame.loc[segment]
    return row if isinstance(row, pd.Series) else row.iloc[0]


def _own_cadence(own: pd.Series, row: Mapping[Hashable, Any]) -> float:
    """The segment's mean days between orders when most members ordered twice or more
    (``repeat_share`` of the overview; a profile without it keeps the mean), else NaN."""
    repeat = _float(row.get("repeat_share"))
    if np.isfinite(repeat) and repeat < REPEAT_MAJORITY:
        return float("nan")
    return _number(own, "interpurchase_mean_days")


def _number(values: pd.Series, name: str) -> float:
    return float(values[name]) if name in values.index and pd.notna(values[name]) else float("nan")


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float | np.number) else float("nan")
