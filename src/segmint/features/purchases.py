"""All per-customer purchase features in one group-by over the purchases.

Purchase, cadence and BTYD features read the same rows (one per purchase, with its value
and the gap since the previous one), so they are computed by a single aggregate: each
concern contributes named aggregates (``*_metrics``) and the columns derived from them
(``*_columns``). One pass over the orders instead of three keeps the build fast on tens of
millions of orders.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir

from segmint.features.btyd import btyd_columns, btyd_metrics
from segmint.features.cadence import cadence_columns, cadence_metrics, with_gaps
from segmint.features.orders import order_columns, order_metrics


def purchase_features(orders: ir.Table, day: dt.date) -> ir.Table:
    """Purchase, cadence and BTYD columns per customer with a purchase.

    Args:
        orders: purchases with their value, from :func:`segmint.features.orders.order_values`.
        day: the as-of day.
    """
    gapped = with_gaps(orders)
    agg = gapped.group_by("customer_id").aggregate(
        **order_metrics(gapped, day), **cadence_metrics(gapped), **btyd_metrics(gapped)
    )
    return agg.select(
        "customer_id",
        **order_columns(agg, day),
        **cadence_columns(agg),
        **btyd_columns(agg, day),
    )
