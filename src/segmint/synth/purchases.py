"""Orders and order lines from the BG/NBD and Gamma-Gamma models, with the true answer.

For each customer (see ``types`` for the distributions):

1. ``lambda ~ Gamma(r, alpha)`` purchases per day, ``p ~ Beta(a, b)`` and
   ``nu ~ Gamma(q, gamma)``; the true mean spend per order is ``spend_p / nu``.
2. The first order (the BG/NBD "trial", time 0 of the model) comes an exponential delay
   after signup, for the share of the type that ever buys.
3. Repeat purchases: ``M ~ Poisson(lambda * W)`` potential purchases in the remaining
   operational time ``W`` (see ``history``), at uniform operational times; the customer
   drops out right after repeat purchase ``K ~ Geometric(p)``, so ``min(K, M)`` are
   observed and the customer is alive at the end when ``K > M`` (Fader, Hardie & Lee
   2005, "Counting your customers the easy way", Marketing Science 24(2), section 2).
4. Every transaction (first and repeats) has status ``completed`` or ``returned`` and
   a net value ``z ~ Gamma(spend_p, nu)`` (Fader, Hardie & Lee 2005, "RFM and CLV: using
   iso-value curves", JMR 42(4)). Cancelled orders are *added* beside transactions,
   never replacing one, so the purchase process stays exactly BG/NBD when cancelled
   orders are left out.
5. The value is split over 1 + Poisson lines; each line gets a category from the
   customer's tastes, a quantity, maybe a discount, and the product of that category
   whose list price is nearest the unit amount, so ``sum(quantity * unit_price -
   discount)`` over an order equals ``z`` to the cent per unit.
6. Basket structure: an order of two or more lines opens, with the type's
   ``bundle_prob``, with one of the catalogue's bundles of its first line's category (two
   products bought together), when both lines' amounts fit the bundle's prices; the
   quantities and unit prices are worked out again from the same amounts, so the money is
   unchanged. These draws come from a stream of their own, so every other number of the
   retailer stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from segmint.mart.schema import ORDER_STATUSES
from segmint.synth.catalogue import Catalogue
from segmint.synth.columns import (
    GROUND_TRUTH_SCHEMA,
    build_table,
    categorical,
    categorical_by_row,
    format_ids,
    pick,
    segments,
    timestamps,
)
from segmint.synth.customers import Population
from segmint.synth.history import SEASONALITY_PROFILES, History
from segmint.synth.types import SALES_CHANNELS, TYPE_NAMES, TYPES

ORDER_ID_WIDTH = 10
CANCELLED_SHARE = 0.03  # cancelled orders added per transaction
LAPSE_BROWSING_DAYS = 60.0  # a dropped-out customer still browses this long
_DISCOUNT_RATES = np.array([0.10, 0.15, 0.20, 0.25, 0.30, 0.40])
_HOURS = np.array(
    [1, 1, 1, 1, 1, 2, 4, 6, 8, 10, 12, 13, 14, 13, 12, 12, 13, 15, 18, 20, 19, 15, 8, 3],
    dtype=np.float64,
)
_STATUS = {s: i for i, s in enumerate(ORDER_STATUSES)}


@dataclass(frozen=True)
class Purchases:
    """The orders of one population chunk and what web behaviour and campaigns need of them.

    Order arrays (``order_*``: customer index, time in days, channel, product of the first
    line, status index into ``ORDER_STATUSES``) are aligned with the rows of ``orders``;
    customer arrays (``active_until``, ``alive`` at the end, Gamma-Gamma ``spend_p`` and
    true ``mean_spend``) with the population.
    """

    orders: pa.Table
    order_lines: pa.Table
    ground_truth: pa.Table
    order_customer: np.ndarray
    order_time: np.ndarray
    order_channel: np.ndarray
    order_product: np.ndarray
    active_until: np.ndarray
    order_status: np.ndarray
    alive: np.ndarray
    spend_p: np.ndarray
    mean_spend: np.ndarray


def _time_of_day(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """``days`` moved to a plausible hour of the same calendar day."""
    hour = categorical(rng, _HOURS, len(days))
    return np.asarray(np.floor(days) + (hour + rng.random(len(days))) / 24.0)


def _repeat_times(
    rng: np.random.Generator,
    pop: Population,
    history: History,
    first: np.ndarray,
    rate: np.ndarray,
    dropout: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repeat purchases after ``first``: (customer index, day, alive at end) per customer."""
    n = len(pop)
    buyer = np.isfinite(first)
    window = np.zeros(n)
    start_op = np.zeros(n)
    profile_of_type = np.array([SEASONALITY_PROFILES.index(t.seasonality) for t in TYPES])
    profile = profile_of_type[pop.type_index]
    for k, name in enumerate(SEASONALITY_PROFILES):
        sel = buyer & (profile == k)
        start_op[sel] = history.to_operational(name, first[sel])
        window[sel] = history.to_operational(name, np.array([history.n_days]))[0] - start_op[sel]
    potential = rng.poisson(rate * window)
    lifetime = rng.geometric(np.clip(dropout, 1e-12, 1.0))
    observed = np.where(buyer, np.minimum(lifetime, potential), 0)
    alive = ~buyer | (lifetime > potential)
    owner, position = segments(potential)
    keys = np.sort(owner + rng.random(len(owner)))
    keep = position < observed[owner]
    fraction = keys[keep] - owner[keep]
    owner = owner[keep]
    operational = start_op[owner] + fraction * window[owner]
    days = np.empty(len(owner))
    for k, name in enumerate(SEASONALITY_PROFILES):
        sel = profile[owner] == k
        days[sel] = history.to_calendar(name, operational[sel])
    return owner, days, alive


