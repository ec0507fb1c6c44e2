"""Three marketing campaigns and their members, split into target and control.

Each campaign draws 40 % of the customers who had signed up before it started and
consent to its channel, and holds out 20 % of them as a control group. Each campaign
has a known effect per latent type (:attr:`Campaign.uplift`): the chance that a target
member of that type, still an active customer, makes one extra purchase in the first
two weeks because of it. The spring reactivation e-mail works on bargain hunters and
new browsers and not at all on loyal high spenders or store traditionalists; the
loyalty SMS changes nothing for anyone (an A/A test in disguise); the Black Friday
preview works on gift buyers and bargain hunters. The extra purchases and the true
uplift they imply are made by :mod:`segmint.synth.effects`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from segmint.synth.attributes import CONSENT_CHANNELS
from segmint.synth.columns import build_table, dates, pick, timestamps
from segmint.synth.customers import Population
from segmint.synth.history import History

MEMBER_SHARE = 0.40
CONTROL_SHARE = 0.20


@dataclass(frozen=True)
class Campaign:
    """One campaign: identifier, name, channel, first day and length (days after history
    start), what it cost per contact, and its effect.

    Attributes:
        uplift: per latent type (in the order of ``TYPES``), the probability that a target
            member who is still an active customer makes one extra purchase in the first
            ``RESPONSE_DAYS`` days because of the campaign; zeros for no effect.
    """

    campaign_id: str
    name: str
    channel: str
    start: int
    n_days: int
    description: str
    cost_per_contact: float
    uplift: tuple[float, ...]


@dataclass(frozen=True)
class Members:
    """The ``campaign_members`` rows of a chunk and, for each row, the campaign and customer."""

    table: pa.Table
    campaign: np.ndarray
    customer: np.ndarray
    target: np.ndarray


def plan_campaigns(history: History) -> tuple[Campaign, ...]:
    """The campaigns run during ``history``: a reactivation e-mail, an SMS, a Black Friday e-mail."""
    days = history.n_days
    black_friday = days * 9 // 10
    for year in range(history.end.year, history.start.year - 1, -1):
        offset = (dt.date(year, 11, 20) - history.start).days
        if 0 <= offset <= days - 14:
            black_friday = offset
            break
    # uplift per type: loyal, steady, bargain, gift, new browser, one-and-done, store
    return (
        Campaign("K001", "Spring reactivation", "email", days * 4 // 10, 30,
                 "10 % voucher e-mailed to customers who signed up before the campaign.",
                 0.02, (0.0, 0.03, 0.12, 0.01, 0.06, 0.02, 0.0)),
        Campaign("K002", "Loyalty points SMS", "sms", days * 6 // 10, 21,
                 "Double loyalty points announced by SMS.",
                 0.06, (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
        Campaign("K003", "Black Friday preview", "email", black_friday, 14,
                 "Early access to Black Friday deals by e-mail.",
                 0.02, (0.02, 0.02, 0.10, 0.15, 0.04, 0.01, 0.0)),
    )  # fmt: skip


def campaigns_table(campaigns: tuple[Campaign, ...], history: History) -> pa.Table:
    """The ``campaigns`` rows."""
    start = np.array([c.start for c in campaigns], dtype=np.float64)
    end = start + np.array([c.n_days - 1 for c in campaigns], dtype=np.float64)
    return build_table(
        "campaigns",
        {
            "campaign_id": pa.array([c.campaign_id for c in campaigns]),
            "name": pa.array([c.name for c in campaigns]),
            "channel": pa.array([c.channel for c in campaigns]),
            "start_date": dates(history.start_day, start),
            "end_date": dates(history.start_day, end),
            "description": pa.array([c.description for c in campaigns]),
            "holdout_share": np.full(len(campaigns), CONTROL_SHARE),
            "cost_per_contact": np.array([c.cost_per_contact for c in campaigns]),
        },
    )


def draw_members(
    rng: np.random.Generator,
    pop: Population,
    granted: np.ndarray,
    campaigns: tuple[Campaign, ...],
    history: History,
) -> Members:
    """Members of every campaign among ``pop``; ``granted`` is the final consent per channel."""
    campaign_parts, customer_parts = [], []
    for k, plan in enumerate(campaigns):
        consent = granted[:, CONSENT_CHANNELS.index(plan.channel)]
        eligible = consent & (pop.signup < plan.start)
        chosen = np.flatnonzero(eligible & (rng.random(len(pop)) < MEMBER_SHARE))
        campaign_parts.append(np.full(len(chosen), k))
        customer_parts.append(chosen)
    campaign = np.concatenate(campaign_parts)
    customer = np.concatenate(customer_parts)
    target = rng.random(len(customer)) >= CONTROL_SHARE
    start = np.array([c.start for c in campaigns], dtype=np.float64)
    assigned = start[campaign] - 2.0 + 9.0 / 24.0
    table = build_table(
        "campaign_members",
        {
            "campaign_id": pick([c.campaign_id for c in campaigns], campaign),
            "customer_id": pop.ids.take(pa.array(customer)),
            "group": pick(("control", "target"), target.astype(np.int64)),
            "assigned_at": timestamps(history.start_us, np.maximum(assigned, 0.0)),
        },
    )
    return Members(table, campaign, customer, target)
