"""Money per segment against the hand-computed values of the fixture (see conftest.py)."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segmint
from segmint.exceptions import SegmintError
from segmint.insight import SegmentMoney, SegmentProfile, profile, value_ladder
from segmint.insight.members import SUB_SEGMENT, crossed, features_as_of, members
from segmint.insight.money import (
    SUMS,
    customer_value,
    member_value,
    segment_money,
    unknown_without_costs,
    year_spend,
)
from segmint.mart import Mart

from .conftest import AS_OF, insert, save


def by_segment(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("segment")


def test_segment_money_matches_hand_computed_values(tiers_profile: SegmentProfile) -> None:
    money = tiers_profile.money
    seg = by_segment(money.segments)
    assert seg.loc["Gold", ["members", "orders", "revenue", "gross_margin"]].tolist() == [
        2,
        2,
        135.0,
        87.0,
    ]
    assert seg.loc["Silver", ["members", "orders", "revenue", "gross_margin"]].tolist() == [
        3,
        3,
        20.0,
        0.0,
    ]
    assert seg.loc["Bronze", ["members", "orders", "revenue", "gross_margin"]].tolist() == [
        1,
        1,
        10.0,
        6.0,
    ]
    assert seg.loc["Gold", "profit"] == 87.0 - 2 * 5.0
    assert seg.loc["Silver", "profit_per_member"] == pytest.approx(-5.0)
    assert seg.loc["Gold", "revenue_per_member"] == 67.5
    assert seg.loc["Silver", "average_order_value"] == pytest.approx(20 / 3)
    assert seg.loc["Gold", "revenue_share"] == pytest.approx(135 / 165)
    assert seg.loc["Silver", "share_of_base"] == pytest.approx(0.5)
    assert seg.loc["Silver", "margin_coverage"] == 0.0
    portfolio = money.portfolio
    assert (portfolio["members"], portfolio["revenue"], portfolio["gross_margin"]) == (6, 165, 93)
    assert portfolio["profit"] == 93.0 - 6 * 5.0


def test_value_ladder_orders_by_value_per_member_and_prices_a_step_up(
    tiers_profile: SegmentProfile,
) -> None:
    money = tiers_profile.money
    seg = money.segments
    assert seg.segment.tolist() == ["Gold", "Bronze", "Silver"]
    assert seg.next_segment.tolist()[1:] == ["Gold", "Bronze"]
    silver = by_segment(seg).loc["Silver"]
    assert silver["step_up_revenue"] == pytest.approx(0.03 * (10.0 - 20 / 3))
    assert pd.isna(by_segment(seg).loc["Gold", "step_up_revenue"])


def test_value_ladder_answers_top_tier_versus_second_tier() -> None:
    tiers = pd.DataFrame(
        {
            "segment": ["Second", "Top"],
            "members": [100_000, 1_000],
            "revenue_per_member": [200.0, 500.0],
            "profit_per_member": [50.0, 150.0],
        }
    )
    ladder = value_ladder(tiers).set_index("segment")
    assert ladder.loc["Top", "grow_revenue"] == pytest.approx(5_000.0)
    assert ladder.loc["Second", "step_up_revenue"] == pytest.approx(300_000.0)
    assert ladder.loc["Second", "step_up_profit"] == pytest.approx(100_000.0)
    assert ladder.loc["Second", "next_segment"] == "Top"


def test_value_ladder_rejects_unknown_measure() -> None:
    frame = pd.DataFrame({"segment": ["a"], "members": [1]})
    with pytest.raises(SegmintError, match="value must be 'revenue' or 'profit'; got 'margin'"):
        value_ladder(frame, "margin")  # type: ignore[arg-type]


def assert_subs_add_up(money: SegmentMoney) -> None:
    assert money.sub_segments is not None
    summed = money.sub_segments.groupby("segment")[list(SUMS)].sum()
    expected = by_segment(money.segments)[list(SUMS)].loc[summed.index]
    pd.testing.assert_frame_equal(summed, expected, check_dtype=False)


def test_sub_segments_by_a_feature_add_up_to_their_segment(tiers_profile: SegmentProfile) -> None:
    assert_subs_add_up(tiers_profile.money)
    assert tiers_profile.money.sub_segments is not None
    assert len(tiers_profile.money.sub_segments) == 5


def test_sub_segments_by_another_segmentation_add_up_to_their_segment(mart: Mart) -> None:
    who = crossed(mart, members(mart, "tiers", AS_OF), features_as_of(mart, AS_OF), "style", AS_OF)
    money = segment_money(
        member_value(who, customer_value(mart, AS_OF), 2.0), AS_OF, 2.0, sub_segment=SUB_SEGMENT
    )
    assert_subs_add_up(money)
    assert money.sub_segments is not None
    cells = money.sub_segments.set_index(["segment", "sub_segment"])
    assert cells.loc[("Silver", "offline"), "revenue"] == 20.0
    assert cells.loc[("Bronze", "unknown"), "members"] == 1


def test_sub_segment_by_region_holds_hand_values(tiers_profile: SegmentProfile) -> None:
    subs = tiers_profile.money.sub_segments
    assert subs is not None
    cells = subs.set_index(["segment", "sub_segment"])
    assert cells.loc[("Gold", "South"), "revenue"] == 90.0
    assert cells.loc[("Silver", "North"), "members"] == 2
    assert cells.loc[("Bronze", "unknown"), "revenue"] == 10.0


def test_unknown_by_lists_features_and_segmentations(mart: Mart) -> None:
    with pytest.raises(
        SegmintError, match=r"got 'planet'\. Features: .*region.*Segmentations: style, tiers"
    ):
        profile(mart, "tiers", AS_OF, by="planet")


# Integer prices keep every sum exact in float64, so the rollup must match to the last bit.
purchases = st.lists(
    st.tuples(st.integers(0, 11), st.integers(1, 5), st.integers(0, 200), st.integers(0, 60)),
    max_size=30,
)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    segments=st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=12, max_size=12),
    purchases=purchases,
    cost=st.integers(0, 20),
)
def test_segment_totals_sum_to_portfolio_on_random_assignments(
    segments: list[str], purchases: list[tuple[int, int, int, int]], cost: int
) -> None:
    with segmint.connect(":memory:") as mart:
        customers = [f"c{i}" for i in range(12)]
        insert(mart, "products", [{"product_id": "p", "category": "x", "unit_cost": 3.0}])
        orders, lines = [], []
        for n, (who, quantity, price, days_back) in enumerate(purchases):
            when = dt.datetime(2024, 6, 30, 12) - dt.timedelta(days=days_back * 10)
            orders.append({"order_id": f"o{n}", "customer_id": customers[who], "order_ts": when})
            lines.append(
                {
                    "order_id": f"o{n}",
                    "line_no": 1,
                    "product_id": "p",
                    "quantity": quantity,
                    "unit_price": price,
                }
            )
        if orders:
            insert(mart, "orders", orders)
            insert(mart, "order_lines", lines)
        save(mart, "random", AS_OF, dict(zip(customers, segments, strict=True)))
        valued = member_value(
            members(mart, "random", AS_OF), customer_value(mart, AS_OF), float(cost)
        )
        money = segment_money(valued, AS_OF, float(cost))
        for column in SUMS:
            assert money.segments[column].sum() == money.portfolio[column]
        year = [p for p in purchases if p[3] * 10 < 365]
        assert money.portfolio["revenue"] == sum(q * p for _, q, p, _ in year)
        assert money.portfolio["gross_margin"] == sum(q * (p - 3) for _, q, p, _ in year)
        assert money.portfolio["profit"] == money.portfolio["gross_margin"] - 12 * cost
        assert money.portfolio["members"] == 12


def test_customer_value_is_an_ibis_expression(mart: Mart) -> None:
    values = customer_value(mart, AS_OF)
    assert isinstance(values, ibis.Table)
    frame = values.to_pandas().set_index("customer_id")
    assert sorted(frame.index) == ["a1", "a2", "b1", "b2", "c1"]
    assert frame.loc["b2", "orders"] == 2


def test_year_spend_adds_up_to_each_customers_value(mart: Mart) -> None:
    spend = year_spend(mart, AS_OF).to_pandas()
    assert spend.groupby(["customer_id", "category"], dropna=False).size().max() == 1
    per_customer = spend.groupby("customer_id")[["revenue"]].sum()
    values = customer_value(mart, AS_OF, year_spend(mart, AS_OF)).to_pandas()
    values = values.set_index("customer_id").sort_index()
    assert values.revenue.to_dict() == pytest.approx(per_customer.revenue.to_dict())
    alone = customer_value(mart, AS_OF).to_pandas().set_index("customer_id").sort_index()
    for column in ("orders", "revenue", "costed_revenue", "gross_margin"):
        assert values[column].to_dict() == pytest.approx(alone[column].to_dict())


def test_unknown_without_costs_blanks_only_the_figures_that_need_a_cost() -> None:
    frame = pd.DataFrame(
        {"segment": ["A"], "revenue": [100.0], "margin_coverage": [0.0], "profit": [-20.0]}
    )
    blanked = unknown_without_costs(frame, known=False)
    assert blanked["profit"].isna().all()
    assert blanked[["segment", "revenue", "margin_coverage"]].equals(frame.drop(columns="profit"))
    assert frame["profit"].tolist() == [-20.0]  # the rollup's own frame keeps its zeros
    assert unknown_without_costs(frame, known=True).equals(frame)


def valued_members(costed: float) -> ibis.Table:
    """Two segments: A's member spends 100 at a margin of 10, B's 50 at a margin of 40;
    ``costed`` of each member's revenue has a known cost (0: none)."""
    frame = pd.DataFrame(
        {
            "segment": ["A", "B"],
            "members": [1, 1],
            "orders": [1, 1],
            "revenue": [100.0, 50.0],
            "costed_revenue": [100.0 * costed, 50.0 * costed],
            "gross_margin": [10.0 * costed, 40.0 * costed],
            "cost_to_serve": [5.0, 5.0],
        }
    )
    frame["profit"] = frame["gross_margin"] - frame["cost_to_serve"]
    return ibis.memtable(frame)


def test_the_ladder_by_profit_is_refused_when_no_cost_is_known() -> None:
    with pytest.raises(SegmintError, match=r"cannot be ordered by profit: no revenue .* cost"):
        segment_money(valued_members(0.0), AS_OF, 5.0, "profit")
    by_revenue = segment_money(valued_members(0.0), AS_OF, 5.0, "revenue")
    assert by_revenue.segments["segment"].tolist() == ["A", "B"]
    assert by_revenue.costs_known is False
    assert by_revenue.value == "revenue"


def test_the_ladder_by_profit_follows_profit_when_costs_are_known() -> None:
    money = segment_money(valued_members(1.0), AS_OF, 5.0, "profit")
    assert money.segments["segment"].tolist() == ["B", "A"]
    assert money.segments["profit_per_member"].tolist() == [35.0, 5.0]
    assert money.value == "profit"  # the measure is kept: what reads the ladder compares by it