def split_into_lines(
    rng: np.random.Generator,
    pop: Population,
    catalogue: Catalogue,
    order_customer: np.ndarray,
    value: np.ndarray,
) -> dict[str, np.ndarray]:
    """Split each order's net ``value`` over lines of products, quantities and discounts."""
    types = pop.type_index[order_customer]
    # small baskets have few lines: at most one line per 15 of value
    extra = rng.poisson(np.array([t.extra_lines for t in TYPES])[types])
    n_lines = 1 + np.minimum(extra, (value // 15.0).astype(np.int64))
    order, position = segments(n_lines)
    customer = order_customer[order]
    line_type = types[order]
    share = rng.gamma(2.0, size=len(order))
    share /= np.bincount(order, share)[order]
    net = value[order] * share
    category = categorical_by_row(rng, pop.category_weights, customer)
    quantity = 1 + rng.poisson(np.array([t.extra_quantity for t in TYPES])[line_type])
    discounted = rng.random(len(order)) < np.array([t.discount_prob for t in TYPES])[line_type]
    rate = np.where(
        discounted, _DISCOUNT_RATES[rng.integers(0, len(_DISCOUNT_RATES), len(order))], 0.0
    )
    gross = net / (1.0 - rate)
    category = catalogue.fit_category(rng, category, gross / quantity)
    ceiling = catalogue.max_price(category)
    quantity = np.maximum(quantity, np.ceil(gross / ceiling)).astype(np.int64)
    unit_price = np.round(gross / quantity, 2)
    product = catalogue.nearest(rng, category, unit_price)
    lines, bundled, which = _bundle_lines(
        rng.spawn(1)[0], catalogue, line_type, position, gross, product
    )
    product[lines] = bundled
    last = position == n_lines[order] - 1
    follow = _follow_up_lines(
        rng.spawn(1)[0], catalogue, order_customer, order, (lines, which), last
    )
    later, followed = follow.choose(line_type, position, gross, product)
    product[later] = followed
    lines = np.concatenate([lines, later])
    quantity[lines] = np.maximum(1, np.rint(gross[lines] / catalogue.list_price[product[lines]]))
    unit_price = np.round(gross / quantity, 2)
    return {
        "order": order,
        "line_no": position + 1,
        "product": product,
        "quantity": quantity.astype(np.float64),
        "unit_price": unit_price,
        "discount": np.round(gross - net, 2),
        "unit_cost": catalogue.unit_cost[product],
    }


BUNDLE_PRICE_FIT = (0.7, 4.0)
"""A line can carry a bundle's product when its amount is this many times the list price."""


def _bundle_lines(
    rng: np.random.Generator,
    catalogue: Catalogue,
    line_type: np.ndarray,
    position: np.ndarray,
    gross: np.ndarray,
    product: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lines that become a bundle's two products, those products, and which bundle
    (its flat index in ``catalogue.bundles``) each order took.

    Every order's second line draws whether its order opens with a bundle (the type's
    ``bundle_prob``) and which bundle of the first line's category; the bundle is taken
    when both lines' amounts fit its prices (``BUNDLE_PRICE_FIT``).
    """
    second = np.flatnonzero(position == 1)
    first = second - 1  # an order's lines are contiguous, the first just before the second
    chosen = rng.random(second.size) < np.array([t.bundle_prob for t in TYPES])[line_type[second]]
    which = rng.integers(0, catalogue.bundles.shape[1], second.size)
    owner = catalogue.category[product[first]]
    pair = catalogue.bundles[owner, which]  # (n, 2)
    price = catalogue.list_price[pair]
    low, high = BUNDLE_PRICE_FIT
    amounts = np.stack([gross[first], gross[second]], axis=1)
    fits = ((amounts >= low * price) & (amounts <= high * price)).all(axis=1)
    keep = chosen & fits
    lines = np.concatenate([first[keep], second[keep]])
    flat = owner[keep] * catalogue.bundles.shape[1] + which[keep]
    return lines, np.concatenate([pair[keep, 0], pair[keep, 1]]), flat


@dataclass(frozen=True)
class _FollowUps:
    """The lines that may carry a follow-up: an order's last line, in a later order than the
    customer's last bundle (``previous``: that bundle's order, ``-1`` for none)."""

    rng: np.random.Generator
    catalogue: Catalogue
    order: np.ndarray
    previous: np.ndarray
    bundle_of_order: np.ndarray
    eligible: np.ndarray

    def choose(
        self, line_type: np.ndarray, position: np.ndarray, gross: np.ndarray, product: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """With the type's ``follow_up_prob``, the eligible lines (not an order's first line)
        that take the follow-up of the customer's last bundle, when the line's amount
        buys at least one unit of it (about: 0.7 times its list price)."""
        prob = np.array([t.follow_up_prob for t in TYPES])[line_type]
        drawn = self.rng.random(position.size) < prob
        before = self.previous[self.order]
        candidate = np.flatnonzero(self.eligible & drawn & (position >= 1) & (before >= 0))
        follow = self.catalogue.follow_ups.reshape(-1)[self.bundle_of_order[before[candidate]]]
        # a line of at least 0.7 times the list price can carry it (more units for more)
        fits = gross[candidate] >= BUNDLE_PRICE_FIT[0] * self.catalogue.list_price[follow]
        fits &= product[candidate] != follow
        return candidate[fits], follow[fits]


def _follow_up_lines(
    rng: np.random.Generator,
    catalogue: Catalogue,
    order_customer: np.ndarray,
    order: np.ndarray,
    bundled: tuple[np.ndarray, np.ndarray],
    last: np.ndarray,
) -> _FollowUps:
    """Where follow-ups can go: each order's last line not already a bundle's, and per order
    the customer's last earlier order with a bundle (orders are by customer, then time)."""
    bundle_lines, which = bundled
    n_orders = order_customer.size
    bundle_of_order = np.full(n_orders, -1, dtype=np.int64)
    bundle_of_order[order[bundle_lines[: which.size]]] = which  # the bundles' first lines
    with_bundle = np.where(bundle_of_order >= 0, np.arange(n_orders), -1)
    latest = np.full(n_orders, -1, dtype=np.int64)  # the latest bundle strictly before
    latest[1:] = np.maximum.accumulate(with_bundle)[:-1]
    same = latest >= 0
    same[same] = order_customer[latest[same]] == order_customer[same]
    previous = np.where(same, latest, -1)
    eligible = last.copy()
    eligible[bundle_lines] = False
    return _FollowUps(rng, catalogue, order, previous, bundle_of_order, eligible)


