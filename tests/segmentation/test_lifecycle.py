"""Lifecycle stages on hand-made customers and thresholds from data.

The gap before the last purchase day and the cadence before it are features, tested in
``tests/features/test_cadence.py``; here they are given per customer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd
import pytest

import segmint
from segmint.exceptions import AdvisedInputError, SegmintError
from segmint.features import build_features
from segmint.mart import TABLES
from segmint.segmentation.lifecycle import (
    STAGES,
    Thresholds,
    default_thresholds,
    lifecycle_stages,
)

# Cadence 30 days for one-order customers; active up to 1.5×, at risk up to 3×, lapsed up
# to 6× the customer's own cadence; new while the first order is at most 20 days old.
THRESHOLDS = Thresholds(typical_cadence_days=30.0, new_days=20.0, loyal_orders=4)

FEATURE_COLUMNS = (
    "customer_id",
    "frequency",
    "recency_days",
    "tenure_days",
    "interpurchase_mean_days",
    "previous_gap_days",
    "prior_cadence_days",
)

# customer: (frequency, recency, tenure, mean gap), (gap before last order, prior cadence),
# expected stage, expected cadence used.
CUSTOMERS: dict[str, tuple[tuple[Any, ...], tuple[Any, ...], str, float]] = {
    "prospect": ((0, None, None, None), (None, None), "prospect", 30.0),
    # ordered and cancelled every order: no purchase features, as a prospect, but no prospect
    "cancelled_only": ((0, None, None, None), (None, None), "cancelled only", 30.0),
    "new": ((1, 10, 10, None), (None, None), "new", 30.0),
    "new_on_the_day": ((1, 20, 20, None), (None, None), "new", 30.0),
    "new_repeat_buyer": ((3, 1, 15, 7), (7, 7), "new", 7.0),
    # back after 200 days, four times the 20-day cadence before it (3× is the threshold).
    "reactivated": ((5, 5, 400, 60), (200, 20), "reactivated", 60.0),
    # a long gap is measured against the typical cadence when nothing came before it.
    "reactivated_second_order": ((2, 3, 150, 147), (147, None), "reactivated", 147.0),
    "loyal": ((4, 10, 200, 30), (30, 30), "loyal", 30.0),
    "active_repeat": ((3, 45, 200, 30), (30, 30), "active", 30.0),
    "active_single": ((1, 45, 45, None), (None, None), "active", 30.0),
    "at_risk": ((3, 46, 200, 30), (30, 30), "at risk", 30.0),
    "at_risk_edge": ((3, 90, 200, 30), (30, 30), "at risk", 30.0),
    "lapsed": ((3, 91, 200, 30), (30, 30), "lapsed", 30.0),
    "lapsed_single": ((1, 100, 100, None), (None, None), "lapsed", 30.0),
    "lapsed_edge": ((3, 180, 300, 30), (30, 30), "lapsed", 30.0),
    "churned": ((3, 181, 300, 30), (30, 30), "churned", 30.0),
    # came back after a long gap, but has been away too long since: not reactivated.
    "came_back_then_left": ((4, 100, 500, 60), (300, 20), "at risk", 60.0),
    # several orders within a day: the cadence is at least one day.
    "same_day_buyer": ((3, 2, 25, 0.2), (1, 1), "at risk", 1.0),
}


def frames(customers: dict[str, tuple[tuple[Any, ...], tuple[Any, ...], str, float]]) -> ibis.Table:
    feats = pd.DataFrame(
        [(name, *row, *gap) for name, (row, gap, *_) in customers.items()],
        columns=FEATURE_COLUMNS,
    ).astype(
        {
            "frequency": "Int64",
            "recency_days": "Float64",
            "tenure_days": "Float64",
            "interpurchase_mean_days": "Float64",
            "previous_gap_days": "Float64",
            "prior_cadence_days": "Float64",
        }
    )
    return ibis.memtable(feats)


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


CANCELLED = ibis.memtable({"customer_id": ["cancelled_only"]})
"""The customers who ordered and cancelled every order."""


def stages_of(con: ibis.BaseBackend, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    stages = lifecycle_stages(frames(CUSTOMERS), thresholds, CANCELLED)
    return con.execute(stages).set_index("customer_id")


def test_without_the_cancelled_every_customer_without_a_purchase_is_a_prospect(
    con: ibis.BaseBackend,
) -> None:
    got = con.execute(lifecycle_stages(frames(CUSTOMERS), THRESHOLDS)).set_index("customer_id")
    assert got.segment["cancelled_only"] == got.segment["prospect"] == "prospect"


def test_each_hand_made_customer_gets_its_stage(con: ibis.BaseBackend) -> None:
    got = stages_of(con)
    assert len(got) == len(CUSTOMERS)
    expected = {name: stage for name, (_, _, stage, _) in CUSTOMERS.items()}
    assert got.segment.to_dict() == expected
    assert set(expected.values()) == set(STAGES)


def test_the_cadence_used_is_the_own_mean_gap_or_the_typical_one(con: ibis.BaseBackend) -> None:
    got = stages_of(con)
    expected = {name: cadence for name, (*_, cadence) in CUSTOMERS.items()}
    assert got.cadence_days.to_dict() == pytest.approx(expected)


def test_explicit_thresholds_move_customers_between_stages(con: ibis.BaseBackend) -> None:
    wider = Thresholds(
        typical_cadence_days=30.0,
        new_days=5.0,
        loyal_orders=3,
        active_after=2.0,
        lapsed_after=11.0,
        churned_after=12.0,
    )
    got = stages_of(con, wider).segment
    assert got["new"] == "active"  # first order 10 days ago > 5 new days; 10 ≤ 2 × 30
    assert got["active_repeat"] == "loyal"  # 3 orders are enough now
    assert got["at_risk"] == "loyal"  # 46 ≤ 2 × 30
    assert got["churned"] == "at risk"  # 181 ≤ 11 × 30
    assert got["reactivated"] == "loyal"  # a 200-day gap is not more than 11 × 20


def repeat_buyers(means: list[float | None], frequencies: list[int]) -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": [f"c{i}" for i in range(len(means))],
                "frequency": pd.array(frequencies, dtype="Int64"),
                "interpurchase_mean_days": pd.array(means, dtype="Float64"),
            }
        )
    )


def test_default_thresholds_come_from_repeat_buyers() -> None:
    # repeat buyers' mean gaps 10, 15, 20, 40, 50 → median 20; their order counts
    # 2, 6, 6, 6, 10 → 75th percentile 6. One-order customers and prospects do not count.
    table = repeat_buyers([10, 15, 20, 40, 50, None, 999, None], [2, 6, 6, 10, 6, 1, 1, 0])
    chosen = default_thresholds(table)
    assert chosen == Thresholds(typical_cadence_days=20.0, new_days=20.0, loyal_orders=6)
    assert (chosen.active_after, chosen.lapsed_after, chosen.churned_after) == (1.5, 3.0, 6.0)


def test_loyal_orders_is_at_least_3() -> None:
    chosen = default_thresholds(repeat_buyers([12, 30, 60], [2, 2, 2]))
    assert chosen.loyal_orders == 3
    assert chosen.typical_cadence_days == 30.0


def test_without_repeat_buyers_the_cadence_falls_back_to_30_days() -> None:
    chosen = default_thresholds(repeat_buyers([None, None, None], [1, 1, 0]))
    assert chosen == Thresholds(typical_cadence_days=30.0, new_days=30.0, loyal_orders=3)


def test_the_typical_cadence_is_at_least_one_day() -> None:
    chosen = default_thresholds(repeat_buyers([0.1, 0.2, 0.3], [3, 3, 3]))
    assert chosen.typical_cadence_days == 1.0


def test_given_thresholds_override_the_data() -> None:
    table = repeat_buyers([10, 20, 30], [2, 3, 8])
    chosen = default_thresholds(
        table, new_days=7, loyal_orders=9, active_after=2.0, lapsed_after=None
    )
    assert chosen.new_days == 7
    assert chosen.loyal_orders == 9
    assert chosen.active_after == 2.0
    assert chosen.lapsed_after == 3.0  # None leaves the default
    assert chosen.typical_cadence_days == 20.0
    assert chosen.as_dict()["loyal_orders"] == 9


def test_an_unknown_threshold_is_an_error_listing_the_known_ones() -> None:
    with pytest.raises(
        SegmintError,
        match=r"unknown lifecycle thresholds \['loyal_days'\]; known: \['active_after'",
    ):
        default_thresholds(repeat_buyers([10], [2]), loyal_days=3)


@pytest.mark.parametrize(
    "multipliers",
    [
        {"active_after": 3.0},
        {"active_after": 4.0},
        {"lapsed_after": 7.0},
        {"churned_after": 2.0},
        {"active_after": 2.0, "lapsed_after": 2.0, "churned_after": 9.0},
    ],
)
def test_multipliers_out_of_order_are_an_error(multipliers: dict[str, float]) -> None:
    with pytest.raises(
        SegmintError,
        match=r"lifecycle multipliers must increase: active_after < lapsed_after < churned_after; got ",
    ):
        default_thresholds(repeat_buyers([10], [2]), **multipliers)


@pytest.mark.parametrize("loyal", [0, -1])
def test_fewer_than_one_loyal_order_is_an_error_naming_the_setting(loyal: int) -> None:
    with pytest.raises(SegmintError, match=r"cannot be loyal; got -?\d orders\. Set loyal_orders"):
        default_thresholds(repeat_buyers([10], [2]), loyal_orders=loyal)
    assert default_thresholds(repeat_buyers([10], [2]), loyal_orders=1).loyal_orders == 1


def test_features_from_orders_feed_the_reactivated_stage() -> None:
    # h bought every 10 days, stayed away 120 days, came back ten days before the as-of day.
    days = ("2023-01-01", "2023-01-11", "2023-01-21", "2023-05-21")
    orders = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(days))],
            "customer_id": "h",
            "order_ts": pd.to_datetime([f"{day} 10:00" for day in days]),
            "status": "completed",
            "ingest_id": 1,
        }
    )
    schema = TABLES["orders"].ibis_schema()
    with segmint.connect(":memory:") as mart:
        frame = orders.reindex(columns=list(schema))
        mart.con.insert("orders", ibis.memtable(frame).cast(schema))
        feats = build_features(mart, dt.date(2023, 5, 31))
        got = mart.con.execute(lifecycle_stages(feats, THRESHOLDS))
    assert got.segment.tolist() == ["reactivated"]


@pytest.mark.parametrize(
    "multipliers",
    [
        {"active_after": 0.0},
        {"active_after": -1.0},
        {"active_after": -3.0, "lapsed_after": -2.0, "churned_after": -1.0},
    ],
)
def test_a_multiplier_of_zero_or_less_is_an_error_naming_the_settings(
    multipliers: dict[str, float],
) -> None:
    with pytest.raises(
        SegmintError,
        match=r"nobody is active within -?\d\.0 × their cadence since their last order: no days "
        r"or fewer\. Set active_after above 0 \(default 1\.5\), and lapsed_after and "
        r"churned_after above it\.",
    ):
        default_thresholds(repeat_buyers([10], [2]), **multipliers)
    assert default_thresholds(repeat_buyers([10], [2]), active_after=0.1).active_after == 0.1


def test_a_negative_new_days_is_an_error_and_zero_is_not() -> None:
    with pytest.raises(
        SegmintError,
        match=r"cannot be a negative number of days ago; got -1 days\. Set new_days to 0 or more",
    ):
        default_thresholds(repeat_buyers([10], [2]), new_days=-1)
    assert default_thresholds(repeat_buyers([10], [2]), new_days=0).new_days == 0


@pytest.mark.parametrize("cadence", [0.5, 0, -7, float("nan")])
def test_a_typical_cadence_under_a_day_is_an_error_naming_the_setting(cadence: float) -> None:
    with pytest.raises(
        AdvisedInputError,
        match=r"usual gap between orders cannot be shorter than a day .*; got -?(\d|nan).* "
        r"days\. Set typical_cadence_days to 1 or more",
    ):
        default_thresholds(repeat_buyers([10], [2]), typical_cadence_days=cadence)
    chosen = default_thresholds(repeat_buyers([10], [2]), typical_cadence_days=1)
    assert chosen.typical_cadence_days == 1
