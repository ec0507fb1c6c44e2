"""Parts of the churn and intent scores: the BTYD baseline, the first purchase's day, the
stored rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import segmint
from segmint.mart import TABLES, Mart
from segmint.models import BGNBD, simulate_bgnbd
from segmint.scoring import propensity
from segmint.scoring.propensity import (
    any_purchase_probability,
    first_purchase_day,
    purchases_between,
)


def test_any_purchase_probability_of_a_new_customer_is_one_minus_p_zero() -> None:
    cdnow = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    history = simulate_bgnbd(cdnow, np.full(2000, 39.0), random_state=0)
    model = BGNBD().fit(history["frequency"], history["recency"], history["T"])
    new = pd.DataFrame({"btyd_frequency": [0.0], "btyd_recency": [0.0], "btyd_T": [0.0]})
    for weeks in (1.0, 13.0, 52.0):
        expected = 1.0 - model.probability_of_purchases(0, weeks)
        assert any_purchase_probability(model, new, weeks)[0] == pytest.approx(float(expected))


ORDER = st.tuples(
    st.integers(0, 20),  # day
    st.sampled_from(["completed", "returned", "cancelled", None]),
    st.lists(st.tuples(st.integers(-3, 3), st.sampled_from([0.0, 2.5, 10.0])), max_size=3),
)


RETURNS_FIRST = [(0, "returned", [(-1, 2.5)]), (1, None, [(-2, 10.0)]), (2, None, [(1, 2.5)])]


START = dt.datetime(2024, 1, 1, 12)
Orders = list[tuple[int, str | None, list[tuple[int, float]]]]


@contextmanager
def mart_of(orders: Orders) -> Iterator[Mart]:
    """A mart holding ``orders`` (day after :data:`START`, status, lines of quantity and
    price), order ``i`` of customer ``c{i % 3}``."""
    rows = [
        {"order_id": f"o{i}", "customer_id": f"c{i % 3}", "order_ts": START + dt.timedelta(days=d)}
        | {"status": status}
        for i, (d, status, _) in enumerate(orders)
    ]
    lines = [
        {"order_id": f"o{i}", "line_no": n, "product_id": "p", "quantity": q, "unit_price": p}
        for i, (_, _, items) in enumerate(orders)
        for n, (q, p) in enumerate(items)
    ]
    with segmint.connect(":memory:") as mart:
        for name, table in (("orders", rows), ("order_lines", lines)):
            schema = TABLES[name].ibis_schema()
            frame = pd.DataFrame(table).reindex(columns=list(schema)).assign(ingest_id=1)
            mart.con.insert(name, ibis.memtable(frame).cast(schema))
        yield mart


def purchase_days(orders: Orders, first: int, last: int) -> list[tuple[str, dt.date]]:
    """Customer and day of each counted order of non-negative value on days ``first`` to
    ``last`` after :data:`START`, worked out in Python."""
    return [
        (f"c{i % 3}", (START + dt.timedelta(days=d)).date())
        for i, (d, status, items) in enumerate(orders)
        if status != "cancelled" and first <= d <= last and sum(q * p for q, p in items) >= 0
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(orders=RETURNS_FIRST, as_of_day=5, passed=1)  # passes over a day, then sums the rest
@example(orders=RETURNS_FIRST, as_of_day=5, passed=3)  # passes over two days
@given(orders=st.lists(ORDER, max_size=12), as_of_day=st.integers(0, 22), passed=st.integers(0, 3))
def test_first_purchase_day_is_the_earliest_counted_order_of_non_negative_value(
    orders: Orders, as_of_day: int, passed: int
) -> None:
    as_of = START.date() + dt.timedelta(days=as_of_day)
    expected = min((day for _, day in purchase_days(orders, 0, as_of_day)), default=None)
    with mart_of(orders) as mart, patch.object(propensity, "RETURN_DAYS_PASSED", passed):
        assert first_purchase_day(mart, as_of) == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.lists(ORDER, max_size=12), start=st.integers(-1, 20), length=st.integers(0, 8))
def test_purchases_between_counts_each_customers_purchases_in_the_window(
    orders: Orders, start: int, length: int
) -> None:
    expected = Counter(c for c, _ in purchase_days(orders, start + 1, start + length))
    with mart_of(orders) as mart:
        days = [START.date() + dt.timedelta(days=d) for d in (start, start + length)]
        found = purchases_between(mart, *days).execute()
    assert dict(zip(found.customer_id, found.n_purchases, strict=True)) == expected


def history(buyers: int, others: int, seed: int = 0) -> pd.DataFrame:
    """BTYD columns of ``buyers`` simulated CDNOW-like customers, then ``others`` without a
    BTYD history (no purchase yet)."""
    cdnow = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    simulated = simulate_bgnbd(cdnow, np.full(buyers, 39.0), random_state=seed)
    frame = pd.DataFrame(
        {
            "btyd_frequency": simulated["frequency"],
            "btyd_recency": simulated["recency"],
            "btyd_T": simulated["T"],
        }
    )
    blank = pd.DataFrame(np.nan, index=range(others), columns=frame.columns)
    return pd.concat([frame, blank], ignore_index=True)


INTENT = propensity.TARGETS["intent"]


def test_customers_without_history_get_the_share_of_their_own_group_who_bought() -> None:
    # one buyer, two prospects who did not buy, two who cancelled every order and bought
    train = (history(0, 5).assign(btyd_frequency=[1.0] + [np.nan] * 4), np.array([1, 0, 0, 1, 1]))
    was = np.array([False, False, False, True, True])
    now = np.array([False, True, False, True])
    got = propensity.without_history(train, 4, INTENT, (was, now))
    assert list(got[1:]) == [1.0, 0.0, 1.0]  # the first row is a buyer's: overwritten later
    assert list(propensity.without_history(train, 4, INTENT)) == [0.5] * 4  # one group
    never = np.zeros(5, bool)  # nobody cancelled in training: all without history are alike
    assert list(propensity.without_history(train, 4, INTENT, (never, now))) == [0.5] * 4


def test_the_intent_baseline_tells_the_cancelled_only_from_the_prospects() -> None:
    frame = history(2000, 40)
    labels = np.zeros(len(frame), np.int64)
    labels[-10:] = 1  # the ten who cancelled every order came back; no prospect did
    was = np.arange(len(frame)) >= len(frame) - 10
    validation = history(500, 6, seed=1)
    now = np.arange(len(validation)) >= len(validation) - 2
    baselines = propensity.btyd_baselines(
        (frame, labels), validation, 30, INTENT, cancelled=(was, now)
    )
    scores = baselines.scores["btyd_any_purchase"]
    assert list(scores[-6:]) == [0.0] * 4 + [1.0] * 2
    together = propensity.btyd_baselines((frame, labels), validation, 30, INTENT)
    assert list(together.scores["btyd_any_purchase"][-6:]) == [0.25] * 6


def test_cancelled_rows_are_the_customers_who_ordered_and_cancelled_every_order() -> None:
    # order i is customer c{i % 3}'s: c0 cancels twice; c1 buys, then cancels; c2 cancels
    # later (day 5); nobody is c9
    orders: Orders = [
        (0, "cancelled", [(1, 2.5)]),
        (1, None, [(1, 2.5)]),
        (5, "cancelled", [(1, 2.5)]),
        (2, "cancelled", [(1, 10.0)]),
        (2, "cancelled", [(1, 10.0)]),
        (9, "cancelled", [(1, 10.0)]),
    ]
    customers = pd.Index(["c0", "c1", "c2", "c9"])
    with mart_of(orders) as mart:
        assert list(propensity.cancelled_rows(mart, START.date(), customers)) == [
            True,
            False,
            False,
            False,
        ]
        later = START.date() + dt.timedelta(days=9)
        assert list(propensity.cancelled_rows(mart, later, customers)) == [True, False, True, False]


def test_stored_scores_are_in_customer_order() -> None:
    """A read of a range of customers then skips the rest of the table (zone maps)."""
    ids = [f"c{n:05d}" for n in range(3000, 0, -1)]
    values = np.linspace(0, 1, len(ids))
    with segmint.connect(":memory:") as mart:
        propensity.store_scores(mart, START.date(), "churn_gbm", "churn_risk", ids, values)
        rows = mart.raw.execute("SELECT customer_id, value FROM scores ORDER BY rowid").fetchall()
    assert rows == sorted(zip(ids, values.tolist(), strict=True))