def simulate_purchases(
    rng: np.random.Generator,
    pop: Population,
    history: History,
    catalogue: Catalogue,
    first_order_number: int,
) -> Purchases:
    """Orders, lines and ground truth of ``pop``; order ids numbered from ``first_order_number``."""
    n = len(pop)
    rate = rng.gamma(pop.of_type("r"), 1.0 / pop.of_type("alpha"))
    dropout = rng.beta(pop.of_type("a"), pop.of_type("b"))
    nu = rng.gamma(pop.of_type("spend_q"), 1.0 / pop.of_type("spend_gamma"))
    spend_p = pop.of_type("spend_p")
    buys = rng.random(n) < pop.of_type("first_purchase_prob")
    first = pop.signup + rng.exponential(pop.of_type("first_purchase_delay"))
    first = np.where(buys & (first < history.n_days), first, np.inf)
    repeat_owner, repeat_day, alive = _repeat_times(rng, pop, history, first, rate, dropout)

    first_owner = np.flatnonzero(np.isfinite(first))
    customer = np.concatenate([first_owner, repeat_owner])
    day = np.concatenate([first[first_owner], repeat_day])
    returned = rng.random(len(customer)) < pop.of_type("return_prob")[customer]
    status = np.where(returned, _STATUS["returned"], _STATUS["completed"])
    cancelled = np.flatnonzero(rng.random(len(customer)) < CANCELLED_SHARE)
    cancel_day = np.maximum(
        day[cancelled] - rng.uniform(0.02, 2.0, len(cancelled)), pop.signup[customer[cancelled]]
    )
    customer = np.concatenate([customer, customer[cancelled]])
    day = np.concatenate([day, cancel_day])
    status = np.concatenate([status, np.full(len(cancelled), _STATUS["cancelled"])])
    day = np.minimum(_time_of_day(rng, day), history.n_days - 1e-6)
    order = np.lexsort((day, customer))
    customer, day, status = customer[order], day[order], status[order]

    value = rng.gamma(spend_p[customer], 1.0 / nu[customer])
    channel = categorical(rng, pop.of_type("channel_probs")[customer])
    lines = split_into_lines(rng, pop, catalogue, customer, value)
    truth = (rate, dropout, spend_p / nu, alive)
    orders = (customer, day, channel, status)
    return _purchases(pop, history, catalogue, first_order_number, lines, orders, truth)


