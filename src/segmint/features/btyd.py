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
their first day (0 when x = 0). A customer-day's value is the sum of that day's purchases of
non-negative value. The stored feature ``btyd_monetary`` is the same number: both come from
:func:`btyd_metrics` and :func:`btyd_columns`, and the values are summed exactly (as
decimals, :data:`EXACT_VALUE`), so they agree to the bit whatever order the engine adds
the purchases in, and :func:`summary_of_features` reads the summary back from stored
features. The calibration/holdout split of the published CDNOW validation is
:mod:`segmint.features.btyd_split`.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.features.asof import AsOf, date_literal, resolve_as_of
from segmint.features.cadence import PURCHASE_ORDER
from segmint.features.orders import purchase_values
from segmint.mart import Mart

DAYS_PER_WEEK = 7.0

SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")
"""Columns of :func:`btyd_summary`, named as in the literature and in :mod:`segmint.models`."""

SUMMARY_FEATURES = {
    "frequency": "btyd_frequency",
    "recency": "btyd_recency",
    "T": "btyd_T",
    "monetary_value": "btyd_monetary",
}
"""The feature column behind each column of :func:`btyd_summary` but ``customer_id``."""

EXACT_VALUE = ibis.dtype("decimal(38, 9)")
"""Purchase values are summed as decimals with 9 places: exactly, so the sum does not depend
on the order the engine adds them in (floating-point addition does)."""

FIRST_DAY = "first_transaction_day"
"""The column of :func:`first_day_column`."""


def first_day_column(orders: ir.Table) -> dict[str, ir.Value]:
    """The customer's first transaction day (:data:`FIRST_DAY`) on each of ``orders`` from
    their first transaction on (null before it): the earliest transaction so far in
    :data:`~segmint.features.cadence.PURCHASE_ORDER`, whose sort it shares with the gaps."""
    day = orders.order_ts.date()
    return {FIRST_DAY: day.min(where=orders.net >= 0).over(PURCHASE_ORDER)}


def btyd_metrics(orders: ir.Table) -> dict[str, ir.Value]:
    """Per-customer aggregates behind the BTYD columns (see :func:`btyd_columns`).

    ``btyd_repeat_value`` is the exact sum (:data:`EXACT_VALUE`) of the transactions after
    the first transaction day: the value of the repeat customer-days.

    Args:
        orders: purchases with their value, from :func:`segmint.features.orders.order_values`,
            with the first transaction day of :func:`first_day_column`.
    """
    transaction = orders.net >= 0
    day = orders.order_ts.date()
    repeat = transaction & (day > orders[FIRST_DAY])
    return {
        "btyd_days": day.nunique(where=transaction),
        "btyd_first_day": day.min(where=transaction),
        "btyd_last_day": day.max(where=transaction),
        "btyd_repeat_value": orders.net.cast(EXACT_VALUE).sum(where=repeat),
    }


def btyd_columns(agg: ir.Table, day: dt.date) -> dict[str, ir.Value]:
    """``btyd_frequency``, ``btyd_recency``, ``btyd_T`` and ``btyd_monetary`` (the mean value
    of the repeat customer-days, 0 when there is none); null without a transaction."""
    first = agg.btyd_first_day
    repeat = agg.btyd_days - 1
    mean = agg.btyd_repeat_value.cast("float64") / repeat.cast("float64")
    return {
        "btyd_frequency": ibis.ifelse(first.isnull(), ibis.null("int64"), repeat),
        "btyd_recency": agg.btyd_last_day.delta(first, unit="day").cast("float64") / DAYS_PER_WEEK,
        "btyd_T": date_literal(day).delta(first, unit="day").cast("float64") / DAYS_PER_WEEK,
        "btyd_monetary": ibis.cases(
            (first.isnull(), ibis.null("float64")), (repeat > 0, mean), else_=0.0
        ),
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
    customers after their first purchase. ``monetary_value`` is 0 when x = 0. The columns
    are the features of :data:`SUMMARY_FEATURES`, computed as the feature store computes them.
    """
    day = resolve_as_of(mart, as_of)
    purchases = purchase_values(mart, day)
    orders = purchases.mutate(**first_day_column(purchases))
    agg = orders.group_by("customer_id").aggregate(**btyd_metrics(orders))
    bought = agg.filter(agg.btyd_first_day.notnull())
    columns = btyd_columns(bought, day)
    return bought.select(
        "customer_id", **{name: columns[feature] for name, feature in SUMMARY_FEATURES.items()}
    )


def summary_of_features(features: ir.Table) -> ir.Table:
    """The :func:`btyd_summary` of the customers in ``features`` (a feature table holding
    the columns of :data:`SUMMARY_FEATURES`), read from their BTYD columns: no purchase is
    summed again. Customers without a transaction have no row, as in the summary."""
    bought = features.filter(features.btyd_frequency.notnull())
    return bought.select(
        "customer_id", **{name: bought[feature] for name, feature in SUMMARY_FEATURES.items()}
    )
