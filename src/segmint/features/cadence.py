"""Purchase cadence: how regularly a customer comes back.

The gaps are measured between consecutive purchases (see :mod:`segmint.features.orders`)
in fractional days, from their timestamps, so two orders on the same day are a short gap,
not no gap. The mean needs two purchases (one gap); the standard deviation (sample,
``n - 1`` in the denominator) needs three (two gaps). Otherwise both are null.
"""

from __future__ import annotations

import ibis.expr.types as ir

SECONDS_PER_DAY = 86_400.0


def cadence_features(orders: ir.Table) -> ir.Table:
    """``interpurchase_mean_days`` and ``interpurchase_std_days`` per customer.

    Args:
        orders: purchases, at least ``customer_id`` and ``order_ts``.
    """
    seconds = orders.order_ts.epoch_seconds()
    previous = seconds.lag().over(group_by="customer_id", order_by=["order_ts", "order_id"])
    gaps = orders.select("customer_id", gap=(seconds - previous) / SECONDS_PER_DAY)
    return gaps.group_by("customer_id").aggregate(
        interpurchase_mean_days=gaps.gap.mean(),
        interpurchase_std_days=gaps.gap.std(how="sample"),
    )
