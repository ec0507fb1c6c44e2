"""Each campaign member's outcomes in the response window and in the pre-period.

For every member of a campaign (target or control, by assigned group):

- in the **response window** ``[start, start + window_days)``: ``conversion`` (any
  purchase: 1 or 0), ``orders``, ``revenue`` (net value) and ``margin`` of the purchases,
  and ``visit`` (any page view);
- in the **pre-period** of ``pre_days`` before the start (the same length by default):
  the same quantities, prefixed ``pre_``, the CUPED covariates;
- ``reached``: an event names the campaign (``object_id`` = campaign id: a send, an
  open, a click, an impression) before the window ends.

What counts as a purchase and what it is worth are the definitions of
:mod:`segmint.features.orders` (:func:`~segmint.features.orders.order_values`):
completed or returned orders (or orders without a status), valued at the sum of their
lines' ``quantity * unit_price - discount``; ``margin`` covers lines whose cost is known.
Members without a purchase have 0. Days run from midnight to midnight, like every as-of
date in segmint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from segmint.features.orders import order_values
from segmint.mart import Mart
from segmint.mart.fetch import arrow, numbers

CONTACT_EVENTS = ("email_send", "email_open", "email_click", "ad_impression", "ad_click")
"""Event types that show a member was reached by the campaign they name in ``object_id``."""
VISIT_EVENT = "page_view"
"""The event type that counts as a visit."""
MONEY_DIGITS = 6
OUTCOMES = ("conversion", "orders", "revenue", "margin", "visit")
"""Per-member outcomes, each with a ``pre_`` twin for the pre-period."""


@dataclass(frozen=True)
class Window:
    """The response window ``[start, end)`` and the pre-period ``[pre_start, start)``."""

    start: dt.date
    end: dt.date
    pre_start: dt.date

    @classmethod
    def of(cls, start: dt.date, window_days: int, pre_days: int) -> Window:
        """The window of ``window_days`` from ``start`` and ``pre_days`` before it."""
        return cls(
            start, start + dt.timedelta(days=window_days), start - dt.timedelta(days=pre_days)
        )

    @property
    def last_day(self) -> dt.date:
        """The window's last day (inclusive)."""
        return self.end - dt.timedelta(days=1)


@dataclass(frozen=True)
class MemberOutcomes:
    """Every member's outcomes, and what the data could tell.

    Attributes:
        frame: one row per member (an Arrow table), those with any purchase, visit or
            contact first, in ``customer_id`` order:
            ``customer_id``, ``target`` (bool), the outcomes of :data:`OUTCOMES`, their
            ``pre_`` twins and ``reached``.
        margin_known: some purchase in the window has a known cost (else margins are 0
            for want of costs, not because nothing was earned).
        visits_known: the members have page views in the window or the pre-period.
        reach_known: some event names the campaign.
    """

    frame: pa.Table
    margin_known: bool
    visits_known: bool
    reach_known: bool


def _money(total: ir.FloatingValue) -> ir.FloatingValue:
    """A member's money sum, 0 when none, rounded to a millionth: the engine adds a member's
    lines in whatever order its threads meet them, and the last bits of a float sum follow
    that order; rounded, the same data gives the same outcomes (and intervals) on every run."""
    return total.fill_null(0.0).round(MONEY_DIGITS)


def _midnight(day: dt.date) -> ir.TimestampScalar:
    return ibis.timestamp(dt.datetime.combine(day, dt.time()))


