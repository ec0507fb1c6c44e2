"""Parts of the churn and intent scores: the BTYD baseline, the first purchase's day."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import segmint
from segmint.mart import TABLES
from segmint.models import BGNBD, simulate_bgnbd
from segmint.scoring import propensity
from segmint.scoring.propensity import any_purchase_probability, first_purchase_day


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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(orders=RETURNS_FIRST, as_of_day=5, passed=1)  # passes over a day, then sums the rest
@example(orders=RETURNS_FIRST, as_of_day=5, passed=3)  # passes over two days
@given(orders=st.lists(ORDER, max_size=12), as_of_day=st.integers(0, 22), passed=st.integers(0, 3))
def test_first_purchase_day_is_the_earliest_counted_order_of_non_negative_value(
    orders: list[tuple[int, str | None, list[tuple[int, float]]]], as_of_day: int, passed: int
) -> None:
    start = dt.datetime(2024, 1, 1, 12)
    rows = [
        {"order_id": f"o{i}", "customer_id": f"c{i % 3}", "order_ts": start + dt.timedelta(days=d)}
        | {"status": status}
        for i, (d, status, _) in enumerate(orders)
    ]
    lines = [
        {"order_id": f"o{i}", "line_no": n, "product_id": "p", "quantity": q, "unit_price": p}
        for i, (_, _, items) in enumerate(orders)
        for n, (q, p) in enumerate(items)
    ]
    as_of = start.date() + dt.timedelta(days=as_of_day)
    expected = [
        row["order_ts"].date()
        for row, (_, status, items) in zip(rows, orders, strict=True)
        if status != "cancelled"
        and row["order_ts"].date() <= as_of
        and sum(q * p for q, p in items) >= 0
    ]
    with segmint.connect(":memory:") as mart:
        for name, table in (("orders", rows), ("order_lines", lines)):
            schema = TABLES[name].ibis_schema()
            frame = pd.DataFrame(table).reindex(columns=list(schema)).assign(ingest_id=1)
            mart.con.insert(name, ibis.memtable(frame).cast(schema))
        with patch.object(propensity, "RETURN_DAYS_PASSED", passed):
            assert first_purchase_day(mart, as_of) == min(expected, default=None)
