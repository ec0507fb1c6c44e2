"""What the synthetic campaigns cause: extra purchases, and the true uplift they imply.

A campaign member is *reachable* when it is an active customer during the response
window: its first purchase came before the campaign started, and it had not dropped out
(it is alive at the end of the history, or buys again after the window). A reachable
target member of latent type ``t`` makes one extra purchase, on a random day of the first
``RESPONSE_DAYS`` days of the campaign, with probability ``q_t`` (``Campaign.uplift``);
its value is drawn from the member's own Gamma-Gamma spend distribution. Everything else
about the member is unchanged, so without the campaign (the control group, and targets
who were not moved) purchases are exactly those of the BTYD simulation.

The true effects, per campaign and type, are the expected differences between the two
potential outcomes of every member, given what the member does anyway:

- response (any purchase in the window): ``q_t`` when reachable and the member makes no
  purchase in the window anyway, else 0 (someone who buys anyway cannot be made to);
- revenue in the window: ``q_t`` times the member's true mean spend per order when
  reachable, else 0.

``ground_truth_campaigns`` holds their means over all members of the type (target and
control alike, since either could have been drawn): the effect a difference in means
between target and control estimates. A campaign's overall true lift is the mean weighted
by ``n_members``. Extra purchases have their own random stream, so the rest of the data
is the same with or without them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from segmint.mart.schema import ORDER_STATUSES
from segmint.synth.campaigns import Campaign, Members
from segmint.synth.catalogue import Catalogue
from segmint.synth.columns import (
    GROUND_TRUTH_CAMPAIGNS_SCHEMA,
    build_table,
    categorical,
    format_ids,
    pick,
    timestamps,
)
from segmint.synth.customers import Population
from segmint.synth.history import History
from segmint.synth.purchases import ORDER_ID_WIDTH, Purchases, split_into_lines
from segmint.synth.types import SALES_CHANNELS, TYPE_NAMES

RESPONSE_DAYS = 14
"""Days from a campaign's start in which it causes extra purchases and its truth is measured."""

_CANCELLED = ORDER_STATUSES.index("cancelled")
_COMPLETED = ORDER_STATUSES.index("completed")


@dataclass(frozen=True)
class CampaignEffects:
    """The extra orders of one chunk and its sums towards the true effects.

    Attributes:
        orders, order_lines: the extra purchases, as mart rows.
        n_members: members per (campaign, type).
        response, revenue: per (campaign, type), the sum over members of the expected
            effect on response and on revenue.
    """

    orders: pa.Table
    order_lines: pa.Table
    n_members: np.ndarray
    response: np.ndarray
    revenue: np.ndarray


def campaign_effects(
    rng: np.random.Generator,
    pop: Population,
    purchases: Purchases,
    members: Members,
    campaigns: tuple[Campaign, ...],
    history: History,
    catalogue: Catalogue,
    first_order_number: int,
) -> CampaignEffects:
    """Extra purchases of the moved target members of ``pop``; ids from ``first_order_number``."""
    n_campaigns, n_types = len(campaigns), len(TYPE_NAMES)
    shape = (n_campaigns, n_types)
    n_members, response, revenue = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    customer, day = purchases.order_customer, purchases.order_time
    bought = purchases.order_status != _CANCELLED
    first = np.full(len(pop), np.inf)
    np.minimum.at(first, customer[bought], day[bought])
    last = np.full(len(pop), -np.inf)
    np.maximum.at(last, customer[bought], day[bought])
    extra_customer, extra_day, extra_value = [], [], []
    for k, plan in enumerate(campaigns):
        lo, hi = float(plan.start), float(plan.start + RESPONSE_DAYS)
        in_window = bought & (day >= lo) & (day < hi)
        buys_anyway = np.zeros(len(pop), dtype=bool)
        buys_anyway[customer[in_window]] = True
        mine = members.campaign == k
        who, target = members.customer[mine], members.target[mine]
        kind = pop.type_index[who]
        reachable = (first[who] < lo) & (purchases.alive[who] | (last[who] >= hi))
        chance = np.asarray(plan.uplift, dtype=np.float64)[kind] * reachable
        n_members[k] = np.bincount(kind, minlength=n_types)
        response[k] = np.bincount(kind, chance * ~buys_anyway[who], minlength=n_types)
        revenue[k] = np.bincount(kind, chance * purchases.mean_spend[who], minlength=n_types)
        # drawn for every member, so a member's draw does not depend on its group
        moved = rng.random(len(who)) < chance
        when = (
            lo + np.floor(rng.random(len(who)) * RESPONSE_DAYS) + rng.uniform(9, 22, len(who)) / 24
        )
        shape_p = purchases.spend_p[who]
        value = rng.gamma(shape_p, purchases.mean_spend[who] / shape_p)
        extra = moved & target
        extra_customer.append(who[extra])
        extra_day.append(when[extra])
        extra_value.append(value[extra])
    orders, lines = _extra_orders(
        rng,
        pop,
        catalogue,
        history,
        np.concatenate(extra_customer).astype(np.int64),
        np.concatenate(extra_day),
        np.concatenate(extra_value),
        first_order_number,
    )
    return CampaignEffects(orders, lines, n_members, response, revenue)


