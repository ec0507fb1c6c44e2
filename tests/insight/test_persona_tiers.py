"""Persona value tiers by the amounts per member against the base's, not by rank."""

from __future__ import annotations

import pandas as pd
import pytest

from segmint.insight.money import ValueMeasure
from segmint.insight.persona_tiers import (
    HIGH_INDEX,
    HIGH_REASON,
    LOW_INDEX,
    LOW_REASON,
    times_an_average_member,
    value_tier,
    value_tiers,
)


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


@pytest.mark.parametrize("amount", [0.0, -5.0, float("nan")])
def test_a_segment_worth_nothing_is_low(amount: float) -> None:
    assert value_tier(amount, 100.0) == "low"
    assert value_tier(amount, -10.0) == "low"


def test_in_a_base_that_loses_money_a_segment_that_earns_is_high() -> None:
    tiers = value_tiers(ladder([5.0, -2.0, -10.0], measure="profit"), "profit")
    assert tiers == {"s1": "high", "s2": "low", "s3": "low"}


def test_a_segment_without_members_is_low() -> None:
    tiers = value_tiers(ladder([50.0, float("nan")], [100, 0]), "revenue")
    assert tiers == {"s1": "mid", "s2": "low"}  # s1 is the base: index 100
