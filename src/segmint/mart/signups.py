"""Which customers' ``signup_date`` segmint derived rather than read from a file.

A transactions file creates the customers it is first to mention with ``signup_date`` =
the date of their earliest order in that file (:mod:`segmint.mart.transactions`); an events
file loaded with ``--create-customers`` dates them by their earliest event
(:mod:`segmint.mart.tables`). The mart does not store where a value came from, but it can
tell these apart: the customer's row was written by a transactions (or events) load (its
``ingest_id`` is one in ``ingests`` with that ``table_name``) and its ``signup_date`` is
still the date of the earliest order (or event) that same load gave them. A customers file's ``signup_date`` replaces such a value
(:func:`segmint.mart.updates.fill_empty`); any other value, one a file gave included, is
kept and a different one reported as a conflict.
"""

from __future__ import annotations

import ibis

from segmint.mart.connection import Mart


def derived_signups(mart: Mart) -> ibis.Table:
    """The ``customer_id`` of every customer whose ``signup_date`` segmint derived."""
    orders = mart.table("orders")
    events = mart.table("events")
    return _derived(mart, "transactions", orders, orders.order_ts).union(
        _derived(mart, "events", events, events.event_ts)
    )


def _derived(mart: Mart, target: str, rows: ibis.Table, stamp: ibis.Value) -> ibis.Table:
    """The customers a load into ``target`` created whose ``signup_date`` is still the day
    of their earliest row (``stamp``) in that load."""
    customers = mart.table("customers")
    ingests = mart.table("ingests")
    loads = ingests.filter(ingests.table_name == target).select("ingest_id")
    created = customers.semi_join(loads, "ingest_id").select(
        "customer_id", "ingest_id", "signup_date"
    )
    first = rows.group_by(["customer_id", "ingest_id"]).aggregate(_first=stamp.min().date())
    both = created.inner_join(first, ["customer_id", "ingest_id"])
    return both.filter(both.signup_date == both._first).select("customer_id")
