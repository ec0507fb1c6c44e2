"""Baskets as of a date, in the engine: what each order held, and what came back.

A *basket* is a purchase (an order counted by :func:`segmint.features.orders.purchase_orders`:
status ``completed``, ``returned`` or missing, as of the end of the day) with what was
kept of it. On ingest a return is booked on the order it reverses, as lines with a
negative quantity, and that order becomes ``returned``: part of it came back
(:mod:`segmint.mart.returns`). So, per product of an order, the units kept are the units
sold less the units returned on that order, and the basket's items are the products with
units kept; a product the customer sent back in full is no item of it, and an order sent
back in full is no basket. A product on two lines of one order is one item of the basket.
A ``returned`` order with no return line (a file's status word, with nothing saying what
came back) is a basket of all its products, as the purchase features count it in full.

*Returned* items, per customer, are the products they sent back in full on an order
(units kept none, at least one returned) or that were on an order ``cancelled`` as a
whole (a sale cancelled in full, a return whose sale is unknown). They are never
recommended to that customer. A product partly sent back (two of five units) was kept:
it is an item of its basket and not a returned item.

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

from segmint.exceptions import InputError
from segmint.features.asof import date_literal, end_of
from segmint.features.orders import purchase_orders
from segmint.mart import Mart

NO_UNITS = 1e-9
"""Units kept at or under this are none (sums of fractional quantities, such as kilograms,
can miss zero by a rounding error)."""


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
    (units of the product kept from the order: sold less returned).
    """
    orders = purchase_orders(mart, day, since).select("order_id", "customer_id", "order_ts")
    lines = _goods(mart.table("order_lines"), exclude_products)
    joined = lines.join(orders, "order_id")
    kept = joined.group_by(["order_id", "customer_id", "order_ts", "product_id"]).aggregate(
        quantity=joined.quantity.sum()
    )
    return kept.filter(kept.quantity > NO_UNITS)


def returned_items(mart: Mart, day: dt.date, *, exclude_products: Sequence[str] = ()) -> ir.Table:
    """Distinct (``customer_id``, ``product_id``) each customer sent back in full on an order,
    or had on a cancelled order, by ``day``.

    Two small joins rather than one large one: the (order, product) pairs with a return
    line, netted over their lines, with their orders; and the lines of the few orders
    cancelled whole.
    """
    orders = mart.table("orders")
    known = orders.filter(orders.order_ts < end_of(day)).select("order_id", "customer_id", "status")
    goods = _goods(mart.table("order_lines"), exclude_products)
    with_returns = goods.filter(goods.quantity < 0).select("order_id", "product_id").distinct()
    netted = goods.semi_join(with_returns, ["order_id", "product_id"])
    net = netted.group_by(["order_id", "product_id"]).aggregate(quantity=netted.quantity.sum())
    in_full = net.filter(net.quantity <= NO_UNITS).select("order_id", "product_id")
    sent_back = in_full.join(known, "order_id").select("customer_id", "product_id")
    cancelled = known.filter(known.status == "cancelled")
    whole = goods.select("order_id", "product_id").join(cancelled, "order_id")
    whole = whole.select("customer_id", "product_id")
    return ibis.union(sent_back, whole, distinct=True)


@dataclass(frozen=True)
class CodedBaskets:
    """The baskets as of a date in integer codes, held by the engine.

    Attributes:
        customers: ``customer_id``, ``user``: every customer with a purchase by the date,
            numbered ``0..`` in sorted order (some may have no basket item: postage only,
            or everything sent back).
        products: ``product_id``, ``item``: every product ever bought (a positive quantity)
            that is not excluded, numbered ``0..`` in sorted order (most are in baskets by the
            date; later ones are dictionary entries only).
        lines: one row per item of each basket: ``basket`` (an integer per order),
            ``user``, ``item``, ``days`` (whole days from the order to the date) and
            ``quantity`` (units of the product kept from the order: sold less returned).
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
    purchases = orders.filter(orders.customer_id.notnull())
    names = purchases.select("customer_id").distinct()
    customers = held.enter_context(
        names.select("customer_id", user=ibis.row_number().over(order_by="customer_id")).cache()
    )
    lines = _goods(mart.table("order_lines"), exclude_products)
    ids = lines.filter(lines.quantity > 0).select("product_id").distinct()
    products = held.enter_context(
        ids.select("product_id", item=ibis.row_number().over(order_by="product_id")).cache()
    )
    with_user = purchases.join(customers, "customer_id")
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
        joined = lines.join(numbered, "order_id").join(products, "product_id")
        # one row per (order, product) with units kept; the customer and the day follow
        # from the order
        coded = joined.group_by(["basket", joined.item.cast("int32").name("item")]).aggregate(
            user=joined.user.max(), days=joined.days.max(), quantity=joined.quantity.sum()
        )
        lines = held.enter_context(coded.filter(coded.quantity > NO_UNITS).cache())
    return CodedBaskets(customers, products, lines)


def no_baskets(as_of: dt.date) -> InputError:
    """The error of a date by which no purchase names a product: nothing to learn from
    (a purchase log without products, such as CDNOW's, or a date before the first)."""
    return InputError(
        f"no purchases with products are known by {as_of}; recommendations need baskets "
        "(orders with order lines naming products). Pick a later date or load order lines."
    )
