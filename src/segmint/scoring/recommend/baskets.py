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
from contextlib import ExitStack
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.features.asof import date_literal, end_of
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
    """Distinct (``customer_id``, ``product_id``) each customer returned or cancelled by ``day``.

    Two small joins rather than one large one: the lines with a negative quantity with
    their orders, and the lines of the few orders returned or cancelled whole.
    """
    orders = mart.table("orders")
    known = orders.filter(orders.order_ts < end_of(day)).select("order_id", "customer_id", "status")
    goods = _goods(mart.table("order_lines"), exclude_products)
    negative = goods.filter(goods.quantity < 0).select("order_id", "product_id")
    sent_back = negative.join(known, "order_id").select("customer_id", "product_id")
    not_kept = known.filter(known.status.isin(NOT_KEPT))
    whole = goods.select("order_id", "product_id").join(not_kept, "order_id")
    whole = whole.select("customer_id", "product_id")
    return ibis.union(sent_back, whole, distinct=True)


@dataclass(frozen=True)
class CodedBaskets:
    """The baskets as of a date in integer codes, held by the engine.

    Attributes:
        customers: ``customer_id``, ``user``: every customer with a kept purchase by the
            date, numbered ``0..`` in sorted order (some may have no basket item).
        products: ``product_id``, ``item``: every product ever bought (a positive quantity)
            that is not excluded, numbered ``0..`` in sorted order (most are in baskets by the
            date; later ones are dictionary entries only).
        lines: one row per item of each basket: ``basket`` (an integer per order),
            ``user``, ``item``, ``days`` (whole days from the order to the date) and
            ``quantity`` (units of the product in the order).
    """

    customers: ir.Table
    products: ir.Table
    lines: ir.Table


def coded_baskets(
    mart: Mart, day: dt.date, held: ExitStack, *, exclude_products: Sequence[str] = ()
) -> CodedBaskets:
    """The baskets as of ``day`` (see :func:`basket_lines`) with integer codes throughout.

    Order, customer and product ids are strings; grouping and joining tens of millions of
    basket lines by them costs most of the time and memory of counting. So the ids are
    numbered once, in small tables (orders, customers, products), each line is coded in a
    single pass over the order lines, and everything after that (interactions, item pairs
    and triples) groups and joins integers. The three code tables and the coded lines are
    held by the engine (:meth:`ibis.Table.cache`) until ``held`` closes.

    The customer and product numbering may include ids without a basket item by ``day``;
    :mod:`segmint.scoring.recommend.data` renumbers to those present.
    """
    orders = purchase_orders(mart, day)
    kept = orders.filter(
        (orders.status.isnull() | ~orders.status.isin(NOT_KEPT)) & orders.customer_id.notnull()
    )
    names = kept.select("customer_id").distinct()
    customers = held.enter_context(
        names.select("customer_id", user=ibis.row_number().over(order_by="customer_id")).cache()
    )
    lines = _goods(mart.table("order_lines"), exclude_products)
    bought = lines.filter(lines.quantity > 0)
    ids = bought.select("product_id").distinct()
    products = held.enter_context(
        ids.select("product_id", item=ibis.row_number().over(order_by="product_id")).cache()
    )
    with_user = kept.join(customers, "customer_id")
    days = date_literal(day).delta(with_user.order_ts.date(), unit="day")
    with ExitStack() as scratch:  # the order numbering is dropped once the lines are coded
        numbered = scratch.enter_context(
            with_user.select(
                "order_id",
                basket=ibis.row_number().over(),
                user=with_user.user.cast("int32"),
                days=days.cast("int32"),
            ).cache()
        )
        joined = bought.join(numbered, "order_id").join(products, "product_id")
        # one row per (order, product); the customer and the day follow from the order
        coded = joined.group_by(["basket", joined.item.cast("int32").name("item")]).aggregate(
            user=joined.user.max(), days=joined.days.max(), quantity=joined.quantity.sum()
        )
        lines = held.enter_context(coded.cache())
    return CodedBaskets(customers, products, lines)
