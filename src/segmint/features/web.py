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


def _site_sessions(events: ir.Table) -> ir.Table:
    """Site events with a session key: the session id, else the customer's day."""
    site = events.filter(events.event_type.isin(SITE_EVENTS))
    day_key = ibis.literal("day:") + site.event_ts.date().cast("string")
    return site.mutate(session_key=site.session_id.coalesce(day_key))


def web_features(mart: Mart, day: dt.date, purchases: ir.Table) -> ir.Table:
    """Per-customer event counts, sessions, recency of visits and abandoned carts.

    Args:
        mart: the mart holding ``events``.
        day: the as-of day.
        purchases: purchases as of ``day`` (``customer_id``, ``order_ts``), to tell
            abandoned carts from bought ones.
    """
    all_events = mart.table("events")
    events = all_events.filter(all_events.event_ts < end_of(day))
    counts = events.group_by("customer_id").aggregate(
        **{
            column: events.count(where=events.event_type == event_type)
            for column, event_type in EVENT_COUNTS.items()
        }
    )

    site = _site_sessions(events)
    sessions = site.group_by("customer_id", "session_key").aggregate(
        started=site.event_ts.min().date(),
        last_ts=site.event_ts.max(),
        carted=site.count(where=site.event_type == "add_to_cart"),
        checked_out=site.count(where=site.event_type == "checkout"),
    )
    purchase_days = purchases.select("customer_id", started=purchases.order_ts.date()).distinct()
    abandoned = sessions.filter(sessions.carted > 0, sessions.checked_out == 0).anti_join(
        purchase_days, ["customer_id", "started"]
    )
    per_abandoned = abandoned.group_by("customer_id").aggregate(
        cart_adds_without_purchase=abandoned.count()
    )
    visits = sessions.group_by("customer_id").aggregate(
        sessions=sessions.count(), last_visit_ts=sessions.last_ts.max()
    )
    joined = counts.left_join(visits, "customer_id").left_join(per_abandoned, "customer_id")
    return joined.select(
        "customer_id",
        sessions=joined.sessions.fill_null(0),
        **{column: joined[column] for column in EVENT_COUNTS},
        cart_adds_without_purchase=joined.cart_adds_without_purchase.fill_null(0),
        days_since_last_visit=date_literal(day).delta(joined.last_visit_ts.date(), unit="day"),
    )
