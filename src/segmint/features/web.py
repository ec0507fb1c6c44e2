"""Behaviour features from web, app, e-mail and advertising events up to the as-of day.

* Event counts (``page_views``, ``searches``, ``product_views``, ``cart_adds``,
  ``ad_impressions``, ``ad_clicks``, ``email_opens``, ``email_clicks``) count events of
  that type.
* A *visit* is on-site behaviour: the event types in :data:`SITE_EVENTS`. E-mail and ad
  events happen elsewhere and do not make a visit. ``sessions`` counts distinct sessions
  with at least one site event; site events without a session id form one session per
  customer and calendar day. ``days_since_last_visit`` is the as-of date minus the date
  of the last site event.
* ``cart_adds_without_purchase`` counts sessions with an ``add_to_cart`` that show no sign
  of buying: no ``checkout`` event in the session and no purchase by the customer on the
  session's first day.

Customers without events get 0 counts and a null ``days_since_last_visit``.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.features.asof import date_literal, end_of
from segmint.mart import Mart

SITE_EVENTS = (
    "page_view",
    "search",
    "product_view",
    "add_to_cart",
    "remove_from_cart",
    "checkout",
)
"""Event types that mean the customer was on the site or in the app."""

EVENT_COUNTS = {
    "page_views": "page_view",
    "searches": "search",
    "product_views": "product_view",
    "cart_adds": "add_to_cart",
    "ad_impressions": "ad_impression",
    "ad_clicks": "ad_click",
    "email_opens": "email_open",
    "email_clicks": "email_click",
}
"""Feature column → event type it counts."""


def web_features(mart: Mart, day: dt.date, purchases: ir.Table) -> ir.Table:
    """Per-customer event counts, sessions, recency of visits and abandoned carts.

    One pass over the events groups them by customer and session; a second, much
    smaller aggregate rolls sessions up to customers.

    Args:
        mart: the mart holding ``events``.
        day: the as-of day.
        purchases: purchases as of ``day`` (``customer_id``, ``order_ts``), to tell
            abandoned carts from bought ones.
    """
    events = mart.table("events")
    known = events.filter(events.event_ts < end_of(day))
    site = known.event_type.isin(SITE_EVENTS)
    day_key = ibis.literal("day:") + known.event_ts.date().cast("string")
    # events off the site (e-mail, ads) belong to no visit: they share one null key per
    # customer, so they add no groups to the per-session aggregate
    keyed = known.mutate(
        session_key=ibis.ifelse(site, known.session_id.coalesce(day_key), ibis.null("string"))
    )
    site = keyed.event_type.isin(SITE_EVENTS)
    sessions = keyed.group_by("customer_id", "session_key").aggregate(
        **{
            column: keyed.count(where=keyed.event_type == event_type)
            for column, event_type in EVENT_COUNTS.items()
        },
        site_events=keyed.count(where=site),
        checkouts=keyed.count(where=keyed.event_type == "checkout"),
        started=keyed.event_ts.min(where=site).date(),
        last_visit_ts=keyed.event_ts.max(where=site),
    )
    purchase_days = purchases.select("customer_id", started=purchases.order_ts.date()).distinct()
    abandoned = (
        sessions.filter(sessions.cart_adds > 0, sessions.checkouts == 0)
        .anti_join(purchase_days, ["customer_id", "started"])
        .select("customer_id", "session_key", abandoned=ibis.literal(1))
    )
    flagged = sessions.left_join(abandoned, ["customer_id", "session_key"])
    per_customer = flagged.group_by("customer_id").aggregate(
        sessions=flagged.count(where=flagged.site_events > 0),
        **{column: flagged[column].sum() for column in EVENT_COUNTS},
        cart_adds_without_purchase=flagged.abandoned.sum().fill_null(0),
        last_visit_ts=flagged.last_visit_ts.max(),
    )
    return per_customer.select(
        "customer_id",
        "sessions",
        *EVENT_COUNTS,
        "cart_adds_without_purchase",
        days_since_last_visit=date_literal(day).delta(
            per_customer.last_visit_ts.date(), unit="day"
        ),
    )
