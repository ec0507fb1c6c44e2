"""The name of a persona card: words for what sets the segment apart, and who its members are.

Each feature with a standardised mean difference of at least :data:`TRAIT_SMD` against the
base contributes a word from a fixed vocabulary (``frequency`` high → "Frequent",
``discount_share`` low → "Full-price"…), the two strongest make the name, and the noun says
whether the members buy at all ("Frequent full-price buyers", "E-mail-engaged prospects", or
"cancelled-only customers" when they ordered and cancelled every order). The standardised
difference is relative to the base, so the words of recency and tenure must also hold on
the segment's own rhythm (:class:`~segmint.insight.segment_rhythm.Rhythm`): "Recently
active" only when the last order is within one usual gap, "Lapsing" only when it is past
it, "New" only when the members' tenure is within one usual gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmint.insight.segment_rhythm import Rhythm

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


def trait_words(
    distinguishing: pd.DataFrame, segment: str, buyers: bool, rhythm: Rhythm
) -> list[str]:
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


def persona_name(words: list[str], buyers: bool, cancelled: bool = False) -> str:
    """The name of a segment with trait ``words`` (strongest first): the two strongest and a
    noun for who the members are, ``buyers``, cancelled-only customers or prospects."""
    noun = "buyers" if buyers else "cancelled-only customers" if cancelled else "prospects"
    if not words:
        return f"Typical {noun}"
    parts = [words[0]] + [w.lower() if w[1:].islower() else w for w in words[1:2]]
    return " ".join([*parts, noun])
