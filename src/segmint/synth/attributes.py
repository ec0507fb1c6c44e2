"""Customer attributes in long form and marketing consents.

Attributes (not every customer has every one):

- ``interest`` (70 %): the interest behind the customer's favourite category, with
  15 % noise, so it correlates with both the type and the basket;
- ``crm_stage`` (everyone): a stage the CRM assigned, drawn from type-specific odds;
- ``survey_satisfaction`` (25 %): 1-5, around a type-specific mean;
- ``social_followers`` (15 %): a log-normal count, larger for young types.

Consents: one row per customer and channel (``email``, ``sms``, ``ads``), granted with
a type- and channel-specific probability at signup; 8 % of grants are withdrawn later
in the preference centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.synth import reference
from segmint.synth.columns import build_table, categorical, pick, timestamps
from segmint.synth.customers import Population
from segmint.synth.history import History
from segmint.synth.types import CATEGORIES, TYPE_NAMES

CONSENT_CHANNELS: tuple[str, ...] = ("email", "sms", "ads")
CRM_STAGES: tuple[str, ...] = ("lead", "active", "vip", "at_risk", "lapsed")
_CRM_ODDS: dict[str, tuple[float, ...]] = {
    "loyal_high_spender": (0.0, 0.35, 0.60, 0.05, 0.0),
    "steady_regular": (0.0, 0.75, 0.10, 0.10, 0.05),
    "bargain_hunter": (0.0, 0.65, 0.05, 0.20, 0.10),
    "seasonal_gift_buyer": (0.05, 0.45, 0.05, 0.25, 0.20),
    "new_browser": (0.80, 0.15, 0.0, 0.05, 0.0),
    "one_and_done": (0.05, 0.15, 0.0, 0.30, 0.50),
    "store_traditionalist": (0.0, 0.70, 0.15, 0.10, 0.05),
}
_SATISFACTION_MEAN: dict[str, float] = {
    "loyal_high_spender": 4.4,
    "steady_regular": 4.0,
    "bargain_hunter": 3.4,
    "seasonal_gift_buyer": 3.8,
    "new_browser": 3.6,
    "one_and_done": 2.6,
    "store_traditionalist": 4.1,
}
_FOLLOWERS_MEDIAN: dict[str, float] = {
    "loyal_high_spender": 250.0,
    "steady_regular": 120.0,
    "bargain_hunter": 300.0,
    "seasonal_gift_buyer": 80.0,
    "new_browser": 600.0,
    "one_and_done": 150.0,
    "store_traditionalist": 40.0,
}
_CHANNEL_CONSENT_FACTOR = np.array([1.0, 0.45, 0.75])  # relative to the type's e-mail odds
_WITHDRAWN = 0.08
_CONSENT_SOURCES = ("signup_form", "checkout", "store")


@dataclass(frozen=True)
class Consents:
    """The consents table and each customer's final grant per channel (column order of ``CONSENT_CHANNELS``)."""

    table: pa.Table
    granted: np.ndarray


def _per_type(values: dict[str, float] | dict[str, tuple[float, ...]]) -> np.ndarray:
    return np.array([values[name] for name in TYPE_NAMES], dtype=np.float64)


def _recorded_after_signup(
    rng: np.random.Generator, pop: Population, rows: np.ndarray, history: History
) -> pa.Array:
    signup = pop.signup[rows]
    return timestamps(history.start_us, signup + rng.random(len(rows)) * (history.n_days - signup))


def attributes_table(rng: np.random.Generator, pop: Population, history: History) -> pa.Table:
    """The ``customer_attributes`` rows of ``pop``."""
    n = len(pop)
    parts: list[tuple[np.ndarray, str, pa.Array, str]] = []

    has_interest = np.flatnonzero(rng.random(n) < 0.70)
    category = pop.favourite_category[has_interest]
    noisy = rng.random(len(has_interest)) < 0.15
    category = np.where(noisy, rng.integers(0, len(CATEGORIES), len(has_interest)), category)
    interests = [reference.CATEGORY_INTEREST[c] for c in CATEGORIES]
    parts.append((has_interest, "interest", pick(interests, category), "survey"))

    everyone = np.arange(n)
    stage = categorical(rng, _per_type(_CRM_ODDS)[pop.type_index])
    parts.append((everyone, "crm_stage", pick(CRM_STAGES, stage), "crm"))

    answered = np.flatnonzero(rng.random(n) < 0.25)
    mean = _per_type(_SATISFACTION_MEAN)[pop.type_index[answered]]
    score = np.clip(np.round(mean + 0.9 * rng.standard_normal(len(answered))), 1, 5).astype(
        np.int64
    )
    parts.append((answered, "survey_satisfaction", pc.cast(pa.array(score), pa.string()), "survey"))

    social = np.flatnonzero(rng.random(n) < 0.15)
    median = _per_type(_FOLLOWERS_MEDIAN)[pop.type_index[social]]
    followers = np.floor(median * np.exp(1.3 * rng.standard_normal(len(social)))).astype(np.int64)
    parts.append((social, "social_followers", pc.cast(pa.array(followers), pa.string()), "social"))

    rows = np.concatenate([p[0] for p in parts])
    order = np.argsort(rows, kind="stable")
    names = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
    sources = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    values = pa.concat_arrays([p[2] for p in parts])
    updated = _recorded_after_signup(rng, pop, rows, history)
    take = pa.array(order)
    return build_table(
        "customer_attributes",
        {
            "customer_id": pop.ids.take(pa.array(rows[order])),
            "name": pa.array(names[order]),
            "value": values.take(take),
            "source": pa.array(sources[order]),
            "updated_at": updated.take(take),
        },
    )


def consents_table(rng: np.random.Generator, pop: Population, history: History) -> Consents:
    """The ``consents`` rows of ``pop`` (every customer, every channel)."""
    n, k = len(pop), len(CONSENT_CHANNELS)
    odds = pop.of_type("email_consent_prob")[:, None] * _CHANNEL_CONSENT_FACTOR[None, :]
    given = rng.random((n, k)) < odds
    withdrawn = given & (rng.random((n, k)) < _WITHDRAWN)
    granted = given & ~withdrawn
    customer = np.repeat(np.arange(n), k)
    signup_time = pop.signup[customer]
    change = signup_time + rng.random(n * k) * (history.n_days - signup_time)
    flat_withdrawn = withdrawn.ravel()
    source = np.where(
        flat_withdrawn, len(_CONSENT_SOURCES), categorical(rng, np.array([0.5, 0.35, 0.15]), n * k)
    )
    table = build_table(
        "consents",
        {
            "customer_id": pop.ids.take(pa.array(customer)),
            "channel": pick(CONSENT_CHANNELS, np.tile(np.arange(k), n)),
            "granted": granted.ravel(),
            "source": pick((*_CONSENT_SOURCES, "preference_centre"), source),
            "updated_at": timestamps(
                history.start_us, np.where(flat_withdrawn, change, signup_time)
            ),
        },
    )
    return Consents(table, granted)
