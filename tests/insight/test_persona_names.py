"""Persona names: the two strongest trait words and a noun for who the members are."""

from __future__ import annotations

import pandas as pd

from segmint.insight.persona_names import persona_name, trait_words
from segmint.insight.segment_rhythm import Rhythm


def distinguishing(**smd: float) -> pd.DataFrame:
    """A profile's distinguishing features of segment "s", strongest first."""
    rows = sorted(smd.items(), key=lambda item: -abs(item[1]))
    return pd.DataFrame(
        {"segment": "s", "feature": [f for f, _ in rows], "smd": [v for _, v in rows]}
    )


def test_the_two_strongest_words_and_the_noun_make_the_name() -> None:
    words = trait_words(
        distinguishing(frequency=1.5, discount_share=-0.8, email_opens=0.4, sessions=0.1),
        "s",
        True,
        Rhythm(),
    )
    assert words == ["Frequent", "Full-price", "E-mail-engaged"]  # sessions under 0.3
    assert persona_name(words, buyers=True) == "Frequent full-price buyers"
    assert persona_name([], buyers=False) == "Typical prospects"
    assert persona_name([], buyers=False, cancelled=True) == "Typical cancelled-only customers"


def test_prospects_get_no_purchase_words_and_rhythm_words_must_hold() -> None:
    frame = distinguishing(monetary_total=-1.0, email_opens=0.5, recency_days=-0.9)
    assert trait_words(frame, "s", False, Rhythm()) == ["E-mail-engaged"]
    lapsed = Rhythm(usual_gap=100.0, overdue=3.0)  # not within one usual gap
    assert trait_words(frame, "s", True, lapsed) == ["Low-spending", "E-mail-engaged"]
    assert "Recently active" in trait_words(frame, "s", True, Rhythm(usual_gap=100.0, overdue=0.5))
