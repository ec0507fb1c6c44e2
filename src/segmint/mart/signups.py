"""Which customers' ``signup_date`` segmint derived rather than read from a file.

A transactions file creates the customers it is first to mention with ``signup_date`` =
the date of their earliest order in that file (:mod:`segmint.mart.transactions`). The mart
does not store where a value came from, but it can tell these apart: the customer's row
was written by a transactions load (its ``ingest_id`` is one in ``ingests`` with
``table_name`` ``transactions``) and its ``signup_date`` is still the date of the earliest
order that same load gave them. A customers file's ``signup_date`` replaces such a value
(:func:`segmint.mart.updates.fill_empty`); any other value, one a file gave included, is
kept and a different one reported as a conflict.
"""

from __future__ import annotations

import ibis

from segmint.mart.connection import Mart


def derived_signups(mart: Mart) -> ibis.Table:
    """The ``customer_id`` of every customer whose ``signup_date`` segmint derived."""
    customers = mart.table("customers")
    ingests = mart.table("ingests")
    orders = mart.table("orders")
    loads = ingests.filter(ingests.table_name == "transactions").select("ingest_id")
    created = customers.semi_join(loads, "ingest_id").select(
        "customer_id", "ingest_id", "signup_date"
    )
    first = orders.group_by(["customer_id", "ingest_id"]).aggregate(
        _first_order=orders.order_ts.min().date()
    )
    both = created.inner_join(first, ["customer_id", "ingest_id"])
    return both.filter(both.signup_date == both._first_order).select("customer_id")
