"""One segment up close: its top products in the year and its members, ranked by spend.

The rest of a segment's page (money, distinguishing features, statistics, mix) comes from
the cached :func:`segmint.insight.profile` of its segmentation.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint.features.asof import end_of
from segmint.features.orders import purchase_orders
from segmint.insight.members import features_as_of
from segmint.insight.money import YEAR_DAYS
from segmint.mart import Mart
from segmint.segmentation import store

MEMBER_COLUMNS = ("frequency", "monetary_total", "recency_days", "spend_365d")


def segment_members(
    mart: Mart, segmentation: str, segment: str, day: dt.date, version: int | None = None
) -> ir.Table:
    """``customer_id`` of the members of ``segment`` in ``segmentation`` as of ``day``.

    With ``version`` (already resolved, e.g. cached by the dashboard) the stored rows are
    read directly, skipping the store's look-ups of versions and dates.
    """
    if version is None:
        rows = store.assignments(mart, segmentation, day)
        return rows.filter(rows.segment == segment).select("customer_id")
    a = mart.table("assignments")
    mine = a.filter(
        (a.segmentation == segmentation)
        & (a.version == version)
        & (a.as_of == ibis.date(day))
        & (a.segment == segment)
    )
    return mine.select("customer_id")


def top_products(
    mart: Mart, segmentation: str, segment: str, day: dt.date, n: int = 10
) -> pd.DataFrame:
    """The ``n`` products with most revenue from the segment's members in the year to ``day``.

    Order lines without a product (orders loaded from a transactions file without one) are
    no product: they are left out, not shown as a blank product with their revenue.

    Columns: ``product_id``, ``name``, ``category``, ``revenue``, ``buyers``, ``units``.
    """
    who = segment_members(mart, segmentation, segment, day)
    orders = purchase_orders(mart, day)
    year = orders.filter(orders.order_ts >= end_of(day) - ibis.interval(days=YEAR_DAYS))
    mine = year.semi_join(who, "customer_id").select("order_id", "customer_id")
    lines = mart.table("order_lines").join(mine, "order_id")
    lines = lines.filter(lines.product_id.notnull())
    net = lines.quantity * lines.unit_price - lines.discount.fill_null(0.0)
    sold = lines.group_by("product_id").aggregate(
        revenue=net.sum(), buyers=lines.customer_id.nunique(), units=lines.quantity.sum()
    )
    products = mart.table("products").select("product_id", "name", "category")
    top = sold.left_join(products, "product_id").select(
        "product_id", "name", "category", "revenue", "buyers", "units"
    )
    frame: pd.DataFrame = top.order_by([ibis.desc("revenue"), "product_id"]).limit(n).execute()
    return frame


def ranked_members(
    mart: Mart, segmentation: str, segment: str, day: dt.date, version: int | None = None
) -> pd.DataFrame:
    """Every member of the segment with ``MEMBER_COLUMNS``, highest spend in the year first.

    The explorer shows it a page at a time (:func:`page_of`); the dashboard caches it per
    segment, so turning pages costs no query.
    """
    who = segment_members(mart, segmentation, segment, day, version)
    features = features_as_of(mart, day).select("customer_id", *MEMBER_COLUMNS)
    rows = who.left_join(features, "customer_id").select("customer_id", *MEMBER_COLUMNS)
    ordered: pd.DataFrame = rows.order_by([ibis.desc("spend_365d"), "customer_id"]).execute()
    return ordered


def page_of(frame: pd.DataFrame, limit: int, offset: int) -> pd.DataFrame:
    """Rows ``offset`` to ``offset + limit`` of ``frame``."""
    return frame.iloc[offset : offset + limit].reset_index(drop=True)
