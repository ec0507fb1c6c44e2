"""The buy-till-you-die summary: frequency, recency and age in weeks, lifetimes' semantics.

The BTYD models (Pareto/NBD, Schmittlein, Morrison & Colombo 1987; BG/NBD, Fader, Hardie &
Lee 2005, "Counting Your Customers the Easy Way", Marketing Science 24(2)) take per
customer:

* ``btyd_frequency`` (x): repeat purchase *days*. Purchases are merged per customer and
  calendar day (a "customer-day"), and the first day is not a repeat, so x = distinct
  purchase days - 1. Purchases of negative value (a return booked as its own order) are
  not transactions; a purchase worth 0 is one, as in the published CDNOW summary,
  where 8 customers' first purchase was worth $0.
* ``btyd_recency`` (t_x): weeks from the first purchase day to the last one (0 when x = 0).
* ``btyd_T`` (T): weeks from the first purchase day to the as-of day.

Day differences are between calendar dates and a week is 7 days. With as-of 1997-09-30
these reproduce the published CDNOW calibration summary exactly (a customer first buying
on 1997-01-01 has T = 272 / 7 = 38.86). Customers with no purchase yet have null BTYD
columns: the models describe customers after their first purchase.

:func:`btyd_summary` gives the same columns as the models' input frame (one row per
customer with a transaction, named as in the literature: ``frequency``, ``recency``, ``T``)
plus ``monetary_value`` for the Gamma-Gamma spend model (Fader & Hardie 2013, note 025):
the mean value of the x repeat customer-days, i.e. the customer's transaction value without
their first day. A customer-day's value is the sum of that day's purchases of non-negative
value. The calibration/holdout split of the published CDNOW validation is
:mod:`segmint.features.btyd_split`.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.features.asof import AsOf, date_literal, resolve_as_of
from segmint.features.orders import purchase_values
from segmint.mart import Mart

DAYS_PER_WEEK = 7.0

SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")
"""Columns of :func:`btyd_summary`, named as in the literature and in :mod:`segmint.models`."""


def btyd_metrics(orders: ir.Table) -> dict[str, ir.Value]:
    """Per-customer aggregates behind the BTYD columns (see :func:`btyd_columns`).

    Args:
        orders: purchases with their value, from :func:`segmint.features.orders.order_values`.
    """
    transaction = orders.net >= 0
    day = orders.order_ts.date()
    return {
        "btyd_days": day.nunique(where=transaction),
        "btyd_first_day": day.min(where=transaction),
        "btyd_last_day": day.max(where=transaction),
    }


def btyd_columns(agg: ir.Table, day: dt.date) -> dict[str, ir.Value]:
    """``btyd_frequency``, ``btyd_recency``, ``btyd_T``; null without a transaction."""
    first = agg.btyd_first_day
    return {
        "btyd_frequency": ibis.ifelse(first.isnull(), ibis.null("int64"), agg.btyd_days - 1),
        "btyd_recency": agg.btyd_last_day.delta(first, unit="day").cast("float64") / DAYS_PER_WEEK,
        "btyd_T": date_literal(day).delta(first, unit="day").cast("float64") / DAYS_PER_WEEK,
    }


def transaction_days(mart: Mart, day: dt.date) -> ir.Table:
    """One row per customer and purchase day up to ``day``: ``customer_id``, ``day``, ``value``.

    Purchases of negative value (returns booked as their own order) are not transactions,
    as in :func:`btyd_metrics`; a purchase worth 0 is one.
    """
    orders = purchase_values(mart, day)
    transactions = orders.filter(orders.net >= 0)
    return transactions.group_by("customer_id", day=transactions.order_ts.date()).aggregate(
        value=transactions.net.sum()
    )


def btyd_summary(mart: Mart, as_of: AsOf | None = None) -> ir.Table:
    """Per customer with a transaction up to ``as_of``: x, t_x, T (weeks) and mean repeat spend.

    Customers without a transaction yet (prospects) have no row: the models describe
    customers after their first purchase. ``monetary_value`` is 0 when x = 0.
    """
    day = resolve_as_of(mart, as_of)
    days = transaction_days(mart, day)
    agg = days.group_by("customer_id").aggregate(
        btyd_days=days.count(),
        btyd_first_day=days.day.min(),
        btyd_last_day=days.day.max(),
        total=days.value.sum(),
        first_value=days.value.argmin(days.day),
    )
    columns = btyd_columns(agg, day)
    repeat = (agg.btyd_days - 1).cast("float64")
    return agg.select(
        "customer_id",
        frequency=columns["btyd_frequency"],
        recency=columns["btyd_recency"],
        T=columns["btyd_T"],
        monetary_value=ibis.ifelse(repeat > 0, (agg.total - agg.first_value) / repeat, 0.0),
    )
