"""The persona playbook: plays keyed on the value tier, risk and behaviour, with reasons
that say the tier's rule."""

from __future__ import annotations

import pandas as pd

from segmint.insight.persona_playbook import playbook
from segmint.insight.persona_tiers import HIGH, LOW, MID, ValueTier
from segmint.insight.segment_rhythm import Rhythm


def test_playbook_keys_on_value_risk_and_behaviour() -> None:
    quiet = pd.Series({"discount_share": 0.0})
    active = Rhythm(cadence=50.0, usual_gap=50.0, overdue=0.5)
    assert playbook(HIGH, active, True, quiet, [])[0].play == "retain"
    assert playbook(MID, active, True, quiet, [("books", 0.5)])[0].what.endswith("books")
    assert playbook(LOW, active, True, quiet, [])[0].play == "reduce cost to serve"
    deals = playbook(HIGH, active, True, pd.Series({"discount_share": 1.2}), [])
    assert [a.play for a in deals] == ["retain", "reduce cost to serve"]
    gone = Rhythm(overdue=0.5, p_alive=0.2, risk="high", reason="mean P(alive) 0.20")
    # at risk through P(alive), not recency: the reason says so, not "long past"
    assert playbook(HIGH, gone, True, quiet, [])[0].why.endswith("at risk: mean P(alive) 0.20")


def test_playbook_reasons_say_the_tiers_rule_not_a_rank() -> None:
    # several segments can share a tier: a low one is not "the least valuable" of them all
    quiet = pd.Series({"discount_share": 0.0})
    active = Rhythm(cadence=50.0, usual_gap=50.0, overdue=0.5)
    retain = playbook(HIGH, active, True, quiet, [])[0]
    assert retain.why == "members worth at least 1.2× an average member, still active"
    cheaper = playbook(LOW, active, True, quiet, [])[0]
    assert cheaper.why == "members worth under half an average member"


def test_members_of_unknown_value_on_discount_are_not_served_at_lower_cost() -> None:
    unknown = ValueTier("unknown", "no profit per member computed")
    active = Rhythm(cadence=50.0, usual_gap=50.0, overdue=0.5)
    deals = playbook(unknown, active, True, pd.Series({"discount_share": 1.2}), [])
    assert [a.play for a in deals] == ["nurture"]
