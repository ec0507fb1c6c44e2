"""A small hand-made mart with stored segmentations whose money is worked out by hand.

As of 2024-06-30 the money year is the 365 days from 2023-07-02 00:00 (2024 is a leap
year) to the end of 2024-06-30.

* Gold: a1 (o1: 2 books at 10 + 1 game at 30 less 5 = 45, margin 12 + 15 = 27; o2 falls
  the day before the year starts) and a2 (o3: 3 games at 30 = 90, margin 60, on the last
  evening; o4 comes the day after). Revenue 135, margin 87, 2 orders.
* Silver: b1 (o5: a toy at 20 with no known cost; o6 cancelled), b2 (o7 a book at 10, o8
  returns it: 0 net, 2 orders), b3 (no orders). Revenue 20, margin 0, 3 orders.
* Bronze: c1 (o9: a book at 10, margin 6, at the first instant of the year).

Portfolio: 6 members, revenue 165, margin 93, 6 orders. The same segmentation is stored
as of 2024-03-31 too (a1 Gold; a2, b1 Silver; b2, x9 Bronze) for migration, and a second
segmentation ``style`` crosses it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import ibis
import pandas as pd
import pytest

import segmint
from segmint.insight import SegmentProfile, profile
from segmint.mart import TABLES, Mart
from segmint.segmentation import store

AS_OF = dt.date(2024, 6, 30)
EARLIER = dt.date(2024, 3, 31)


def insert(mart: Mart, name: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into mart table ``name``, absent columns null."""
    schema = TABLES[name].ibis_schema()
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    frame["ingest_id"] = 1
    mart.con.insert(name, ibis.memtable(frame).cast(schema))


def save(mart: Mart, name: str, as_of: dt.date, segments: dict[str, str]) -> None:
    """Store ``segments`` (customer → segment) as segmentation ``name`` as of ``as_of``."""
    frame = pd.DataFrame({"customer_id": list(segments), "segment": list(segments.values())})
    store.save(mart, name, "rules", {"name": name}, as_of, ibis.memtable(frame))


def order(
    oid: str, customer: str, when: str, channel: str, status: str = "completed"
) -> dict[str, Any]:
    return {
        "order_id": oid,
        "customer_id": customer,
        "order_ts": dt.datetime.fromisoformat(when),
        "channel": channel,
        "status": status,
    }


def line(oid: str, product: str, quantity: float, price: float, **extra: Any) -> dict[str, Any]:
    return dict(
        order_id=oid, line_no=1, product_id=product, quantity=quantity, unit_price=price, **extra
    )


def fill(mart: Mart) -> None:
    """The customers, products, orders and lines of the module docstring."""
    people = [
        ("a1", "F", 1980, "North"),
        ("a2", "M", 1990, "South"),
        ("b1", "F", 2000, "North"),
        ("b2", "M", 1970, "South"),
        ("b3", "F", 1985, "North"),
        ("c1", None, None, None),
    ]
    insert(
        mart,
        "customers",
        [
            {
                "customer_id": c,
                "signup_date": dt.date(2023, 1, 1),
                "gender": g,
                "birth_year": y,
                "region": r,
            }
            for c, g, y, r in people
        ],
    )
    insert(
        mart,
        "products",
        [
            {"product_id": "p1", "category": "books", "unit_cost": 4.0},
            {"product_id": "p2", "category": "games", "unit_cost": 10.0},
            {"product_id": "p3", "category": "toys"},
        ],
    )
    insert(
        mart,
        "orders",
        [
            order("o1", "a1", "2024-01-10 10:00", "web"),
            order("o2", "a1", "2023-07-01 23:59", "web"),
            order("o3", "a2", "2024-06-30 23:00", "app"),
            order("o4", "a2", "2024-07-01 00:00", "app"),
            order("o5", "b1", "2024-03-01 10:00", "store"),
            order("o6", "b1", "2024-03-05 10:00", "store", "cancelled"),
            order("o7", "b2", "2024-02-01 10:00", "web"),
            order("o8", "b2", "2024-02-10 10:00", "web", "returned"),
            order("o9", "c1", "2023-07-02 00:00", "web"),
        ],
    )
    lines = [
        line("o1", "p1", 2.0, 10.0),
        {**line("o1", "p2", 1.0, 30.0, discount=5.0), "line_no": 2},
        line("o2", "p2", 1.0, 30.0),
        line("o3", "p2", 3.0, 30.0),
        line("o4", "p2", 1.0, 30.0),
        line("o5", "p3", 1.0, 20.0),
        line("o6", "p1", 5.0, 10.0),
        line("o7", "p1", 1.0, 10.0),
        line("o8", "p1", -1.0, 10.0),
        line("o9", "p1", 1.0, 10.0),
    ]
    insert(mart, "order_lines", lines)


TIERS = {"a1": "Gold", "a2": "Gold", "b1": "Silver", "b2": "Silver", "b3": "Silver", "c1": "Bronze"}
EARLIER_TIERS = {"a1": "Gold", "a2": "Silver", "b1": "Silver", "b2": "Bronze", "x9": "Bronze"}
STYLE = {"a1": "online", "a2": "online", "b1": "offline", "b2": "online", "b3": "offline"}


@pytest.fixture(scope="module")
def mart() -> Iterator[Mart]:
    """The hand-made mart with ``tiers`` stored at both dates and ``style`` at ``AS_OF``.

    Shared by the tests of a module, which only read it.
    """
    with segmint.connect(":memory:") as made:
        fill(made)
        save(made, "tiers", AS_OF, TIERS)
        save(made, "tiers", EARLIER, EARLIER_TIERS)
        save(made, "style", AS_OF, STYLE)
        yield made


@pytest.fixture(scope="module")
def tiers_profile(mart: Mart) -> SegmentProfile:
    """``tiers`` profiled as of ``AS_OF`` by region, with a cost to serve of 5 per member."""
    return profile(mart, "tiers", AS_OF, by="region", cost_to_serve=5.0)


def assert_same_profile(alone: SegmentProfile, together: SegmentProfile) -> None:
    """Every field of the two profiles is equal (frames compared as frames)."""
    for field in dataclasses.fields(alone):
        a, b = getattr(alone, field.name), getattr(together, field.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        elif field.name == "money":
            pd.testing.assert_frame_equal(a.segments, b.segments)
            pd.testing.assert_series_equal(a.portfolio, b.portfolio)
        else:
            assert a == b, field.name
