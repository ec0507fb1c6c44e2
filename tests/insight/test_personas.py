"""Persona cards for RFM, lifecycle and cluster segmentations of a small synthetic retailer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator

import ibis
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from segmint import workflows
from segmint.insight.money import SegmentMoney, ValueMeasure
from segmint.insight.persona_names import BUYING_TRAITS, TRAITS
from segmint.insight.persona_playbook import CANCELLED_FIRST, NURTURE_FIRST, PLAYS
from segmint.insight.personas import PersonaCard, per_member_text, personas_from_profile
from segmint.insight.profile import SegmentProfile
from segmint.mart import Mart, connect
from segmint.mart.ingest import IngestOptions, ingest
from segmint.segmentation import store
from segmint.synth import generate
from segmint.views.dashboard import Dashboard
from segmint.workflows.clusters import ClusterOptions, run_clusters
from segmint.workflows.profile import personas

from .conftest import TIERS, fill, save

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    folder = tmp_path_factory.mktemp("personas")
    tables = generate(1_500, seed=5)
    with connect(folder / "mart.duckdb") as made:
        for name in ("customers", "products", "orders", "order_lines", "events"):
            pq.write_table(tables[name], folder / f"{name}.parquet")
            ingest(made, name, folder / f"{name}.parquet", IngestOptions())
        day, features = workflows.refresh_features(made)
        workflows.run_rfm(made, day, features=features)
        workflows.run_lifecycle(made, day, features=features)
        run_clusters(made, "clusters", day, ClusterOptions(k=4, n_bootstrap=0))
        yield made


@pytest.mark.parametrize("segmentation", ["rfm", "lifecycle", "clusters"])
def test_a_card_for_every_segment(mart: Mart, segmentation: str) -> None:
    cards = personas(mart, segmentation)
    sizes = store.assignments(mart, segmentation).to_pandas().segment.value_counts()
    assert {c.segment for c in cards} == set(sizes.index)
    assert sum(c.members for c in cards) == int(sizes.sum())
    assert len({c.name for c in cards}) == len(cards)  # names tell segments apart
    for card in cards:
        assert card.name.endswith(("buyers", "prospects", ")"))
        assert card.actions and all(a.play in PLAYS for a in card.actions)
        assert card.value in ("high", "mid", "low") and card.risk in ("high", "medium", "low")
    values = [c.revenue_per_member for c in cards]
    assert values == sorted(values, reverse=True)  # most valuable first


def test_prospects_are_nurtured_and_lapsing_buyers_won_back(mart: Mart) -> None:
    cards = {c.segment: c for c in personas(mart, "lifecycle")}
    prospect = next(c for s, c in cards.items() if s.lower().startswith("prospect"))
    assert prospect.name.endswith("prospects")
    assert [a.play for a in prospect.actions] == ["nurture"]
    churned = next(c for s, c in cards.items() if s.lower() == "churned")
    assert churned.risk == "high" and churned.actions[0].play == "win back"


def test_prospects_are_not_named_after_purchases_they_have_not_made(mart: Mart) -> None:
    cards = {c.segment: c for c in personas(mart, "lifecycle")}
    prospect = next(c for s, c in cards.items() if s.lower().startswith("prospect"))
    buying_words = {w.lower() for f in BUYING_TRAITS for w in TRAITS[f] if w is not None}
    named = {w.lower() for w in (*prospect.traits, *prospect.name.split())}
    assert not buying_words & named
    loyal = next(c for s, c in cards.items() if s.lower() == "loyal")
    assert buying_words & {w.lower() for w in loyal.traits}  # buyers still get purchase words


# Hand-built profiles: a base whose repeat buyers order every 100 days on average.
BASE = {"frequency": 2.0, "recency_days": 300.0, "interpurchase_mean_days": 100.0,
        "tenure_days": 600.0, "discount_share": 0.1}  # fmt: skip


def segment(
    name: str,
    rank: int,
    means: dict[str, float],
    smd: dict[str, float],
    repeat_share: float = 1.0,
    mix: tuple[tuple[str, str, float], ...] = (),
) -> dict[str, object]:
    """One segment of a hand-built profile: its ladder rank, feature means, standardised
    differences, share of repeat buyers and (dimension, value, share) mix rows."""
    return {"segment": name, "rank": rank, "means": {**BASE, **means}, "smd": smd,
            "repeat_share": repeat_share, "mix": mix}  # fmt: skip


def hand_profile(*segments: dict[str, object], value: ValueMeasure = "revenue") -> SegmentProfile:
    """A profile holding only what personas read, from :func:`segment` rows, its ladder
    ordered by ``value``: 100 per member on the first rung, 25 on the second, 11 on the
    third (each far enough from the base's mean to be high, mid and low of three)."""
    overview = pd.DataFrame(
        {"segment": s["segment"], "members": 100, "share_of_base": 1 / len(segments),
         "revenue_per_member": 100.0 / int(str(s["rank"])) ** 2, "average_order_value": 50.0,
         "value_rank": s["rank"], "too_small": False, "repeat_share": s["repeat_share"]}
        for s in segments
    )  # fmt: skip
    features = pd.DataFrame(
        {"segment": s["segment"], "feature": f, "mean": m, "base_mean": BASE[f],
         "smd": s["smd"].get(f, 0.0)}  # type: ignore[attr-defined]
        for s in segments for f, m in s["means"].items()  # type: ignore[attr-defined]
    )  # fmt: skip
    distinguishing = features[features.smd != 0].copy()
    distinguishing = distinguishing.assign(size=distinguishing.smd.abs()).sort_values(
        ["segment", "size"], ascending=[True, False]
    )
    mix = pd.DataFrame(
        [(s["segment"], d, v, "revenue", 1.0, share)
         for s in segments for d, v, share in s["mix"]],  # type: ignore[attr-defined]
        columns=["segment", "dimension", "value", "measure", "amount", "share"],
    )  # fmt: skip
    costs = pd.Series({"revenue": 1.0, "costed_revenue": 1.0})  # every cost known
    money = SegmentMoney(dt.date(2024, 6, 30), 0.0, overview, costs, value=value)
    return SegmentProfile(
        segmentation="hand", as_of=dt.date(2024, 6, 30), by=None, money=money,
        overview=overview, features=features, distinguishing=distinguishing.drop(columns="size"),
        mix=mix, statistics=pd.DataFrame(), n_tested=0, n_base=100 * len(segments),
        small=pd.DataFrame(),
    )  # fmt: skip


def cards_of(*segments: dict[str, object]) -> dict[str, PersonaCard]:
    return {c.segment: c for c in personas_from_profile(hand_profile(*segments))}


def said(card: PersonaCard) -> str:
    """Everything the card says in words: name, traits and actions."""
    actions = " ".join(f"{a.play} {a.what} {a.why}" for a in card.actions)
    return f"{card.name} {' '.join(card.traits)} {actions}".lower()


FILLER = segment("Top", 1, {"frequency": 6.0, "recency_days": 30.0}, {"frequency": 1.5})
BOTTOM = segment("Bottom", 3, {"frequency": 1.0}, {}, repeat_share=0.0)


def test_members_of_unknown_value_are_not_served_as_low_value_ones() -> None:
    # no revenue per member for "Middle" (say its money was not computed): it is no low tier
    middle = segment("Middle", 2, {"frequency": 2.0, "recency_days": 30.0}, {})  # not at risk
    described = hand_profile(FILLER, middle, BOTTOM)
    described.overview["revenue_per_member"] = [100.0, float("nan"), 1.0]
    unknown = {c.segment: c for c in personas_from_profile(described)}["Middle"]
    assert (unknown.value, unknown.value_reason) == ("unknown", "no revenue per member computed")
    assert [a.play for a in unknown.actions] == ["nurture"]
    assert unknown.actions[0].why == "value per member unknown: no revenue per member computed"
    assert "average member" not in said(unknown) and "cost to serve" not in said(unknown)


def test_a_base_worth_nothing_gives_no_reason_against_an_average_member() -> None:
    # no revenue in the year anywhere: every segment is low, for what its members brought
    described = hand_profile(FILLER, segment("Middle", 2, {"frequency": 2.0}, {}), BOTTOM)
    described.overview["revenue_per_member"] = 0.0
    cards = personas_from_profile(described)
    assert {card.value for card in cards} == {"low"}
    whys = {action.why for card in cards for action in card.actions}
    assert "members who brought no revenue in the year" in whys
    assert not any("average member" in why for why in whys)


CDNOW_LADDER = (
    ("Champions", 7_936, 132.12), ("Loyal", 3_118, 6.68), ("Potential Loyalist", 9, 4.11),
    ("About to Sleep", 1_440, 0.0), ("At Risk", 1_509, 0.0), ("Can't Lose Them", 124, 0.0),
    ("Hibernating", 3_816, 0.0), ("Lost", 3_998, 0.0), ("Need Attention", 1_620, 0.0),
)  # fmt: skip
"""CDNOW's RFM segments as of 1998-06-30: members and revenue per member in the year."""


def test_value_tiers_say_what_the_amounts_say_not_the_rank() -> None:
    # by thirds of the nine-rung ladder, "Loyal" (6.68 per member) and "Potential
    # Loyalist" (4.11) read "value high" beside "Champions" (132.12), in a base worth 45.37
    rows = [segment(name, i + 1, {}, {}) for i, (name, _, _) in enumerate(CDNOW_LADDER)]
    described = hand_profile(*rows)
    described.overview["members"] = [members for _, members, _ in CDNOW_LADDER]
    described.overview["revenue_per_member"] = [value for _, _, value in CDNOW_LADDER]
    cards = {card.segment: card for card in personas_from_profile(described)}
    assert cards["Champions"].value == "high"
    assert {s: c.value for s, c in cards.items() if s != "Champions"} == dict.fromkeys(
        [name for name, _, _ in CDNOW_LADDER[1:]], "low"
    )  # the six segments without revenue in the year alike, whatever their names
    assert "valuable" not in said(cards["Loyal"])


@pytest.mark.parametrize(("measure", "other"), [("revenue", "profit"), ("profit", "revenue")])
def test_segments_equal_on_the_ladders_measure_share_one_tier_whatever_the_other(
    measure: ValueMeasure, other: ValueMeasure
) -> None:
    # "B" and "C" are equal on the measure that orders the ladder (listed by name), and
    # differ on the other: that one orders nothing, so it must not split their tier
    rows = (segment("A", 1, {}, {}), segment("B", 2, {}, {}), segment("C", 3, {}, {}))
    described = hand_profile(*rows, value=measure)
    described.overview[f"{measure}_per_member"] = [100.0, 40.0, 40.0]
    described.overview[f"{other}_per_member"] = [100.0, 30.0, 50.0]
    cards = personas_from_profile(described)
    tiers = {card.segment: card.value for card in cards}
    assert tiers["B"] == tiers["C"]
    assert {card.value_measure for card in cards} == {measure}
    profits = [card.profit_per_member for card in cards]
    assert profits == described.overview.profit_per_member.tolist()


def test_members_newer_than_the_base_are_not_called_new_when_they_joined_long_ago() -> None:
    # CDNOW's "About to Sleep": one order each, 473 days ago, and newer than the base.
    sleepy = segment(
        "About to Sleep", 2,
        {"frequency": 1.0, "recency_days": 473.0, "tenure_days": 473.0,
         "interpurchase_mean_days": float("nan")},
        {"tenure_days": -0.6}, repeat_share=0.0,
    )  # fmt: skip
    card = cards_of(FILLER, sleepy, BOTTOM)["About to Sleep"]
    assert "new" not in said(card).split() and "onboarding" not in said(card)
    assert "recently acquired" not in said(card)
    assert card.risk == "high" and card.actions[0].play == "win back"  # 4.7 of the base's gaps
    assert "active" not in said(card)


def test_members_who_joined_within_one_usual_gap_are_new_and_onboarded() -> None:
    fresh = segment(
        "Fresh", 3, {"frequency": 1.0, "recency_days": 20.0, "tenure_days": 25.0},
        {"tenure_days": -1.2}, repeat_share=0.0,
    )  # fmt: skip
    card = cards_of(FILLER, BOTTOM | {"rank": 2}, fresh)["Fresh"]
    assert card.name.startswith("New") and card.risk == "low"
    # low value because they have only just started: onboarded, not served at lower cost
    assert [a.play for a in card.actions] == ["nurture"]
    assert card.actions[0].why == "recently acquired members"
    younger = segment(  # half the base's tenure, but three usual gaps: not newly acquired
        "Younger", 3, {"recency_days": 50.0, "tenure_days": 300.0}, {"tenure_days": -0.6}
    )
    card = cards_of(FILLER, BOTTOM | {"rank": 2}, younger)["Younger"]
    assert card.risk == "low" and not card.name.startswith("New")
    assert [a.play for a in card.actions] == ["reduce cost to serve"]


def test_recently_active_and_still_active_only_within_one_usual_gap() -> None:
    # CDNOW's "Potential Loyalist": every 246 days, last order 260 days ago.
    due = segment(
        "Due", 1, {"recency_days": 260.0, "interpurchase_mean_days": 246.0},
        {"recency_days": -0.5, "monetary_avg": -0.4},
    )  # fmt: skip
    on_time = segment(
        "On time", 2, {"recency_days": 100.0, "interpurchase_mean_days": 246.0},
        {"recency_days": -0.8},
    )  # fmt: skip
    cards = cards_of(due, on_time, BOTTOM)
    assert "Recently active" not in cards["Due"].traits
    assert cards["Due"].risk == "medium" and "still active" not in said(cards["Due"])
    assert cards["On time"].risk == "low"
    assert "due for their next order" in cards["Due"].actions[0].why
    assert cards["On time"].name.startswith("Recently active")
    assert "still active" in cards["On time"].actions[0].why


def test_a_segment_is_lapsing_only_past_its_usual_gap() -> None:
    slow = segment(  # later than the base, but its members order once a year
        "Yearly", 2, {"recency_days": 200.0, "interpurchase_mean_days": 365.0},
        {"recency_days": 0.9},
    )  # fmt: skip
    card = cards_of(FILLER, slow, BOTTOM)["Yearly"]
    assert "Lapsing" not in card.traits and card.risk == "low"


def test_no_cadence_is_shown_when_most_members_have_one_order() -> None:
    # CDNOW's "Lost": one order each, yet "every 2 days" from the few same-week repeats.
    lost = segment(
        "Lost", 3, {"frequency": 1.0, "recency_days": 527.0, "tenure_days": 530.0,
                    "interpurchase_mean_days": 2.0},
        {"recency_days": 1.0}, repeat_share=0.02,
    )  # fmt: skip
    card = cards_of(FILLER, BOTTOM | {"rank": 2}, lost)["Lost"]
    assert math.isnan(card.days_between_orders)
    assert "263" not in card.risk_reason and "the base's usual gap of 100 days" in card.risk_reason
    regular = cards_of(FILLER, BOTTOM | {"rank": 2})["Top"]
    assert regular.days_between_orders == 100.0  # mostly repeat buyers: their own cadence


def test_unknown_categories_and_channels_are_not_shown_or_sold_next_to() -> None:
    unknown = (("category", "unknown", 1.0), ("channel", "unknown", 1.0))
    blind = segment("Blind", 2, {"recency_days": 50.0}, {}, mix=unknown)
    card = cards_of(FILLER, blind, BOTTOM)["Blind"]
    assert card.categories == [] and card.channels == []
    assert card.actions[0].play == "upsell" and "unknown" not in said(card)
    partly = (("category", "unknown", 0.6), ("category", "books", 0.4), ("channel", "web", 1.0))
    known = cards_of(FILLER, segment("Books", 2, {"recency_days": 50.0}, {}, mix=partly), BOTTOM)
    assert known["Books"].categories == [("books", 0.4)]
    assert known["Books"].actions[0].what.endswith("next to books")


def test_a_channel_almost_nobody_uses_is_not_shown_as_typical() -> None:
    # "via: web 100%, store 0%": a share that rounds to 0% says nothing typical.
    mix = (("channel", "web", 0.997), ("channel", "store", 0.003), ("category", "books", 1.0))
    online = segment("Online", 2, {"recency_days": 50.0}, {}, mix=mix)
    card = cards_of(FILLER, online, BOTTOM)["Online"]
    assert card.channels == [("web", 0.997)]


def test_cards_use_mean_p_alive_where_clv_scores_exist(mart: Mart) -> None:
    day = store.as_of_dates(mart, "lifecycle")[-1]
    members = store.assignments(mart, "lifecycle", day).to_pandas()
    loyal = members.segment.str.lower() == "loyal"
    scores = pd.DataFrame(
        {
            "customer_id": members.customer_id,
            "as_of": day,
            "model": "bgnbd",
            "score_name": "p_alive",
            "value": np.where(loyal, 0.2, 0.9),
        }
    )
    before = {c.segment: c for c in personas(mart, "lifecycle")}
    assert before["loyal"].risk == "low" and np.isnan(before["loyal"].p_alive)
    mart.con.insert("scores", ibis.memtable(scores))
    try:
        cards = {c.segment: c for c in personas(mart, "lifecycle")}
        shown = Dashboard().personas(mart, "lifecycle")["loyal"]
    finally:
        mart.delete("scores", model="bgnbd", score_name="p_alive")
    assert shown["churn_risk"].startswith("high (") and "P(alive) 0.20" in shown["churn_risk"]
    assert cards["loyal"].p_alive == pytest.approx(0.2)
    assert cards["loyal"].risk == "high" and "P(alive) 0.20" in cards["loyal"].risk_reason
    assert cards["loyal"].actions[0].play == "win back"


def test_values_per_member_of_a_history_shorter_than_a_year_say_over_how_many_days() -> None:
    described = hand_profile(FILLER, BOTTOM | {"rank": 2})
    assert [per_member_text(c) for c in personas_from_profile(described)] == ["per member/year"] * 2
    # the orders start on 2024-04-01: the year to 2024-06-30 holds 91 days of them
    short = dataclasses.replace(described, history_start=dt.date(2024, 4, 1))
    cards = personas_from_profile(short)
    assert {c.history_days for c in cards} == {91}
    assert {per_member_text(c) for c in cards} == {"per member over 91 days"}
    nothing = short.overview.assign(revenue_per_member=0.0)  # a base worth nothing
    reasons = {
        c.value_reason for c in personas_from_profile(dataclasses.replace(short, overview=nothing))
    }
    assert reasons == {"who brought no revenue over 91 days"}


def test_cards_of_a_mart_with_a_few_months_of_orders_say_so() -> None:
    # the hand-made mart's orders start on 2023-07-01: as of 2023-09-30 there are 92 days
    day = dt.date(2023, 9, 30)
    with connect(":memory:") as made:
        fill(made)
        save(made, "tiers", day, TIERS)
        cards = personas(made, "tiers", day)
        shown = Dashboard().personas(made, "tiers", day)
    assert cards and {c.history_days for c in cards} == {92}
    assert shown and all(
        card["value"].endswith(" revenue per member over 92 days") for card in shown.values()
    )


def test_members_who_cancelled_every_order_are_asked_why_not_welcomed() -> None:
    never = segment("Prospect", 2, {"frequency": 0.0}, {}, repeat_share=0.0)
    cancelled = segment("Cancelled only", 3, {"frequency": 0.0}, {}, repeat_share=0.0)
    described = hand_profile(FILLER, never, cancelled)
    shares = pd.Series({"Cancelled only": 1.0, "Prospect": 0.0})
    cards = {c.segment: c for c in personas_from_profile(described, cancelled=shares)}
    welcomed, asked = cards["Prospect"], cards["Cancelled only"]
    assert welcomed.actions == [NURTURE_FIRST] and not welcomed.cancelled
    assert welcomed.risk_reason == "no orders yet"
    assert asked.actions == [CANCELLED_FIRST] and asked.cancelled
    assert asked.name.endswith("cancelled-only customers")
    assert asked.risk_reason == "ordered, then cancelled every order"
    assert "welcome" not in said(asked) and "not bought yet" not in said(asked)
