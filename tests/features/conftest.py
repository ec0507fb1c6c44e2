"""Small hand-made marts whose features are worked out by hand in the tests.

The main fixture (as of 2024-03-31) holds:

* c1: signed up 2023-01-01, four purchases (one a return), a cancelled order, an order
  the day after the as-of date, events and attributes;
* c2: a prospect (signed up, no orders) with one e-mail open;
* c3: no customers row, one order without channel or status;
* c4: signs up after the as-of date (absent); c5: signed up before, first order after
  (a prospect); c6: no customers row, only a later order (absent); c7: a customers row
  with no signup date and no order (absent);
* c8: two purchases on the same day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest

import segmint
from segmint.features import build_features
from segmint.mart import TABLES, Mart

AS_OF = dt.date(2024, 3, 31)


def ts(text: str) -> dt.datetime:
    """A timestamp from ``YYYY-MM-DD HH:MM``."""
    return dt.datetime.fromisoformat(text)


def insert(mart: Mart, name: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into mart table ``name``, absent columns null, ingest_id 1."""
    schema = TABLES[name].ibis_schema()
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    frame["ingest_id"] = 1
    mart.con.insert(name, ibis.memtable(frame).cast(schema))


def fill(mart: Mart, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Insert each table's rows."""
    for name, rows in tables.items():
        if rows:
            insert(mart, name, rows)


def fixture_tables() -> dict[str, list[dict[str, Any]]]:
    """The rows of the main fixture (see the module docstring)."""
    d = dt.date
    customers = [
        {
            "customer_id": "c1",
            "signup_date": d(2023, 1, 1),
            "birth_year": 1990,
            "gender": "F",
            "country": "UK",
            "region": "London",
            "city": "London",
            "acquisition_channel": "search",
        },
        {"customer_id": "c2", "signup_date": d(2024, 1, 10), "birth_year": 2000, "gender": "M"},
        {"customer_id": "c4", "signup_date": d(2024, 6, 1), "birth_year": 1980},
        {"customer_id": "c5", "signup_date": d(2023, 5, 1)},
        {"customer_id": "c7"},
    ]
    products = [
        {"product_id": "p1", "category": "books", "unit_cost": 4.0},
        {"product_id": "p2", "category": "games"},
        {"product_id": "p3", "unit_cost": 1.0},
    ]
    orders = [
        {
            "order_id": "o1",
            "customer_id": "c1",
            "order_ts": ts("2024-01-05 10:00"),
            "channel": "web",
            "status": "completed",
        },
        {
            "order_id": "o2",
            "customer_id": "c1",
            "order_ts": ts("2024-03-10 12:00"),
            "channel": "App",
            "status": "completed",
        },
        {
            "order_id": "o3",
            "customer_id": "c1",
            "order_ts": ts("2024-03-20 08:00"),
            "channel": "store",
            "status": "returned",
        },
        {
            "order_id": "o4",
            "customer_id": "c1",
            "order_ts": ts("2024-03-25 09:00"),
            "channel": "web",
            "status": "cancelled",
        },
        {
            "order_id": "o5",
            "customer_id": "c1",
            "order_ts": ts("2024-03-31 23:00"),
            "channel": "web",
            "status": "completed",
        },
        {
            "order_id": "o6",
            "customer_id": "c1",
            "order_ts": ts("2024-04-01 00:00"),
            "channel": "web",
            "status": "completed",
        },
        {"order_id": "o7", "customer_id": "c3", "order_ts": ts("2024-02-15 09:00")},
        {
            "order_id": "o8",
            "customer_id": "c8",
            "order_ts": ts("2024-03-01 10:00"),
            "channel": "phone",
            "status": "completed",
        },
        {
            "order_id": "o9",
            "customer_id": "c8",
            "order_ts": ts("2024-03-01 15:00"),
            "channel": "kiosk",
            "status": "completed",
        },
        {
            "order_id": "o10",
            "customer_id": "c5",
            "order_ts": ts("2024-05-01 10:00"),
            "channel": "web",
            "status": "completed",
        },
        {
            "order_id": "o11",
            "customer_id": "c6",
            "order_ts": ts("2024-04-10 10:00"),
            "channel": "web",
            "status": "completed",
        },
    ]
    lines = [
        {
            "order_id": "o1",
            "line_no": 1,
            "product_id": "p1",
            "quantity": 2.0,
            "unit_price": 10.0,
            "discount": 2.0,
        },
        {
            "order_id": "o1",
            "line_no": 2,
            "product_id": "p2",
            "quantity": 1.0,
            "unit_price": 30.0,
            "unit_cost": 12.0,
        },
        {"order_id": "o2", "line_no": 1, "product_id": "p1", "quantity": 1.0, "unit_price": 10.0},
        {"order_id": "o2", "line_no": 2, "product_id": "p2", "quantity": 1.0, "unit_price": 30.0},
        {"order_id": "o3", "line_no": 1, "product_id": "p1", "quantity": -1.0, "unit_price": 10.0},
        {"order_id": "o4", "line_no": 1, "product_id": "p1", "quantity": 5.0, "unit_price": 10.0},
        {"order_id": "o5", "line_no": 1, "product_id": "p3", "quantity": 1.0, "unit_price": 5.0},
        {"order_id": "o6", "line_no": 1, "product_id": "p1", "quantity": 3.0, "unit_price": 10.0},
        {"order_id": "o7", "line_no": 1, "product_id": "p2", "quantity": 2.0, "unit_price": 30.0},
        {"order_id": "o8", "line_no": 1, "product_id": "p1", "quantity": 1.0, "unit_price": 10.0},
        {"order_id": "o9", "line_no": 1, "product_id": "p1", "quantity": 2.0, "unit_price": 10.0},
        {"order_id": "o10", "line_no": 1, "product_id": "p1", "quantity": 1.0, "unit_price": 10.0},
        {"order_id": "o11", "line_no": 1, "product_id": "p1", "quantity": 1.0, "unit_price": 10.0},
    ]

    def ev(i: int, customer: str, session: str | None, when: str, kind: str) -> dict[str, Any]:
        return {
            "event_id": f"e{i}",
            "customer_id": customer,
            "session_id": session,
            "event_ts": ts(when),
            "event_type": kind,
        }

    events = [
        ev(1, "c1", "s1", "2024-03-10 11:00", "page_view"),
        ev(2, "c1", "s1", "2024-03-10 11:05", "product_view"),
        ev(3, "c1", "s1", "2024-03-10 11:06", "add_to_cart"),
        ev(4, "c1", "s2", "2024-03-15 20:00", "search"),
        ev(5, "c1", "s2", "2024-03-15 20:01", "add_to_cart"),
        ev(6, "c1", "s3", "2024-03-16 20:00", "add_to_cart"),
        ev(7, "c1", "s3", "2024-03-16 20:05", "checkout"),
        ev(8, "c1", None, "2024-03-20 09:00", "ad_impression"),
        ev(9, "c1", None, "2024-03-20 09:01", "ad_click"),
        ev(10, "c1", None, "2024-03-21 07:00", "email_open"),
        ev(11, "c1", None, "2024-03-21 07:01", "email_click"),
        ev(12, "c1", None, "2024-03-22 18:00", "page_view"),
        ev(13, "c1", "s9", "2024-04-02 10:00", "page_view"),
        ev(14, "c2", None, "2024-02-01 08:00", "email_open"),
    ]

    def attr(customer: str, name: str, value: str, when: str | None) -> dict[str, Any]:
        return {
            "customer_id": customer,
            "name": name,
            "value": value,
            "updated_at": ts(when) if when else None,
        }

    attributes = [
        attr("c1", "interest", "books", "2024-01-01 00:00"),
        attr("c1", "interest", "games", "2024-03-01 00:00"),
        attr("c1", "interest", "music", "2024-04-05 00:00"),
        attr("c1", "Loyalty Points", "120", "2024-02-01 00:00"),
        attr("c1", "Loyalty Points", "130.5", "2024-03-31 12:00"),
        attr("c2", "Loyalty Points", "40", None),
        attr("c1", "gender", "x", None),
        attr("c3", "crm stage", "lead", None),
        attr("c2", "future only", "1", "2024-05-01 00:00"),
    ]
    return {
        "customers": customers,
        "products": products,
        "orders": orders,
        "order_lines": lines,
        "events": events,
        "customer_attributes": attributes,
    }


Inserter = Callable[[Mart, str, list[dict[str, Any]]], None]
FeatureRows = Callable[..., dict[str, dict[str, Any]]]


def feature_rows(mart: Mart, as_of: Any = AS_OF) -> dict[str, dict[str, Any]]:
    """The features as of ``as_of``, customer id → row (None for nulls)."""
    table = build_features(mart, as_of)
    frame = table.to_pandas()
    for name, kind in table.schema().items():
        if kind.is_date():
            frame[name] = frame[name].dt.date
    frame = frame.astype(object).where(frame.notna(), None)
    return {row["customer_id"]: row for row in frame.to_dict("records")}


@pytest.fixture
def insert_rows() -> Inserter:
    """The function inserting rows into a mart table (absent columns null)."""
    return insert


@pytest.fixture
def tables() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy of the main fixture's rows, to change before loading."""
    return fixture_tables()


@pytest.fixture
def features_of() -> FeatureRows:
    """The function building features and returning them as customer id → row."""
    return feature_rows


@pytest.fixture
def empty_mart() -> Iterator[Mart]:
    """A fresh in-memory mart with every table and no rows."""
    with segmint.connect(":memory:") as mart:
        yield mart


@pytest.fixture(scope="session")
def mart() -> Iterator[Mart]:
    """The main hand-made fixture (see the module docstring), shared: do not change it."""
    with segmint.connect(":memory:") as shared:
        fill(shared, fixture_tables())
        yield shared


@pytest.fixture(scope="session")
def rows(mart: Mart) -> dict[str, dict[str, Any]]:
    """The main fixture's features as of 2024-03-31, customer id → row."""
    return feature_rows(mart)


CDNOW = Path("/work/shared/datasets/cdnow")
CDNOW_CALIBRATION_END = dt.date(1997, 9, 30)


@pytest.fixture(scope="session")
def cdnow_mart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    """The CDNOW 1/10th sample as orders (one per row) with one line each.

    The id is the sample id (1..2357), as in ``cdnow_customers_summary.csv``.
    """
    names = ["master_id", "sample_id", "date", "cds", "dollars"]
    raw = pd.read_csv(CDNOW / "CDNOW_sample.txt", sep=r"\s+", header=None, names=names)
    order_id = "o" + raw.index.astype(str)
    orders = pd.DataFrame(
        {
            "order_id": order_id,
            "customer_id": raw.sample_id.astype(str),
            "order_ts": pd.to_datetime(raw.date.astype(str), format="%Y%m%d"),
            "status": "completed",
        }
    )
    lines = pd.DataFrame(
        {
            "order_id": order_id,
            "line_no": 1,
            "quantity": raw.cds.astype(float),
            "unit_price": raw.dollars / raw.cds,
        }
    )
    with segmint.connect(tmp_path_factory.mktemp("cdnow") / "cdnow.duckdb") as mart:
        insert(mart, "orders", orders.to_dict("records"))
        insert(mart, "order_lines", lines.to_dict("records"))
        yield mart
