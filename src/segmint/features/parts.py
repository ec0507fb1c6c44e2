"""What each feature group stores per customer, and the columns read from it.

:func:`part` is the table a group stores (one row per customer it covers): aggregates for
the ageable purchase groups, the finished columns for the others. :func:`columns` turns a
joined row of parts into feature columns as of a day. The purchase groups asked for
together share one group-by over the purchases (:func:`purchase_part`), so a full build
still reads the orders once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import ibis
import ibis.expr.types as ir

from segmint.features.asof import date_literal, end_of
from segmint.features.attributes import AttributeColumn, attribute_features
from segmint.features.btyd import FIRST_DAY, btyd_columns, btyd_metrics, first_day_column
from segmint.features.cadence import cadence_columns, cadence_metrics, gap_columns
from segmint.features.categories import category_features
from segmint.features.demographics import demographic_features
from segmint.features.groups import PURCHASE_GROUPS
from segmint.features.orders import (
    PURCHASE_STATUSES,
    WINDOWS_DAYS,
    margin_columns,
    margin_metrics,
    order_values,
    purchase_columns,
    purchase_lines,
    purchase_metrics,
    purchase_orders,
    purchase_values,
    window_metrics,
)
from segmint.features.web import web_features
from segmint.mart import Mart

Metrics = Callable[[ir.Table, dt.date], dict[str, ir.Value]]

METRICS: dict[str, Metrics] = {
    "purchases": lambda orders, day: purchase_metrics(orders),
    "cadence": lambda orders, day: cadence_metrics(orders),
    "windows": window_metrics,
    "margins": lambda orders, day: margin_metrics(orders),
    "btyd": lambda orders, day: btyd_metrics(orders),
}
"""The aggregates each purchase group stores, over :func:`purchase_part`'s purchases."""


def purchase_part(
    mart: Mart, day: dt.date, groups: Iterable[str], customers: ir.Table | None = None
) -> ir.Table:
    """The aggregates of the purchase ``groups`` in one group-by, one row per buyer.

    Reads only what those groups need: product costs only for ``margins``, line values
    only when a group uses money, the per-customer ordering only for ``cadence`` and
    ``btyd`` (which share it). With ``customers`` (a table with ``customer_id``), only
    their purchases are read.
    """
    names = [g for g in PURCHASE_GROUPS if g in set(groups)]
    if "margins" in names:
        orders = order_values(mart, day, customers=customers)
    elif names == ["windows"]:  # alone, the windows read only their longest window
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        since = end - dt.timedelta(days=max(WINDOWS_DAYS))
        orders = purchase_values(mart, day, customers, since)
    elif {"purchases", "windows", "btyd"} & set(names):
        orders = purchase_values(mart, day, customers)
    else:
        orders = purchase_orders(mart, day)
        if customers is not None:
            orders = orders.semi_join(customers, "customer_id")
    windowed: dict[str, ir.Value] = {}  # one mutate: the windows share one sort
    if "cadence" in names:
        windowed |= gap_columns(orders)
    if "btyd" in names:
        windowed |= first_day_column(orders)
    if windowed:
        orders = orders.mutate(**windowed)
    metrics: dict[str, ir.Value] = {}
    for name in names:
        metrics.update(METRICS[name](orders, day))
    return orders.group_by("customer_id").aggregate(**metrics)


_PURCHASE_SHAPE = ibis.table(
    {
        "customer_id": "string",
        "order_ts": "timestamp",
        "channel": "string",
        "status": "string",
        "net": "float64",
        "gross": "float64",
        "discount": "float64",
        "costed_net": "float64",
        "margin": "float64",
        "gap_days": "float64",
        "day_gap": "int64",
        FIRST_DAY: "date",
    },
    name="purchases",
)
"""The shape of the purchases :data:`METRICS` read, to name a group's aggregates."""


def metric_names(group: str, table: ir.Table) -> list[str]:
    """The columns of ``group`` in ``table``, a part or a shared pass: its aggregates for
    a purchase group, every column but key and date for the others."""
    if group in PURCHASE_GROUPS:
        return list(METRICS[group](_PURCHASE_SHAPE, dt.date(2000, 1, 1)))
    return [c for c in table.columns if c not in ("customer_id", "as_of")]


def population_part(mart: Mart, day: dt.date) -> ir.Table:
    """Every customer known as of ``day`` (see :mod:`segmint.features.population`) with
    their ``signup_date`` (null when later than ``day``) and first purchase
    (``first_purchase_ts``), the two ends of the tenure."""
    orders = mart.table("orders")
    orders = orders.filter(orders.order_ts < end_of(day))
    counted = orders.status.isnull() | orders.status.isin(PURCHASE_STATUSES)
    ordered = orders.group_by("customer_id").aggregate(
        first_purchase_ts=orders.order_ts.min(where=counted)
    )
    customers = mart.table("customers")
    signed = customers.filter(customers.signup_date <= day).select("customer_id", "signup_date")
    both = signed.outer_join(ordered, "customer_id", rname="{name}_ordered")
    return both.select(
        customer_id=both.customer_id.coalesce(both.customer_id_ordered),
        signup_date=both.signup_date,
        first_purchase_ts=both.first_purchase_ts,
    )


def customer_part(mart: Mart, day: dt.date, group: str, customers: ir.Table) -> ir.Table:
    """The part of an ageable ``group`` for ``customers`` (a table with ``customer_id``)
    only, from their whole history up to ``day``."""
    if group == "categories":
        lines = purchase_lines(mart, day)
        return category_features(mart, lines.semi_join(customers, "customer_id"))
    return purchase_part(mart, day, [group], customers)


def other_part(mart: Mart, day: dt.date, group: str, attributes: list[AttributeColumn]) -> ir.Table:
    """The finished columns of a group that is not a purchase group."""
    if group == "population":
        return population_part(mart, day)
    if group == "categories":
        return category_features(mart, purchase_lines(mart, day))
    if group == "web":
        return web_features(mart, day, purchase_orders(mart, day))
    if group == "demographics":
        return demographic_features(mart, day).drop("signup_date")
    return attribute_features(mart, day, attributes)


def columns(joined: ir.Table, day: dt.date, group: str, part: ir.Table) -> dict[str, ir.Value]:
    """The feature columns of ``group`` from ``joined``, a table holding the columns of
    ``part`` (the group's part)."""
    if group == "population":
        start = ibis.least(joined.first_purchase_ts.date(), joined.signup_date)
        return {"tenure_days": date_literal(day).delta(start, unit="day")}
    if group == "purchases":
        built = purchase_columns(joined, day)
        built["repeat_orders"] = ibis.greatest(joined.frequency.fill_null(0) - 1, 0)
        return built
    if group == "cadence":
        return cadence_columns(joined)
    if group == "margins":
        return margin_columns(joined)
    if group == "btyd":
        return btyd_columns(joined, day)
    return {c: joined[c] for c in metric_names(group, part)}
