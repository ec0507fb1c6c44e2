"""The assembled table: its columns, its documentation, its SQL, and the as-of property."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segmint
from segmint.features import FEATURE_COLUMNS, build_features
from segmint.mart import Mart
from segmint.mart.schema import EVENT_TYPES, ORDER_STATUSES

DOCS = Path(__file__).parents[2] / "docs" / "features.md"
AS_OF = dt.date(2024, 3, 31)
END = dt.datetime(2024, 4, 1)


def test_columns_are_the_vocabulary_then_attributes(mart: Mart) -> None:
    columns = build_features(mart, AS_OF).columns
    assert columns[: len(FEATURE_COLUMNS)] == FEATURE_COLUMNS
    assert sorted(columns[len(FEATURE_COLUMNS) :]) == [
        "crm_stage",
        "gender_attr",
        "interest",
        "loyalty_points",
    ]


def test_every_column_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_0-9A-Z]+)` \|", DOCS.read_text(), flags=re.M))
    assert set(FEATURE_COLUMNS) <= documented
    assert documented - set(FEATURE_COLUMNS) == set()


def test_sql_is_plain_group_bys_and_joins(mart: Mart) -> None:
    sql = str(ibis.to_sql(build_features(mart, AS_OF), dialect="duckdb"))
    assert "LATERAL" not in sql
    # each base table is scanned by a handful of sub-queries, not once per customer
    # order_lines: once summed per order, once per customer and category
    assert sql.count('FROM "order_lines"') <= 2
    # events: once for the per-customer counts, once for the site events' sessions
    assert sql.count('FROM "events"') <= 2


future_lines = st.fixed_dictionaries(
    {
        "product_id": st.sampled_from(["p1", "p2", "p3", None]),
        "quantity": st.sampled_from([-2.0, -1.0, 0.0, 1.0, 3.0]),
        "unit_price": st.sampled_from([0.0, 7.0, 30.0, 99.99]),
        "discount": st.sampled_from([None, 0.0, 2.0]),
        "unit_cost": st.sampled_from([None, 3.0]),
    }
)
"""Lines of orders after the as-of day: any product (or none), sale or return, any price."""


@st.composite
def future_rows(draw: Any) -> dict[str, list[dict[str, Any]]]:
    """Rows all stamped after the as-of day (new customers sign up after it too): orders of
    several lines, any product, sales and returns (a return booked on an earlier order is
    no future row: an order's status and lines are the files' final word)."""
    customers = ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "n1", "n2"]
    when = st.integers(0, 400 * 24).map(lambda h: END + dt.timedelta(hours=h))
    n_orders = draw(st.integers(0, 4))
    orders, lines = [], []
    for i in range(n_orders):
        orders.append(
            {
                "order_id": f"f{i}",
                "customer_id": draw(st.sampled_from(customers)),
                "order_ts": draw(when),
                "channel": draw(st.sampled_from(["web", "app", "Phone", None])),
                "status": draw(st.sampled_from((None, *ORDER_STATUSES))),
            }
        )
        lines.extend(
            {"order_id": f"f{i}", "line_no": n, **line}
            for n, line in enumerate(draw(st.lists(future_lines, max_size=3)), start=1)
        )
    events = [
        {
            "event_id": f"fe{i}",
            "customer_id": draw(st.sampled_from(customers)),
            "session_id": draw(st.sampled_from(["s2", "s9", None])),
            "event_ts": draw(when),
            "event_type": draw(st.sampled_from(EVENT_TYPES)),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    attributes = [
        {
            "customer_id": draw(st.sampled_from(customers)),
            "name": draw(st.sampled_from(["interest", "Loyalty Points", "brand new"])),
            "value": draw(st.sampled_from(["7", "text"])),
            "updated_at": draw(when),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    signup = st.integers(1, 400).map(lambda d: AS_OF + dt.timedelta(days=d))
    new_customers = [{"customer_id": "n1", "signup_date": draw(signup), "birth_year": 1999}]
    return {
        "orders": orders,
        "order_lines": lines,
        "events": events,
        "customer_attributes": attributes,
        "customers": new_customers if draw(st.booleans()) else [],
    }


def _frame(mart: Mart) -> pd.DataFrame:
    return build_features(mart, AS_OF).to_pandas().sort_values("customer_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def baseline(mart: Mart) -> pd.DataFrame:
    """The main fixture's features as of the as-of day."""
    return _frame(mart)


@pytest.mark.slow
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extra=future_rows())
def test_later_data_never_changes_the_features(
    extra: dict[str, list[dict[str, Any]]],
    tables: dict[str, list[dict[str, Any]]],
    insert_rows: Any,
    baseline: pd.DataFrame,
) -> None:
    with segmint.connect(":memory:") as changed:
        for name, rows in tables.items():
            insert_rows(changed, name, rows)
        for name, rows in extra.items():
            if rows:
                insert_rows(changed, name, rows)
        after = _frame(changed)
    pd.testing.assert_frame_equal(baseline, after)
