"""Inter-purchase gaps in fractional days, and the gap before the last purchase day."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segmint
from segmint.features import build_features
from segmint.mart import Mart

from .conftest import fill, ts

Rows = dict[str, dict[str, Any]]


def test_mean_and_sample_std_of_gaps(rows: Rows) -> None:
    # c1: 01-05 10:00 → 03-10 12:00 → 03-20 08:00 → 03-31 23:00
    gaps = [65 + 2 / 24, 9 + 20 / 24, 11 + 15 / 24]
    assert rows["c1"]["interpurchase_mean_days"] == pytest.approx(statistics.mean(gaps))
    assert rows["c1"]["interpurchase_std_days"] == pytest.approx(statistics.stdev(gaps))


def test_two_orders_give_a_mean_but_no_std(rows: Rows) -> None:
    c8 = rows["c8"]  # 10:00 and 15:00 the same day
    assert c8["interpurchase_mean_days"] == pytest.approx(5 / 24)
    assert c8["interpurchase_std_days"] is None


def test_fewer_than_two_orders_give_nulls(rows: Rows) -> None:
    for customer in ("c2", "c3"):
        assert rows[customer]["interpurchase_mean_days"] is None
        assert rows[customer]["interpurchase_std_days"] is None


def gaps_of(mart: Mart, orders: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """``previous_gap_days`` and ``prior_cadence_days`` as of 2023-05-31 per customer."""
    fill(
        mart,
        {
            "orders": [
                {"order_id": f"o{i}", "customer_id": c, "order_ts": ts(when), "status": status}
                for i, (c, when, status) in enumerate(orders)
            ]
        },
    )
    table = build_features(mart, dt.date(2023, 5, 31))
    frame = table.select("customer_id", "previous_gap_days", "prior_cadence_days").to_pandas()
    return {
        row.customer_id: (row.previous_gap_days, row.prior_cadence_days)
        for row in frame.itertuples()
    }


def test_gap_before_the_last_purchase_day_on_hand_made_orders(empty_mart: Mart) -> None:
    got = gaps_of(
        empty_mart,
        [
            # a: purchase days Jan 1, Jan 11, Jan 31, Apr 30 → gaps 10, 20, 89.
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
            # f: no status (a plain orders file); the last day holds three orders.
            ("f", "2023-01-01 10:00", None),
            ("f", "2023-02-01 10:00", None),
            ("f", "2023-02-11 08:00", None),
            ("f", "2023-02-11 09:00", None),
            ("f", "2023-02-11 23:00", None),
            # g: only cancelled orders: no purchase at all.
            ("g", "2023-01-01 10:00", "cancelled"),
            ("g", "2023-02-01 10:00", "cancelled"),
        ],
    )
    previous = {c: p for c, (p, _) in got.items() if not pd.isna(p)}
    assert previous == {"a": 89.0, "b": 14.0, "d": 20.0, "e": 10.0, "f": 10.0}
    prior = {c: q for c, (_, q) in got.items() if not pd.isna(q)}
    assert prior == pytest.approx({"a": 15.0, "e": 5.0, "f": 31.0})  # a: mean of 10 and 20
    assert pd.isna(got["c"][0]) and pd.isna(got["g"][0])


REFERENCE_COLUMNS = (
    "customer_id",
    "previous_gap_days",
    "prior_cadence_days",
    "interpurchase_mean_days",
    "interpurchase_std_days",
)


def reference_gaps(orders: pd.DataFrame, end: dt.datetime) -> pd.DataFrame:
    """The gaps the plain way: purchases per customer sorted by time, differenced; then the
    distinct purchase days, differenced."""
    known = orders[(orders.order_ts < end) & (orders.status != "cancelled")]
    rows = {}
    for customer, group in known.sort_values("order_ts").groupby("customer_id"):
        fractional = group.order_ts.diff().dt.total_seconds().dropna() / 86_400
        days = group.order_ts.dt.normalize().drop_duplicates()
        gaps = days.diff().dt.days.dropna().tolist()
        previous = gaps[-1] if gaps else None
        prior = sum(gaps[:-1]) / len(gaps[:-1]) if len(gaps) >= 2 else None
        mean = fractional.mean() if len(fractional) else None
        std = fractional.std() if len(fractional) >= 2 else None
        rows[customer] = (previous, prior, mean, std)
    return pd.DataFrame.from_dict(
        rows,
        orient="index",
        columns=[
            "previous_gap_days",
            "prior_cadence_days",
            "interpurchase_mean_days",
            "interpurchase_std_days",
        ],
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["p", "q", "r"]),
            st.integers(min_value=0, max_value=94),  # days from 2023-03-01, past the as-of day
            # any minute, with midnight's neighbours and the same instant often
            st.integers(0, 24 * 60 - 1) | st.sampled_from([0, 1, 720, 24 * 60 - 1]),
            st.sampled_from([None, "completed", "returned", "cancelled"]),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_gaps_equal_a_plain_pandas_reference(
    orders: list[tuple[str, int, int, str | None]],
) -> None:
    start = dt.datetime(2023, 3, 1)
    frame = pd.DataFrame(
        {
            "customer_id": [c for c, _, _, _ in orders],
            "order_ts": [start + dt.timedelta(days=d, minutes=m) for _, d, m, _ in orders],
            "status": [s for _, _, _, s in orders],
        }
    )
    with segmint.connect(":memory:") as mart:
        fill(mart, {"orders": [{"order_id": f"o{i}", **row} for i, row in frame.iterrows()]})
        table = build_features(mart, dt.date(2023, 5, 31)).select(*REFERENCE_COLUMNS)
        got = table.to_pandas().set_index("customer_id")
    expected = reference_gaps(frame, dt.datetime(2023, 6, 1))
    assert set(expected.index) <= set(got.index)
    for customer, want in expected.iterrows():
        for column, value in want.items():
            have = got.loc[customer, column]
            assert pd.isna(have) == pd.isna(value), (customer, column)
            if not pd.isna(value):
                assert have == pytest.approx(value), (customer, column)
