"""Purchase cadence: how regularly a customer comes back, and how long the last absence was.

The gaps are measured between consecutive purchases (see :mod:`segmint.features.orders`)
in fractional days, from their timestamps, so two orders on the same day are a short gap,
not no gap. The mean needs two purchases (one gap); the standard deviation (sample,
``n - 1`` in the denominator) needs three (two gaps). Otherwise both are null.

The last absence is counted in purchase *days* (calendar dates with at least one
purchase): ``previous_gap_days`` is the number of days between the last two purchase
days (null with fewer than two), and ``prior_cadence_days`` the mean gap between the
purchase days before the last one, ``(second-to-last day - first day) / (days - 2)``
(null with fewer than three). Lifecycle stages compare the two to tell a customer who
came back after a long absence (see :mod:`segmint.segmentation.lifecycle`).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

SECONDS_PER_DAY = 86_400.0


PURCHASE_ORDER = ibis.window(group_by="customer_id", order_by="order_ts")
"""Each customer's purchases in time order: the window of :func:`gap_columns` and of the
BTYD first day (:func:`segmint.features.btyd.first_day_column`). Added to the purchases in
one ``mutate``, columns over the same window cost the engine one sort."""


def gap_columns(orders: ir.Table) -> dict[str, ir.Value]:
    """``gap_days`` (days since the previous purchase, fractional) and ``day_gap`` (whole
    calendar days since the previous purchase's date) of each of ``orders``; null first.

    Both lags are over :data:`PURCHASE_ORDER`, so the engine sorts each customer's
    purchases once.
    """
    seconds = orders.order_ts.epoch_seconds()
    day = orders.order_ts.date()
    # purchases at the same instant are gaps of 0 in any order, so no tie-breaker is needed
    return {
        "gap_days": (seconds - seconds.lag().over(PURCHASE_ORDER)).cast("float64")
        / SECONDS_PER_DAY,
        "day_gap": day.delta(day.lag().over(PURCHASE_ORDER), unit="day"),
    }


def cadence_metrics(orders: ir.Table) -> dict[str, ir.Value]:
    """Per-customer aggregates behind the cadence columns (see :func:`cadence_columns`).

    Args:
        orders: purchases with ``gap_days`` and ``day_gap`` from :func:`gap_columns`.
    """
    day = orders.order_ts.date()
    # the first purchase of each purchase day is the only one with a gap of whole days > 0
    # (or no previous purchase), so counting those counts purchase days without a distinct
    new_day = orders.day_gap.isnull() | (orders.day_gap > 0)
    # the latest (day, gap) pair: on the last purchase day the largest gap is the one from
    # the previous purchase day; -1 stands for "no previous purchase"
    last = ibis.struct({"day": day, "gap": orders.day_gap.fill_null(-1)}).max()
    return {
        "interpurchase_mean_days": orders.gap_days.mean(),
        "interpurchase_std_days": orders.gap_days.std(how="sample"),
        "purchase_days": orders.count(where=new_day),
        "purchase_span_days": day.max().delta(day.min(), unit="day"),
        "last_day_gap": last["gap"],
    }


def cadence_columns(agg: ir.Table) -> dict[str, ir.Value]:
    """``interpurchase_mean_days``, ``interpurchase_std_days``, ``previous_gap_days`` and
    ``prior_cadence_days`` from the :func:`cadence_metrics` aggregates."""
    previous = ibis.ifelse(
        agg.purchase_days >= 2, agg.last_day_gap.cast("float64"), ibis.null("float64")
    )
    prior = ibis.ifelse(
        agg.purchase_days >= 3,
        (agg.purchase_span_days - previous) / (agg.purchase_days - 2).cast("float64"),
        ibis.null("float64"),
    )
    return {
        "interpurchase_mean_days": agg.interpurchase_mean_days,
        "interpurchase_std_days": agg.interpurchase_std_days,
        "previous_gap_days": previous,
        "prior_cadence_days": prior,
    }
