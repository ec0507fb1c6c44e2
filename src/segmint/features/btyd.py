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

import ibis.expr.types as ir

from segmint.features.asof import date_literal

DAYS_PER_WEEK = 7.0


def btyd_features(orders: ir.Table, day: dt.date) -> ir.Table:
    """``btyd_frequency``, ``btyd_recency``, ``btyd_T`` per customer with a purchase.

    Args:
        orders: purchases with their value, from :func:`segmint.features.orders.order_values`.
        day: the as-of day.
    """
    bought = orders.filter(orders.net >= 0)
    dated = bought.select("customer_id", day=bought.order_ts.date())
    agg = dated.group_by("customer_id").aggregate(
        n_days=dated.day.nunique(), first_day=dated.day.min(), last_day=dated.day.max()
    )
    return agg.select(
        "customer_id",
        btyd_frequency=agg.n_days - 1,
        btyd_recency=agg.last_day.delta(agg.first_day, unit="day") / DAYS_PER_WEEK,
        btyd_T=date_literal(day).delta(agg.first_day, unit="day") / DAYS_PER_WEEK,
    )
