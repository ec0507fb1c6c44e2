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
* The counts cover the whole history up to the as-of day. ``sessions_30d``,
  ``cart_adds_30d`` and ``cart_adds_without_purchase_30d`` count the same in the 30 days
  ending with it (a session by its first event), as ``orders_30d`` does orders: what a
  cart-abandonment campaign selects on.

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

WINDOW_DAYS = 30
"""The trailing window of the ``…_30d`` web columns, in days ending with the as-of day."""

WINDOW_COLUMNS = ("sessions_30d", "cart_adds_30d", "cart_adds_without_purchase_30d")
"""The web columns counted over the trailing window only."""


def web_features(mart: Mart, day: dt.date, purchases: ir.Table) -> ir.Table:
    """Per-customer event counts, sessions, recency of visits and abandoned carts.

    Three aggregates, each as narrow as it can be: event counts and the last visit per
    customer straight from the events; site events per (customer, session) for the
    sessions and their carts; and the abandoned sessions, few, counted per customer.

    Args:
        mart: the mart holding ``events``.
        day: the as-of day.
        purchases: purchases as of ``day`` (``customer_id``, ``order_ts``), to tell
            abandoned carts from bought ones.
    """
    events = mart.table("events")
    known = events.filter(events.event_ts < end_of(day))
    since = end_of(day) - ibis.interval(days=WINDOW_DAYS)
    counts = known.group_by("customer_id").aggregate(
        **{
            column: known.count(where=known.event_type == event_type)
            for column, event_type in EVENT_COUNTS.items()
        },
        cart_adds_30d=known.count(
            where=(known.event_type == "add_to_cart") & (known.event_ts >= since)
        ),
        last_visit_ts=known.event_ts.max(where=known.event_type.isin(SITE_EVENTS)),
    )

    site = known.filter(known.event_type.isin(SITE_EVENTS))
    day_key = ibis.literal("day:") + site.event_ts.date().cast("string")
    keyed = site.mutate(session_key=site.session_id.coalesce(day_key))
    sessions = keyed.group_by("customer_id", "session_key").aggregate(
        cart_adds=keyed.count(where=keyed.event_type == "add_to_cart"),
        checkouts=keyed.count(where=keyed.event_type == "checkout"),
        first_ts=keyed.event_ts.min(),
    )
    sessions = sessions.mutate(started=sessions.first_ts.date(), recent=sessions.first_ts >= since)
    visits = sessions.group_by("customer_id").aggregate(
        sessions=sessions.count(), sessions_30d=sessions.count(where=sessions.recent)
    )

    # an anti-join needs no distinct days: any purchase that day is enough
    purchase_days = purchases.select("customer_id", started=purchases.order_ts.date())
    carts = sessions.filter(sessions.cart_adds > 0, sessions.checkouts == 0)
    unbought = carts.anti_join(purchase_days, ["customer_id", "started"])
    abandoned = unbought.group_by("customer_id").aggregate(
        cart_adds_without_purchase=unbought.count(),
        cart_adds_without_purchase_30d=unbought.count(where=unbought.recent),
    )

    joined = counts.left_join(visits, "customer_id").left_join(abandoned, "customer_id")
    return joined.select(
        "customer_id",
        sessions=joined.sessions.fill_null(0),
        **{column: joined[column] for column in EVENT_COUNTS},
        cart_adds_without_purchase=joined.cart_adds_without_purchase.fill_null(0),
        sessions_30d=joined.sessions_30d.fill_null(0),
        cart_adds_30d=joined.cart_adds_30d,
        cart_adds_without_purchase_30d=joined.cart_adds_without_purchase_30d.fill_null(0),
        days_since_last_visit=date_literal(day).delta(joined.last_visit_ts.date(), unit="day"),
    )
