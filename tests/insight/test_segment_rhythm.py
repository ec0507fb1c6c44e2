"""A segment's risk judged by its own rhythm: recency against cadence, mean P(alive)."""

from __future__ import annotations

import math

from segmint.insight.segment_rhythm import segment_rhythm

NAN = float("nan")


def test_risk_is_judged_by_the_segments_own_rhythm() -> None:
    # The demo's card: every 104 days, last order 428 days ago: overdue four times over,
    # although the base's gap is longer still.
    rhythm = segment_rhythm(428.0, 104.0, 900.0, NAN, 500.0)
    assert rhythm.risk == "high" and "4.1× the usual gap of 104 days" in rhythm.reason
    assert rhythm.usual_gap == rhythm.cadence == 104.0
    assert segment_rhythm(150.0, 104.0, 900.0, NAN, 60.0).risk == "medium"  # 1.4 gaps: due
    assert segment_rhythm(90.0, 104.0, 900.0, NAN, 60.0).risk == "low"  # 0.9 gaps: on rhythm
    alive = segment_rhythm(150.0, 104.0, 900.0, 0.3, 60.0)
    assert alive.risk == "high" and "P(alive) 0.30" in alive.reason  # most members gone
    assert segment_rhythm(900.0, 10.0, 900.0, 0.1, 50.0, buyers=False).risk == "low"


def test_without_a_cadence_of_its_own_a_segment_is_held_to_the_bases_gap() -> None:
    # Mostly one order each (the caller passes no cadence): 473 days since the only order
    # is 4.7 of the base's 100-day gaps, however long the base's own recency is.
    lapsed = segment_rhythm(473.0, NAN, 473.0, NAN, 100.0)
    assert lapsed.risk == "high" and math.isnan(lapsed.cadence) and lapsed.usual_gap == 100.0
    assert "mostly one order each; last order 4.7× the base's usual gap of 100 days" in (
        lapsed.reason
    )
    assert segment_rhythm(150.0, NAN, 150.0, NAN, 100.0).risk == "medium"  # 1.5 gaps
    assert segment_rhythm(99.0, NAN, 150.0, NAN, 100.0).risk == "low"  # 0.99 gaps


def test_active_lapsing_and_new_are_read_against_the_usual_gap() -> None:
    on_time = segment_rhythm(80.0, 100.0, 400.0, NAN, 50.0)
    assert on_time.active and not on_time.lapsing and not on_time.new
    due = segment_rhythm(104.0, 100.0, 400.0, NAN, 50.0)  # past one gap: due, not yet high
    assert not due.active and due.lapsing and due.risk == "medium"
    assert segment_rhythm(20.0, NAN, 30.0, NAN, 100.0).new  # joined within one usual gap
    assert not segment_rhythm(473.0, NAN, 473.0, NAN, 100.0).new
    unknown = segment_rhythm(NAN, NAN, NAN, NAN, NAN)
    assert not (unknown.active or unknown.lapsing or unknown.new)
    assert unknown.risk == "low"
