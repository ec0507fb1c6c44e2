"""Purchase features: recency, frequency, money, windows, returns, discounts, margin, channels.

Everything here starts from the *purchases* known as of the date: orders stamped before
the end of the as-of day whose status is ``completed`` or ``returned`` (or missing, which
a plain transactions file gives). Cancelled orders never happened commercially and are
left out of every purchase feature.

An order's value is the sum over its lines of ``quantity * unit_price - discount`` (a
missing discount is 0). Lines with a negative quantity are returned goods, so a return
recorded as its own order (as Online Retail does) has a negative value and nets out the
sale. The status only decides whether an order counts; it does not change the sign.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.features.asof import date_literal, end_of
from segmint.features.categories import coded_products
from segmint.features.order_totals import kept, line_net
from segmint.mart import Mart

PURCHASE_STATUSES = ("completed", "returned")
"""Order statuses that count as purchases; ``cancelled`` is excluded."""

WINDOWS_DAYS = (30, 90, 365)
"""Trailing windows, in days ending with the as-of day, for ``orders_Nd`` and ``spend_Nd``."""

CHANNELS = ("web", "app", "store", "phone")
"""Sales channels with their own ``share_<channel>`` column; the rest go to ``share_other``."""


def purchase_orders(mart: Mart, day: dt.date, since: dt.datetime | None = None) -> ir.Table:
    """Orders that count as purchases as of ``day`` (see the module docstring).

    ``since`` keeps only orders stamped at or after it (a trailing window such as the
    year of the money views), so the engine never reads the lines of older orders.
    """
    known = _purchases_of(mart.table("orders"), day, since)
    return known.select("order_id", "customer_id", "order_ts", "channel", "status")


def _purchases_of(orders: ir.Table, day: dt.date, since: dt.datetime | None) -> ir.Table:
    """The rows of ``orders`` (``orders`` or ``order_totals``) that count as purchases as of
    ``day``, from ``since`` when given."""
    counted = orders.status.isnull() | orders.status.isin(PURCHASE_STATUSES)
    known = orders.filter(orders.order_ts < end_of(day), counted)
    return known if since is None else known.filter(known.order_ts >= since)


def cancelled_only(mart: Mart, day: dt.date) -> ir.Table:
    """``customer_id`` of the customers who, as of ``day``, ordered and cancelled every
    order: at least one ``cancelled`` order and no purchase.

    They have no purchase features (``frequency`` 0), as a prospect who never ordered, but
    they are no prospects: they ordered (Online Retail II has 81 whose every invoice is a
    cancellation), and segments, personas and their plays say so.
    """
    orders = mart.table("orders")
    known = orders.filter(orders.order_ts < end_of(day))
    bought = known.status.isnull() | known.status.isin(PURCHASE_STATUSES)
    per_customer = known.group_by("customer_id").aggregate(
        n_purchases=bought.cast("int64").sum(),
        n_cancelled=(known.status == "cancelled").cast("int64").sum(),
    )
    kept = per_customer.filter((per_customer.n_cancelled > 0) & (per_customer.n_purchases == 0))
    return kept.select("customer_id")


def purchase_lines(mart: Mart, day: dt.date, since: dt.datetime | None = None) -> ir.Table:
    """Lines of the purchases as of ``day`` (from ``since``, when given), with their money
    and their product's category.

    Columns: ``order_id``, ``customer_id``, ``quantity``, ``category`` and its
    ``category_code`` (see :func:`segmint.features.categories.coded_products`), ``net`` (line
    value), ``gross`` (``quantity * unit_price``, before discount), ``discount``, ``cost``
    (``quantity * unit cost``, the line's cost or else the product's; null when neither
    is known).
    """
    lines = mart.table("order_lines")
    products = coded_products(mart).select(
        "product_id", "category", "category_code", product_cost="unit_cost"
    )
    orders = purchase_orders(mart, day, since).select("order_id", "customer_id")
    joined = lines.join(orders, "order_id").left_join(products, "product_id")
    return joined.select(
        "order_id", "customer_id", "quantity", "category", "category_code", **_line_money(joined)
    )


def _line_money(joined: ir.Table) -> dict[str, ir.Value]:
    """``net``, ``gross``, ``discount`` and ``cost`` of lines joined to their product's
    ``product_cost`` (the line's own unit cost first)."""
    return {
        "net": line_net(joined),
        "gross": joined.quantity * joined.unit_price,
        "discount": joined.discount.fill_null(0.0),
        "cost": joined.quantity * joined.unit_cost.coalesce(joined.product_cost),
    }


def line_values(mart: Mart, orders: ir.Table | None = None) -> ir.Table:
    """Order lines with their money: ``order_id``, ``quantity``, ``net``, ``gross``,
    ``discount`` and ``cost`` (as in :func:`purchase_lines`), without customer or category.

    With ``orders``, only the lines of those orders; without, every line, summed per
    order without first joining the orders: the cheapest route when most orders count.
    """
    lines = mart.table("order_lines")
    if orders is not None:
        lines = lines.semi_join(orders.select("order_id"), "order_id")
    products = mart.table("products").select("product_id", product_cost="unit_cost")
    joined = lines.left_join(products, "product_id")
    return joined.select("order_id", "quantity", **_line_money(joined))


def order_values(
    mart: Mart,
    day: dt.date,
    since: dt.datetime | None = None,
    customers: ir.Table | None = None,
) -> ir.Table:
    """One row per purchase as of ``day`` with its money: ``net``, ``gross``, ``discount``,
    ``margin``…

    ``margin`` and ``costed_net`` only cover lines whose cost is known, so a margin rate
    is never diluted by lines of unknown cost. An order without lines is worth 0. With
    ``since``, only purchases from then on, and with ``customers`` (a table with
    ``customer_id``) only theirs; then only the lines of those purchases are read.
    """
    orders = purchase_orders(mart, day, since)
    if customers is not None:
        orders = orders.semi_join(customers, "customer_id")
    narrowed = since is not None or customers is not None
    lines = line_values(mart, orders if narrowed else None)
    known = lines.cost.notnull()
    per_order = lines.group_by("order_id").aggregate(
        net=lines.net.sum(),
        gross=lines.gross.sum(where=lines.quantity > 0),
        discount=lines.discount.sum(),
        costed_net=lines.net.sum(where=known),
        cost=lines.cost.sum(where=known),
    )
    joined = orders.left_join(per_order, "order_id")
    return joined.select(
        "order_id",
        "customer_id",
        "order_ts",
        "channel",
        "status",
        net=joined.net.fill_null(0.0),
        gross=joined.gross.fill_null(0.0),
        discount=joined.discount.fill_null(0.0),
        costed_net=joined.costed_net,
        margin=joined.costed_net - joined.cost,
    )


def purchase_values(
    mart: Mart,
    day: dt.date,
    customers: ir.Table | None = None,
    since: dt.datetime | None = None,
) -> ir.Table:
    """One row per purchase as of ``day`` with only its ``net`` value (0 without lines).

    The same ``net`` as :func:`order_values`, by the shortest route: read from the totals
    the loads keep (:mod:`segmint.features.order_totals`) while they match the mart; else
    lines are summed per order on their own (no product costs, no customer), then joined to
    the purchases once. The BTYD summary needs nothing more. With ``customers`` (a table
    with ``customer_id``), only their purchases, with ``since`` only those from then on;
    then only the lines of those purchases are read.
    """
    totals = kept(mart)
    if totals is not None:
        return _counted_totals(totals, day, customers, since)
    orders = purchase_orders(mart, day, since)
    lines = mart.table("order_lines")
    if customers is not None:
        orders = orders.semi_join(customers, "customer_id")
    if customers is not None or since is not None:
        lines = lines.semi_join(orders.select("order_id"), "order_id")
    per_order = lines.group_by("order_id").aggregate(net=line_net(lines).sum())
    joined = orders.left_join(per_order, "order_id")
    return joined.select(
        "order_id", "customer_id", "order_ts", "channel", "status", net=joined.net.fill_null(0.0)
    )


def _counted_totals(
    totals: ir.Table,
    day: dt.date,
    customers: ir.Table | None,
    since: dt.datetime | None,
) -> ir.Table:
    """:func:`purchase_values` from the kept ``order_totals``: the same purchases (as
    :func:`purchase_orders` counts them), their ``net`` 0 without lines."""
    known = _purchases_of(totals, day, since)
    if customers is not None:
        known = known.semi_join(customers, "customer_id")
    return known.select(
        "order_id", "customer_id", "order_ts", "channel", "status", net=known.net.fill_null(0.0)
    )


def _share(part: ir.NumericValue, whole: ir.NumericValue) -> ir.FloatingValue:
    """``part / whole``, null when ``whole`` is 0 (or null)."""
    return part.cast("float64") / whole.cast("float64").nullif(0.0)


def purchase_metrics(orders: ir.Table) -> dict[str, ir.Value]:
    """Per-customer aggregates behind the RFM columns (see :func:`purchase_columns`).

    None depends on the as-of day, so a customer whose purchases did not change keeps
    them from one day to the next (:mod:`segmint.features.incremental`).
    """
    return {
        "frequency": orders.count(),
        "monetary_total": orders.net.sum(),
        "n_positive": orders.count(where=orders.net > 0),
        "first_order_ts": orders.order_ts.min(),
        "last_order_ts": orders.order_ts.max(),
    }


def purchase_columns(agg: ir.Table, day: dt.date) -> dict[str, ir.Value]:
    """frequency, monetary_total, monetary_avg, first/last order date and recency_days."""
    last = agg.last_order_ts.date()
    return {
        "frequency": agg.frequency,
        "monetary_total": agg.monetary_total,
        "monetary_avg": _share(agg.monetary_total, agg.n_positive),
        "first_order_date": agg.first_order_ts.date(),
        "last_order_date": last,
        "recency_days": date_literal(day).delta(last, unit="day"),
    }


def window_metrics(orders: ir.Table, day: dt.date) -> dict[str, ir.Value]:
    """Orders and spend per trailing window ending with ``day``: the columns themselves."""
    end = end_of(day)
    metrics: dict[str, ir.Value] = {}
    for days in WINDOWS_DAYS:
        recent = orders.order_ts >= end - ibis.interval(days=days)
        metrics[f"orders_{days}d"] = orders.count(where=recent)
        metrics[f"spend_{days}d"] = orders.net.sum(where=recent).fill_null(0.0)
    return metrics


def margin_metrics(orders: ir.Table) -> dict[str, ir.Value]:
    """Per-customer aggregates behind returns, discounts, margin and channel shares (none
    depends on the as-of day)."""
    channel = orders.channel.lower().strip()
    metrics: dict[str, ir.Value] = {
        "n_orders": orders.count(),
        "returns_count": orders.count(where=(orders.status == "returned") | (orders.net < 0)),
        "discount_sum": orders.discount.sum(),
        "gross_sum": orders.gross.sum(),
        "gross_margin": orders.margin.sum(),
        "costed_net": orders.costed_net.sum(),
    }
    for name in CHANNELS:
        metrics[f"n_{name}"] = orders.count(where=channel == name)
    return metrics


def margin_columns(agg: ir.Table) -> dict[str, ir.Value]:
    """returns, return rate, discount share, margin, margin rate and channel shares."""
    shares = {f"share_{name}": _share(agg[f"n_{name}"], agg.n_orders) for name in CHANNELS}
    named = sum((agg[f"n_{name}"] for name in CHANNELS), ibis.literal(0))
    return {
        "returns_count": agg.returns_count,
        "return_rate": _share(agg.returns_count, agg.n_orders),
        "discount_share": _share(agg.discount_sum, agg.gross_sum),
        "gross_margin": agg.gross_margin,
        "margin_rate": _share(agg.gross_margin, agg.costed_net),
        **shares,
        "share_other": _share(agg.n_orders - named, agg.n_orders),
    }
