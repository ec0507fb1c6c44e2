"""Baskets as of a date, in the engine: what each order held, and what came back.

A *basket* is a purchase (an order counted by :func:`segmint.features.orders.purchase_orders`:
status ``completed`` or missing, as of the end of the day) that was kept: an order whose
status is ``returned`` went back, so it is no basket. Its items are the products on lines
with a positive quantity; a product on two lines of one order is one item of the basket.

*Returned* items, per customer, are those the customer sent back or cancelled: on a line
with a negative quantity (a return recorded as its own order, as Online Retail does with
its ``C`` invoices), or on an order whose status is ``returned`` or ``cancelled``. They are
never recommended to that customer.

Products listed in ``exclude_products`` (postage, fees, gift vouchers: codes that are not
goods) are left out everywhere. Everything here is an Ibis expression; no SQL text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from segmint.features.asof import end_of
from segmint.features.orders import purchase_orders
from segmint.mart import Mart

NOT_KEPT = ("returned", "cancelled")
"""Order statuses whose items count as sent back."""


def _goods(lines: ir.Table, exclude_products: Sequence[str]) -> ir.Table:
    """Lines that name a product not listed in ``exclude_products``."""
    named = lines.filter(lines.product_id.notnull())
    if exclude_products:
        named = named.filter(~named.product_id.isin(list(exclude_products)))
    return named


def basket_lines(
    mart: Mart,
    day: dt.date,
    *,
    since: dt.datetime | None = None,
    exclude_products: Sequence[str] = (),
) -> ir.Table:
    """One row per item of each basket as of ``day`` (from ``since``, when given).

    Columns: ``order_id``, ``customer_id``, ``order_ts``, ``product_id``, ``quantity``
    (units of the product in the order).
    """
    orders = purchase_orders(mart, day, since)
    kept = orders.filter(orders.status.isnull() | ~orders.status.isin(NOT_KEPT))
    lines = _goods(mart.table("order_lines"), exclude_products)
    bought = lines.filter(lines.quantity > 0)
    joined = bought.join(kept.select("order_id", "customer_id", "order_ts"), "order_id")
    return joined.group_by(["order_id", "customer_id", "order_ts", "product_id"]).aggregate(
        quantity=joined.quantity.sum()
    )


def returned_items(mart: Mart, day: dt.date, *, exclude_products: Sequence[str] = ()) -> ir.Table:
    """Distinct (``customer_id``, ``product_id``) each customer returned or cancelled by ``day``."""
    orders = mart.table("orders")
    known = orders.filter(orders.order_ts < end_of(day))
    lines = _goods(mart.table("order_lines"), exclude_products)
    joined = lines.join(known.select("order_id", "customer_id", "status"), "order_id")
    back = joined.filter((joined.quantity < 0) | joined.status.isin(NOT_KEPT))
    return back.select("customer_id", "product_id").distinct()


def coded(table: ir.Table, key: str, code: str) -> ir.Table:
    """The distinct values of ``key`` in ``table``, numbered ``0..n-1`` in sorted order as ``code``.

    With ``last_ts`` for each value: the latest ``order_ts`` it appears with.
    """
    distinct = table.group_by(key).aggregate(last_ts=table.order_ts.max())
    return distinct.select(key, "last_ts", **{code: ibis.row_number().over(order_by=key)})
