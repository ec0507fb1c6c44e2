"""Who has a row in the feature table as of a date.

A customer is known as of ``D`` when the customers table says they signed up on or
before ``D``, or when they placed any order (whatever its status) before the end of
``D``. Customers with a ``customers`` row but no signup date and no order by then, and
customers whose only orders come later, are left out: nothing up to ``D`` shows they
existed, and including them would let later data change past feature tables.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir

from segmint.features.asof import end_of
from segmint.mart import Mart


def population(mart: Mart, day: dt.date) -> ir.Table:
    """One row per customer known as of ``day``: the single column ``customer_id``."""
    customers = mart.table("customers")
    orders = mart.table("orders")
    signed_up = customers.filter(customers.signup_date <= day).select("customer_id")
    ordered = orders.filter(orders.order_ts < end_of(day)).select("customer_id")
    return signed_up.union(ordered, distinct=True)