def _extra_orders(
    rng: np.random.Generator,
    pop: Population,
    catalogue: Catalogue,
    history: History,
    customer: np.ndarray,
    day: np.ndarray,
    value: np.ndarray,
    first_order_number: int,
) -> tuple[pa.Table, pa.Table]:
    """``orders`` and ``order_lines`` rows of completed extra purchases."""
    channel = categorical(rng, pop.of_type("channel_probs")[customer])
    lines = split_into_lines(rng, pop, catalogue, customer, value)
    order_ids = format_ids("O", first_order_number + np.arange(len(customer)), ORDER_ID_WIDTH)
    orders = build_table(
        "orders",
        {
            "order_id": order_ids,
            "customer_id": pop.ids.take(pa.array(customer, pa.int64())),
            "order_ts": timestamps(history.start_us, day),
            "channel": pick(SALES_CHANNELS, channel),
            "status": pick(ORDER_STATUSES, np.full(len(customer), _COMPLETED)),
        },
    )
    order_lines = build_table(
        "order_lines",
        {
            "order_id": order_ids.take(pa.array(lines["order"], pa.int64())),
            "line_no": lines["line_no"],
            "product_id": catalogue.product_ids.take(pa.array(lines["product"], pa.int64())),
            "quantity": lines["quantity"],
            "unit_price": lines["unit_price"],
            "discount": lines["discount"],
            "unit_cost": lines["unit_cost"],
        },
    )
    return orders, order_lines


class EffectTotals:
    """Sums towards the true effects over every chunk, turned into the ground truth at the end."""

    def __init__(self, campaigns: tuple[Campaign, ...]) -> None:
        self.campaigns = campaigns
        shape = (len(campaigns), len(TYPE_NAMES))
        self.n_members = np.zeros(shape)
        self.response = np.zeros(shape)
        self.revenue = np.zeros(shape)

    def add(self, effects: CampaignEffects) -> None:
        """Add one chunk's sums."""
        self.n_members += effects.n_members
        self.response += effects.response
        self.revenue += effects.revenue

    def table(self) -> pa.Table:
        """``ground_truth_campaigns``: one row per campaign and latent type (null effects for
        a type without members)."""
        n = self.n_members.reshape(-1)
        has = n > 0
        safe = np.where(has, n, 1.0)
        response = pa.array(self.response.reshape(-1) / safe, mask=~has)
        revenue = pa.array(self.revenue.reshape(-1) / safe, mask=~has)
        n_types = len(TYPE_NAMES)
        return pa.Table.from_arrays(
            [
                pa.array(np.repeat([c.campaign_id for c in self.campaigns], n_types)),
                pa.array(np.tile(TYPE_NAMES, len(self.campaigns))),
                pa.array(np.concatenate([c.uplift for c in self.campaigns]), pa.float64()),
                pa.array(n.astype(np.int64)),
                response,
                revenue,
            ],
            schema=GROUND_TRUTH_CAMPAIGNS_SCHEMA,
        )