def member_outcomes(mart: Mart, campaign_id: str, window: Window) -> MemberOutcomes:
    """Every member's outcomes of ``campaign_id`` in ``window`` (see the module docstring)."""
    members = mart.table("campaign_members")
    mine = members.filter(members.campaign_id == campaign_id)
    mine = mine.select("customer_id", target=mine["group"] == "target")
    joined = (
        mine.left_join(_purchases(mart, mine, window), "customer_id")
        .left_join(_visits(mart, mine, window), "customer_id")
        .left_join(_reached(mart, mine, campaign_id, window), "customer_id")
    )
    zero = ibis.literal(0, "int64")
    columns: dict[str, ir.Value] = {
        "customer_id": joined.customer_id,
        "target": joined.target,
        "conversion": (joined.orders.fill_null(zero) > 0).cast("float64"),
        "orders": joined.orders.fill_null(zero).cast("float64"),
        "revenue": _money(joined.revenue),
        "margin": _money(joined.margin),
        "visit": (joined.visits.fill_null(zero) > 0).cast("float64"),
        "pre_conversion": (joined.pre_orders.fill_null(zero) > 0).cast("float64"),
        "pre_orders": joined.pre_orders.fill_null(zero).cast("float64"),
        "pre_revenue": _money(joined.pre_revenue),
        "pre_margin": _money(joined.pre_margin),
        "pre_visit": (joined.pre_visits.fill_null(zero) > 0).cast("float64"),
        "reached": joined.reached.notnull(),
        "_costed": joined.costed.fill_null(zero),
        "_any_visit": joined.visits.fill_null(zero) + joined.pre_visits.fill_null(zero),
        "_active": joined.orders.notnull() | joined.visits.notnull() | joined.reached.notnull(),
    }
    frame = _in_order(arrow(joined.select(**columns)))
    return MemberOutcomes(
        frame=frame.drop_columns(["_costed", "_any_visit", "_active"]),
        margin_known=bool(numbers(frame["_costed"]).sum() > 0),
        visits_known=bool(numbers(frame["_any_visit"]).sum() > 0),
        reach_known=bool(numbers(frame["reached"]).any()),
    )


def _in_order(frame: pa.Table) -> pa.Table:
    """The members with any order, visit or contact in ``customer_id`` order, then the rest.

    The same members then give the same sums and bootstrap draws on every run, whatever
    order the engine's threads return them in: the rest are all zeros but for their group,
    so their order changes no array of either group. Sorting only the active members (a
    fraction of a large campaign) costs a fraction of sorting every member in the engine.
    """
    import pyarrow.compute as pc  # not at import: only a measurement needs it

    active = frame["_active"]
    moved = frame.filter(active)
    return pa.concat_tables(
        [moved.take(pc.sort_indices(moved["customer_id"])), frame.filter(pc.invert(active))]
    )


def _purchases(mart: Mart, members: ir.Table, window: Window) -> ir.Table:
    """Per member: orders, revenue and margin in the window and in the pre-period."""
    since = dt.datetime.combine(window.pre_start, dt.time())
    values = order_values(mart, window.last_day, since).semi_join(members, "customer_id")
    inside = values.order_ts >= _midnight(window.start)
    before = ~inside
    return values.group_by("customer_id").aggregate(
        orders=values.count(where=inside),
        revenue=values.net.sum(where=inside),
        margin=values.margin.sum(where=inside),
        costed=values.costed_net.count(where=inside),
        pre_orders=values.count(where=before),
        pre_revenue=values.net.sum(where=before),
        pre_margin=values.margin.sum(where=before),
    )


def _visits(mart: Mart, members: ir.Table, window: Window) -> ir.Table:
    """Per member: page views in the window and in the pre-period."""
    events = mart.table("events")
    views = events.filter(
        (events.event_type == VISIT_EVENT)
        & (events.event_ts >= _midnight(window.pre_start))
        & (events.event_ts < _midnight(window.end))
    ).semi_join(members, "customer_id")
    inside = views.event_ts >= _midnight(window.start)
    return views.group_by("customer_id").aggregate(
        visits=views.count(where=inside), pre_visits=views.count(where=~inside)
    )


def _reached(mart: Mart, members: ir.Table, campaign_id: str, window: Window) -> ir.Table:
    """Members an event naming the campaign reached before the window ended."""
    events = mart.table("events")
    contacts = events.filter(
        (events.object_id == campaign_id)
        & events.event_type.isin(CONTACT_EVENTS)
        & (events.event_ts < _midnight(window.end))
    ).semi_join(members, "customer_id")
    return contacts.select("customer_id").distinct().mutate(reached=ibis.literal(True))
