"""The explorer's ranked members, cut into pages, are the pages the engine would return; each
segment's top products are those a plain reading of the year's orders gives."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import ibis
import pandas as pd
import pytest

from segmint.features.orders import PURCHASE_STATUSES
from segmint.insight.members import features_as_of
from segmint.mart import Mart, connect
from segmint.segmentation import store
from segmint.views.segment_detail import (
    MEMBER_COLUMNS,
    page_of,
    ranked_members,
    segment_members,
    top_products,
)


def test_pages_of_the_ranking_are_the_engine_pages(mart: Mart) -> None:
    day = store.as_of_dates(mart, "rfm")[-1]
    segment = str(store.assignments(mart, "rfm", day).segment.execute().mode().iloc[0])
    ranked = ranked_members(mart, "rfm", segment, day)
    who = segment_members(mart, "rfm", segment, day)
    features = features_as_of(mart, day).select("customer_id", *MEMBER_COLUMNS)
    rows = who.left_join(features, "customer_id").select("customer_id", *MEMBER_COLUMNS)
    ordered = rows.order_by([ibis.desc("spend_365d"), "customer_id"])
    assert len(ranked) == int(who.count().execute())
    for limit, offset in [(25, 0), (25, 25), (10, len(ranked) - 4)]:
        expected = ordered.limit(limit, offset=offset).execute()
        got = page_of(ranked, limit, offset)
        assert got.to_dict("records") == expected.to_dict("records")


PRODUCT_COLUMNS = ["product_id", "name", "category", "revenue", "buyers", "units"]


def products_by_hand(
    mart: Mart, segmentation: str, day: dt.date, n: int
) -> dict[str, pd.DataFrame]:
    """Each segment's top ``n`` products in the year to ``day``, read plainly with pandas."""
    raw = mart.raw
    orders = raw.execute("SELECT order_id, customer_id, order_ts, status FROM orders").df()
    end = pd.Timestamp(day + dt.timedelta(days=1))
    counted = orders.status.isna() | orders.status.isin(PURCHASE_STATUSES)
    year = orders[
        counted & (orders.order_ts < end) & (orders.order_ts >= end - pd.Timedelta(days=365))
    ]
    members = store.assignments(mart, segmentation, day).execute()[["customer_id", "segment"]]
    lines = raw.execute(
        "SELECT order_id, product_id, quantity, unit_price, discount FROM order_lines"
    ).df()
    rows = lines.merge(year[["order_id", "customer_id"]], on="order_id").merge(
        members, on="customer_id"
    )
    rows["net"] = rows.quantity * rows.unit_price - rows.discount.fillna(0.0)
    products = raw.execute("SELECT product_id, name, category FROM products").df()
    found = {}
    for segment, mine in rows.groupby("segment"):
        sold = mine.groupby("product_id").agg(
            revenue=("net", "sum"), buyers=("customer_id", "nunique"), units=("quantity", "sum")
        )
        sold = sold.reset_index().sort_values(["revenue", "product_id"], ascending=[False, True])
        top = sold.head(n).merge(products, on="product_id", how="left")
        found[str(segment)] = top[PRODUCT_COLUMNS].reset_index(drop=True)
    return found


def test_each_segments_top_products_are_those_of_its_members_year(mart: Mart) -> None:
    day = store.as_of_dates(mart, "rfm")[-1]
    expected = products_by_hand(mart, "rfm", day, 5)
    segments = set(store.assignments(mart, "rfm", day).segment.execute())
    assert len(expected) > 3
    for segment in segments:
        got = top_products(mart, "rfm", segment, day, n=5)
        assert list(got.columns) == PRODUCT_COLUMNS
        frame = expected.get(segment, pd.DataFrame(columns=PRODUCT_COLUMNS))
        assert got.product_id.tolist() == frame.product_id.tolist(), segment
        assert got.name.tolist() == frame.name.tolist()
        assert got.revenue.tolist() == pytest.approx(frame.revenue.tolist(), rel=1e-9)
        assert got.buyers.tolist() == frame.buyers.tolist()
        assert got.units.tolist() == frame.units.tolist()


def test_top_products_leave_out_lines_without_a_product(
    tmp_path: Path, demo_mart_file: Path
) -> None:
    """Orders loaded from a transactions file without products have lines with no product:
    they are no product of the segment's, however much they brought in."""
    path = tmp_path / "mart.duckdb"
    shutil.copy(demo_mart_file, path)
    with connect(path, create=False) as mart:
        day = store.as_of_dates(mart, "rfm")[-1]
        member = store.assignments(mart, "rfm", day).order_by("customer_id").execute().iloc[0]
        before = top_products(mart, "rfm", member.segment, day, n=5)
        mart.raw.execute(
            "INSERT INTO orders (order_id, customer_id, order_ts, status) VALUES (?, ?, ?, ?)",
            [
                "no-product-order",
                member.customer_id,
                dt.datetime(day.year, day.month, day.day),
                None,
            ],
        )
        mart.raw.execute(
            "INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price)"
            " VALUES (?, ?, ?, ?, ?)",
            ["no-product-order", 1, None, 1.0, 1_000_000.0],
        )
        after = top_products(mart, "rfm", member.segment, day, n=5)
    assert after.product_id.notna().all()
    assert after.product_id.tolist() == before.product_id.tolist()
