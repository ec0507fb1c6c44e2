"""Persona value tiers by the amounts per member against the base's, not by rank, with
reasons that are true of the members (an unknown value is no low one, a base worth nothing
has no average member to be a multiple of)."""

from __future__ import annotations

import pandas as pd
import pytest

from segmint.insight.money import ValueMeasure
from segmint.insight.persona_tiers import (
    HIGH,
    HIGH_INDEX,
    HIGH_REASON,
    LOW,
    LOW_INDEX,
    LOW_REASON,
    MID,
    ValueTier,
    times_an_average_member,
    value_tier,
)
from segmint.insight.persona_tiers import value_tiers as tiers_with_reasons


def ladder(
    values: list[float], members: list[int] | None = None, measure: ValueMeasure = "revenue"
) -> pd.DataFrame:
    """An overview of segments "s1", "s2"… worth ``values`` per member (most first)."""
    return pd.DataFrame(
        {
            "segment": [f"s{i + 1}" for i in range(len(values))],
            "members": members or [100] * len(values),
            f"{measure}_per_member": values,
        }
    )


def value_tiers(overview: pd.DataFrame, measure: ValueMeasure) -> dict[str, str]:
    """Each segment's tier name (:func:`tiers_with_reasons` without the reasons)."""
    return {s: tier.tier for s, tier in tiers_with_reasons(overview, measure).items()}


def test_a_segment_far_below_the_mean_is_never_high_on_a_short_ladder() -> None:
    # thirds of three rungs: high, mid, low; the base is worth 35.67 per member
    tiers = value_tiers(ladder([100.0, 4.0, 3.0]), "revenue")
    assert tiers == {"s1": "high", "s2": "low", "s3": "low"}


def test_segments_close_to_the_mean_are_mid_however_long_the_ladder() -> None:
    # thirds of six rungs: two high, two mid, two low; all are within 10% of the mean
    tiers = value_tiers(ladder([105.0, 104.0, 100.0, 99.0, 96.0, 95.0]), "revenue")
    assert set(tiers.values()) == {"mid"}


def test_two_valuable_segments_of_six_leave_the_rest_low() -> None:
    tiers = value_tiers(ladder([300.0, 280.0, 20.0, 10.0, 10.0, 5.0]), "revenue")
    assert tiers == {"s1": "high", "s2": "high", "s3": "low", "s4": "low", "s5": "low",
                     "s6": "low"}  # fmt: skip


def test_the_base_is_every_member_not_the_mean_of_the_segments() -> None:
    # 1,000 members at 10 and 10 at 100: the base is worth 10.89 per member, so the big
    # segment is average ("mid"), where the bottom of two rungs read "low"
    tiers = value_tiers(ladder([100.0, 10.0], [10, 1_000]), "revenue")
    assert tiers == {"s1": "high", "s2": "mid"}


def test_equal_amounts_share_one_tier() -> None:
    tiers = value_tiers(ladder([200.0, 60.0, 60.0, 60.0, 0.0, 0.0]), "revenue")
    assert tiers["s2"] == tiers["s3"] == tiers["s4"] == "mid"
    assert tiers["s5"] == tiers["s6"] == "low"


def test_the_tier_is_read_on_the_ladders_measure() -> None:
    frame = ladder([50.0, 40.0], measure="profit").assign(revenue_per_member=[10.0, 900.0])
    assert value_tiers(frame, "profit") == {"s1": "mid", "s2": "mid"}
    assert value_tiers(frame, "revenue") == {"s1": "low", "s2": "high"}


def test_the_index_bounds() -> None:
    assert value_tier(HIGH_INDEX, 100.0) == "high"
    assert value_tier(HIGH_INDEX - 0.01, 100.0) == "mid"
    assert value_tier(LOW_INDEX, 100.0) == "mid"
    assert value_tier(LOW_INDEX - 0.01, 100.0) == "low"


