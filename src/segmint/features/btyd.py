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
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.features.asof import date_literal

DAYS_PER_WEEK = 7.0


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
        "btyd_recency": agg.btyd_last_day.delta(first, unit="day") / DAYS_PER_WEEK,
        "btyd_T": date_literal(day).delta(first, unit="day") / DAYS_PER_WEEK,
    }