def _purchases(
    pop: Population,
    history: History,
    catalogue: Catalogue,
    first_order_number: int,
    lines: dict[str, np.ndarray],
    orders_of: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    truth: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> Purchases:
    """The simulated orders (customer, day, channel, status of each) and lines as tables,
    with the ground truth and what the web simulation needs."""
    customer, day, channel, status = orders_of
    order_ids = format_ids("O", first_order_number + np.arange(len(customer)), ORDER_ID_WIDTH)
    orders = build_table(
        "orders",
        {
            "order_id": order_ids,
            "customer_id": pop.ids.take(pa.array(customer)),
            "order_ts": timestamps(history.start_us, day),
            "channel": pick(SALES_CHANNELS, channel),
            "status": pick(ORDER_STATUSES, status),
        },
    )
    rate, dropout, mean_spend, alive = truth
    n = len(pop)
    transaction = status != _STATUS["cancelled"]
    last = np.full(n, -np.inf)
    np.maximum.at(last, customer[transaction], day[transaction])
    active_until = np.where(
        alive, history.n_days, np.minimum(last + LAPSE_BROWSING_DAYS, history.n_days)
    )
    first_line = lines["line_no"] == 1
    return Purchases(
        orders=orders,
        order_lines=_order_lines(catalogue, order_ids, lines),
        ground_truth=_ground_truth(pop, rate, dropout, mean_spend, alive),
        order_customer=customer,
        order_time=day,
        order_channel=channel,
        order_product=lines["product"][first_line],
        active_until=active_until,
        order_status=status,
        alive=alive,
        spend_p=pop.of_type("spend_p"),
        mean_spend=mean_spend,
    )


def _order_lines(
    catalogue: Catalogue, order_ids: pa.Array, lines: dict[str, np.ndarray]
) -> pa.Table:
    """The ``order_lines`` table of the simulated lines."""
    return build_table(
        "order_lines",
        {
            "order_id": order_ids.take(pa.array(lines["order"])),
            "line_no": lines["line_no"],
            "product_id": catalogue.product_ids.take(pa.array(lines["product"])),
            "quantity": lines["quantity"],
            "unit_price": lines["unit_price"],
            "discount": lines["discount"],
            "unit_cost": lines["unit_cost"],
        },
    )


def _ground_truth(
    pop: Population,
    rate: np.ndarray,
    dropout: np.ndarray,
    mean_spend: np.ndarray,
    alive: np.ndarray,
) -> pa.Table:
    """What each customer really was: type, purchase rate, dropout, mean spend, alive."""
    return pa.Table.from_arrays(
        [
            pop.ids,
            pick(TYPE_NAMES, pop.type_index),
            pa.array(rate),
            pa.array(dropout),
            pa.array(mean_spend),
            pa.array(alive),
        ],
        schema=GROUND_TRUTH_SCHEMA,
    )