@pytest.mark.parametrize(("index", "said"), [(50.0, "half"), (120.0, "1.2×"), (25.0, "0.25×")])
def test_an_index_reads_as_a_multiple_of_an_average_member(index: float, said: str) -> None:
    assert times_an_average_member(index) == said


def test_the_reasons_say_the_bounds_the_tiers_use() -> None:
    assert (HIGH_REASON, LOW_REASON) == (
        "worth at least 1.2× an average member",
        "worth under half an average member",
    )
    # a member worth 1.2 average members is high, one worth half of one is not low
    assert value_tier(1.2 * 100.0, 100.0) == "high"
    assert value_tier(0.5 * 100.0, 100.0) == "mid" and value_tier(0.49, 1.0) == "low"


@pytest.mark.parametrize("amount", [0.0, -5.0])
def test_a_segment_worth_nothing_is_low(amount: float) -> None:
    assert value_tier(amount, 100.0) == "low"
    assert value_tier(amount, -10.0) == "low"


def test_in_a_base_that_loses_money_a_segment_that_earns_is_high_and_no_multiple_is_claimed() -> (
    None
):
    tiers = tiers_with_reasons(ladder([5.0, -2.0, -10.0], measure="profit"), "profit")
    assert tiers == {
        "s1": ValueTier(
            "high",
            "who brought a profit in the year, where an average member cost more than they brought",
        ),
        "s2": ValueTier("low", "who cost more than they brought in the year"),
        "s3": ValueTier("low", "who cost more than they brought in the year"),
    }


def test_a_base_worth_nothing_says_its_members_brought_nothing_not_a_multiple_of_nothing() -> None:
    tiers = tiers_with_reasons(ladder([0.0, 0.0, 0.0]), "revenue")
    assert set(tiers.values()) == {ValueTier("low", "who brought no revenue in the year")}
    profits = tiers_with_reasons(ladder([0.0, 0.0], measure="profit"), "profit")
    assert set(profits.values()) == {ValueTier("low", "who brought no profit in the year")}


def test_reasons_name_the_money_s_period_when_it_is_not_a_year() -> None:
    tiers = tiers_with_reasons(ladder([0.0, 0.0]), "revenue", "over 90 days")
    assert set(tiers.values()) == {ValueTier("low", "who brought no revenue over 90 days")}
    losing = tiers_with_reasons(ladder([5.0, -10.0], measure="profit"), "profit", "over 90 days")
    assert losing["s2"] == ValueTier("low", "who cost more than they brought over 90 days")
    assert losing["s1"].reason.startswith("who brought a profit over 90 days, where")


def test_members_worth_nothing_beside_a_base_worth_something_are_told_what_they_brought() -> None:
    tiers = tiers_with_reasons(ladder([100.0, 40.0, 0.0]), "revenue")
    assert tiers == {
        "s1": HIGH,
        "s2": MID,
        "s3": ValueTier("low", "who brought no revenue in the year"),
    }
    assert tiers_with_reasons(ladder([100.0, 10.0]), "revenue")["s2"] == LOW


def test_a_value_that_is_not_known_is_unknown_not_low() -> None:
    assert value_tier(float("nan"), 100.0) == "unknown"
    tiers = tiers_with_reasons(ladder([50.0, float("nan")], measure="profit"), "profit")
    assert tiers["s2"] == ValueTier("unknown", "no profit per member computed")


def test_a_segment_without_members_is_of_unknown_value() -> None:
    tiers = tiers_with_reasons(ladder([50.0, float("nan")], [100, 0]), "revenue")
    assert tiers == {"s1": MID, "s2": ValueTier("unknown", "no members")}  # s1 is the base


def test_the_base_is_the_members_whose_value_is_known() -> None:
    # counted as worth nothing, the unknown segment made the base 43.33 and "s2" (30) mid;
    # the base of the members whose value is known is 65, and 30 is under half of it
    tiers = value_tiers(ladder([100.0, 30.0, float("nan")]), "revenue")
    assert tiers == {"s1": "high", "s2": "low", "s3": "unknown"}
