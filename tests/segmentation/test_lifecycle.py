"""Lifecycle stages on hand-made customers, thresholds from data, and the gap before the last order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import SegmintError
from segmint.segmentation.lifecycle import (
    STAGES,
    Thresholds,
    default_thresholds,
    lifecycle_stages,
    previous_gaps,
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
)
GAP_COLUMNS = ("customer_id", "previous_gap_days", "prior_cadence_days")

# customer: (frequency, recency, tenure, mean gap), (gap before last order, prior cadence),
# expected stage, expected cadence used.
CUSTOMERS: dict[str, tuple[tuple[Any, ...], tuple[Any, ...], str, float]] = {
    "prospect": ((0, None, None, None), (None, None), "prospect", 30.0),
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


def frames(
    customers: dict[str, tuple[tuple[Any, ...], tuple[Any, ...], str, float]],
) -> tuple[ibis.Table, ibis.Table]:
    feats = pd.DataFrame(
        [(name, *row) for name, (row, *_) in customers.items()], columns=FEATURE_COLUMNS
    ).astype(
        {
            "frequency": "Int64",
            "recency_days": "Float64",
            "tenure_days": "Float64",
            "interpurchase_mean_days": "Float64",
        }
    )
    gaps = pd.DataFrame(
        [(name, *gap) for name, (_, gap, *_) in customers.items() if gap[0] is not None],
        columns=GAP_COLUMNS,
    ).astype({"previous_gap_days": "Float64", "prior_cadence_days": "Float64"})
    return ibis.memtable(feats), ibis.memtable(gaps)


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def stages_of(con: ibis.BaseBackend, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    feats, gaps = frames(CUSTOMERS)
    return con.execute(lifecycle_stages(feats, gaps, thresholds)).set_index("customer_id")


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


def test_a_customer_without_a_row_of_gaps_is_staged_on_features_alone(
    con: ibis.BaseBackend,
) -> None:
    feats, _ = frames(CUSTOMERS)
    no_gaps = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": pd.Series([], dtype="string"),
                "previous_gap_days": pd.Series([], dtype="Float64"),
                "prior_cadence_days": pd.Series([], dtype="Float64"),
            }
        )
    )
    got = con.execute(lifecycle_stages(feats, no_gaps, THRESHOLDS)).set_index("customer_id")
    assert got.segment["loyal"] == "loyal"
    assert got.segment["reactivated"] == "loyal"


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


AS_OF_END = dt.datetime(2023, 6, 1)


def order_rows(rows: list[tuple[str, str, str | None]]) -> ibis.Table:
    """Orders from (customer, timestamp, status) rows."""
    frame = pd.DataFrame(rows, columns=["customer_id", "order_ts", "status"])
    frame["order_id"] = [f"o{i}" for i in range(len(rows))]
    frame["order_ts"] = pd.to_datetime(frame.order_ts)
    frame["status"] = frame.status.astype("string")
    return ibis.memtable(frame)


def gaps_of(con: ibis.BaseBackend, rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    table = previous_gaps(order_rows(rows), ibis.timestamp(AS_OF_END))
    return con.execute(table).set_index("customer_id").sort_index()


def test_previous_gaps_on_hand_made_orders(con: ibis.BaseBackend) -> None:
    got = gaps_of(
        con,
        [
            # a: order days Jan 1, Jan 11, Jan 31, Apr 30 → gaps 10, 20, 89.
            ("a", "2023-01-01 09:00", "completed"),
            ("a", "2023-01-11 18:00", "completed"),
            ("a", "2023-01-31 08:00", "returned"),
            ("a", "2023-04-30 23:59", "completed"),
            # b: two orders on one day count as one day; then 14 days later.
            ("b", "2023-02-01 08:00", "completed"),
            ("b", "2023-02-01 20:00", "completed"),
            ("b", "2023-02-15 10:00", "completed"),
            # c: one order, no gap.
            ("c", "2023-03-03 10:00", "completed"),
            # d: a cancelled order in the middle is ignored: Jan 1 → Jan 21.
            ("d", "2023-01-01 10:00", "completed"),
            ("d", "2023-01-11 10:00", "cancelled"),
            ("d", "2023-01-21 10:00", "completed"),
            # e: an order after the as-of date is not known yet: Mar 1 → Mar 6 → Mar 16.
            ("e", "2023-03-01 10:00", "completed"),
            ("e", "2023-03-06 10:00", "completed"),
            ("e", "2023-03-16 10:00", "completed"),
            ("e", "2023-06-01 00:00", "completed"),
        ],
    )
    assert got.previous_gap_days.dropna().to_dict() == {"a": 89.0, "b": 14.0, "d": 20.0, "e": 10.0}
    assert pd.isna(got.previous_gap_days["c"])
    assert got.prior_cadence_days["a"] == pytest.approx(15.0)  # mean of 10 and 20
    assert got.prior_cadence_days["e"] == pytest.approx(5.0)
    assert got.prior_cadence_days[["b", "c", "d"]].isna().all()


def test_previous_gaps_count_orders_without_a_status(con: ibis.BaseBackend) -> None:
    # A plain orders file has no status; such orders are purchases in the features too.
    got = gaps_of(
        con,
        [
            ("f", "2023-01-01 10:00", None),
            ("f", "2023-02-01 10:00", None),
            ("f", "2023-02-11 10:00", None),
        ],
    )
    assert got.previous_gap_days.to_dict() == {"f": 10.0}
    assert got.prior_cadence_days.to_dict() == {"f": 31.0}


def test_only_cancelled_orders_give_no_row(con: ibis.BaseBackend) -> None:
    got = gaps_of(
        con, [("g", "2023-01-01 10:00", "cancelled"), ("g", "2023-02-01 10:00", "cancelled")]
    )
    assert got.empty


def test_previous_gaps_feed_the_reactivated_stage(con: ibis.BaseBackend) -> None:
    # h bought every 10 days, stayed away 120 days, came back yesterday.
    rows = [("h", f"2023-01-{day:02d} 10:00", "completed") for day in (1, 11, 21)]
    rows.append(("h", "2023-05-21 10:00", "completed"))
    gaps = previous_gaps(order_rows(rows), ibis.timestamp(AS_OF_END))
    mean_gap = float(np.mean([10, 10, 120]))
    feats = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["h"],
                "frequency": [4],
                "recency_days": [10.0],
                "tenure_days": [150.0],
                "interpurchase_mean_days": [mean_gap],
            }
        )
    )
    got = con.execute(lifecycle_stages(feats, gaps, THRESHOLDS))
    assert got.segment.tolist() == ["reactivated"]
