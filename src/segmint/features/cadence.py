"""Purchase cadence: how regularly a customer comes back.

The gaps are measured between consecutive purchases (see :mod:`segmint.features.orders`)
in fractional days, from their timestamps, so two orders on the same day are a short gap,
not no gap. The mean needs two purchases (one gap); the standard deviation (sample,
``n - 1`` in the denominator) needs three (two gaps). Otherwise both are null.
"""

from __future__ import annotations

import ibis.expr.types as ir

SECONDS_PER_DAY = 86_400.0


def with_gaps(orders: ir.Table) -> ir.Table:
    """``orders`` with ``gap_days``: days since the customer's previous purchase (null first)."""
    seconds = orders.order_ts.epoch_seconds()
    # purchases at the same instant are gaps of 0 in any order, so no tie-breaker is needed
    previous = seconds.lag().over(group_by="customer_id", order_by="order_ts")
    return orders.mutate(gap_days=(seconds - previous) / SECONDS_PER_DAY)


def cadence_metrics(orders: ir.Table) -> dict[str, ir.Value]:
    """``interpurchase_mean_days`` and ``interpurchase_std_days`` as per-customer aggregates.

    Args:
        orders: purchases with ``gap_days`` from :func:`with_gaps`.
    """
    return {
        "interpurchase_mean_days": orders.gap_days.mean(),
        "interpurchase_std_days": orders.gap_days.std(how="sample"),
    }
