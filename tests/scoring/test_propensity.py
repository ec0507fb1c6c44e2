"""Parts of the churn and intent scores: the BTYD baseline, the first purchase's day."""

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
