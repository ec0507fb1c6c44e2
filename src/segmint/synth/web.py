"""Web, app, e-mail and advertising events.

Four sources, about 10-30 events per customer on average:

- **purchase sessions**: 60 % of web and app orders are preceded by a tracked
  ``product_view`` and ``add_to_cart`` of the order's first product and a ``checkout``;
- **browsing sessions** without purchase, ``browse_rate`` per year while the customer
  is active (until 60 days after dropping out): a ``page_view``, maybe a ``search``,
  one or two ``product_view`` of preferred categories, sometimes an ``add_to_cart``
  that is never bought (cart abandonment) or a ``remove_from_cart``;
- **e-mail**: newsletters to customers consenting to e-mail and the sends of e-mail
  campaigns to their target group; ``email_open`` with the type's open probability,
  ``email_click`` for 25 % of opens;
- **ads**: ``ad_impression`` at two per active year, ``ad_click`` for 4 % of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.mart.schema import EVENT_TYPES
from segmint.synth.campaigns import Campaign, Members
from segmint.synth.catalogue import Catalogue
from segmint.synth.columns import (
    build_table,
    categorical_by_row,
    format_ids,
    pick,
    segments,
    timestamps,
)
from segmint.synth.customers import Population
from segmint.synth.history import History
from segmint.synth.purchases import Purchases
from segmint.synth.types import CATEGORIES, SALES_CHANNELS

EVENT_ID_WIDTH = 11
SESSION_ID_WIDTH = 10
TRACKED_PURCHASE_SHARE = 0.60
NEWSLETTERS_PER_MONTH = 0.25
ADS_PER_YEAR = 2.0
AD_CLICK_RATE = 0.04
EMAIL_CLICK_RATE = 0.25
_MINUTE = 1.0 / 1440.0
_BROWSE_SLOTS = (
    "page_view",
    "search",
    "product_view",
    "product_view",
    "add_to_cart",
    "remove_from_cart",
)
_BROWSE_ODDS = np.array([1.0, 0.45, 0.8, 0.35, 0.18, 0.04])
_TYPE = {name: i for i, name in enumerate(EVENT_TYPES)}
_NULL = pa.scalar(None, pa.string())


@dataclass
class _Events:
    """Event columns gathered from all sources before sorting and numbering."""

    customer: list[np.ndarray]
    day: list[np.ndarray]
    kind: list[np.ndarray]
    session: list[np.ndarray]
    obj: list[pa.Array]
    properties: list[pa.Array]

    def add(
        self,
        customer: np.ndarray,
        day: np.ndarray,
        kind: str,
        session: np.ndarray,
        obj: pa.Array,
        properties: pa.Array | None = None,
    ) -> None:
        self.customer.append(customer)
        self.day.append(day)
        self.kind.append(np.full(len(customer), _TYPE[kind]))
        self.session.append(session)
        self.obj.append(obj)
        self.properties.append(
            pa.nulls(len(customer), pa.string()) if properties is None else properties
        )


def _device(rng: np.random.Generator, app: np.ndarray) -> pa.Array:
    mobile = rng.random(len(app)) < 0.55
    device = np.where(app, 2, mobile.astype(np.int64))
    return pick(('{"device": "desktop"}', '{"device": "mobile"}', '{"device": "app"}'), device)


def _purchase_sessions(
    rng: np.random.Generator, events: _Events, purchases: Purchases, catalogue: Catalogue,
    order_ids: pa.Array, next_session: int,
) -> int:  # fmt: skip
    online = purchases.order_channel != SALES_CHANNELS.index("store")
    tracked = np.flatnonzero(online & (rng.random(len(online)) < TRACKED_PURCHASE_SHARE))
    customer = purchases.order_customer[tracked]
    day = purchases.order_time[tracked]
    session = next_session + np.arange(len(tracked))
    product = catalogue.product_ids.take(pa.array(purchases.order_product[tracked]))
    app = purchases.order_channel[tracked] == SALES_CHANNELS.index("app")
    browse = rng.uniform(3.0, 25.0, len(tracked)) * _MINUTE
    events.add(customer, day - browse, "product_view", session, product, _device(rng, app))
    events.add(
        customer,
        day - browse / 2,
        "add_to_cart",
        session,
        product,
        pa.array(np.full(len(tracked), '{"quantity": 1}')),
    )
    events.add(customer, day - _MINUTE, "checkout", session, order_ids.take(pa.array(tracked)))
    return next_session + len(tracked)


def _browsing_sessions(
    rng: np.random.Generator, events: _Events, pop: Population, purchases: Purchases,
    catalogue: Catalogue, next_session: int,
) -> int:  # fmt: skip
    years = np.maximum(purchases.active_until - pop.signup, 0.0) / 365.0
    count = rng.poisson(pop.of_type("browse_rate") * years)
    owner, _ = segments(count)
    start = (
        pop.signup[owner] + rng.random(len(owner)) * (purchases.active_until - pop.signup)[owner]
    )
    session_number = next_session + np.arange(len(owner))
    present = rng.random((len(owner), len(_BROWSE_SLOTS))) < _BROWSE_ODDS
    category = categorical_by_row(rng, pop.category_weights, owner)
    size = catalogue.category_stop[category] - catalogue.category_start[category]
    product = catalogue.category_start[category] + np.floor(rng.random(len(owner)) * size).astype(
        np.int64
    )
    product_id = catalogue.product_ids.take(pa.array(product))
    for slot, kind in enumerate(_BROWSE_SLOTS):
        rows = np.flatnonzero(present[:, slot])
        day = start[rows] + slot * rng.uniform(0.5, 4.0, len(rows)) * _MINUTE
        args = (owner[rows], day, kind, session_number[rows])
        if kind == "page_view":
            events.add(
                *args,
                pa.array(np.full(len(rows), "home")),
                _device(rng, rng.random(len(rows)) < 0.3),
            )
        elif kind == "search":
            results = pc.cast(pa.array(rng.integers(0, 120, len(rows))), pa.string())
            props = pc.binary_join_element_wise(
                pa.scalar('{"results": '), results, pa.scalar("}"), ""
            )
            events.add(*args, pick(CATEGORIES, category[rows]), props)
        else:
            events.add(*args, product_id.take(pa.array(rows)))
    return next_session + len(owner)


def _email(
    rng: np.random.Generator, events: _Events, pop: Population, purchases: Purchases,
    email_granted: np.ndarray, members: Members, campaigns: tuple[Campaign, ...], history: History,
) -> None:  # fmt: skip
    months = np.where(
        email_granted, np.maximum(purchases.active_until - pop.signup, 0.0) / 30.4, 0.0
    )
    count = rng.poisson(NEWSLETTERS_PER_MONTH * months)
    owner, _ = segments(count)
    day = np.floor(
        pop.signup[owner] + rng.random(len(owner)) * (purchases.active_until - pop.signup)[owner]
    )
    newsletter = pc.binary_join_element_wise(
        pa.scalar("newsletter-"), pc.strftime(timestamps(history.start_us, day), "%Y-%m"), ""
    )
    is_email = np.array([c.channel == "email" for c in campaigns])
    sent = np.flatnonzero(members.target & is_email[members.campaign])
    start = np.array([c.start for c in campaigns], dtype=np.float64)
    customer = np.concatenate([owner, members.customer[sent]])
    day = np.concatenate([day, start[members.campaign[sent]]]) + 8.0 / 24.0
    obj = pa.concat_arrays(
        [newsletter, pick([c.campaign_id for c in campaigns], members.campaign[sent])]
    )
    no_session = np.full(len(customer), -1)
    events.add(customer, day, "email_send", no_session, obj)
    opened = np.flatnonzero(rng.random(len(customer)) < pop.of_type("email_open_prob")[customer])
    open_day = day[opened] + rng.exponential(0.4, len(opened))
    events.add(
        customer[opened], open_day, "email_open", no_session[opened], obj.take(pa.array(opened))
    )
    click = rng.random(len(opened)) < EMAIL_CLICK_RATE
    clicked = opened[click]
    click_day = open_day[click] + rng.uniform(0.2, 5.0, len(clicked)) * _MINUTE
    events.add(
        customer[clicked],
        click_day,
        "email_click",
        no_session[clicked],
        obj.take(pa.array(clicked)),
    )


def _ads(rng: np.random.Generator, events: _Events, pop: Population, purchases: Purchases) -> None:
    years = np.maximum(purchases.active_until - pop.signup, 0.0) / 365.0
    owner, _ = segments(rng.poisson(ADS_PER_YEAR * years))
    day = pop.signup[owner] + rng.random(len(owner)) * (purchases.active_until - pop.signup)[owner]
    category = categorical_by_row(rng, pop.category_weights, owner)
    creative = pc.binary_join_element_wise(pa.scalar("ad-"), pick(CATEGORIES, category), "")
    no_session = np.full(len(owner), -1)
    events.add(owner, day, "ad_impression", no_session, creative)
    clicked = np.flatnonzero(rng.random(len(owner)) < AD_CLICK_RATE)
    events.add(
        owner[clicked],
        day[clicked] + 10.0 / 86_400.0,
        "ad_click",
        no_session[clicked],
        creative.take(pa.array(clicked)),
    )


@dataclass(frozen=True)
class EventCounters:
    """Where event and session numbering stands after a chunk."""

    next_event: int
    next_session: int


def events_table(
    rng: np.random.Generator,
    pop: Population,
    purchases: Purchases,
    catalogue: Catalogue,
    email_granted: np.ndarray,
    members: Members,
    campaigns: tuple[Campaign, ...],
    history: History,
    counters: EventCounters,
) -> tuple[pa.Table, EventCounters]:
    """All events of ``pop``, sorted by customer and time, numbered from ``counters``."""
    events = _Events([], [], [], [], [], [])
    order_ids = purchases.orders.column("order_id").combine_chunks()
    session = _purchase_sessions(
        rng, events, purchases, catalogue, order_ids, counters.next_session
    )
    session = _browsing_sessions(rng, events, pop, purchases, catalogue, session)
    _email(rng, events, pop, purchases, email_granted, members, campaigns, history)
    _ads(rng, events, pop, purchases)

    customer = np.concatenate(events.customer)
    day = np.clip(np.concatenate(events.day), 0.0, history.n_days - 1e-6)
    order = np.lexsort((day, customer))
    take = pa.array(order)
    session_number = np.concatenate(events.session)[order]
    session_id = format_ids("S", np.maximum(session_number, 0), SESSION_ID_WIDTH)
    n = len(order)
    table = build_table(
        "events",
        {
            "event_id": format_ids("E", counters.next_event + np.arange(n), EVENT_ID_WIDTH),
            "customer_id": pop.ids.take(pa.array(customer[order])),
            "session_id": pc.if_else(pa.array(session_number >= 0), session_id, _NULL),
            "event_ts": timestamps(history.start_us, day[order]),
            "event_type": pick(EVENT_TYPES, np.concatenate(events.kind)[order]),
            "object_id": pa.concat_arrays(events.obj).take(take),
            "properties": pa.concat_arrays(events.properties).take(take),
        },
    )
    return table, EventCounters(counters.next_event + n, session)
