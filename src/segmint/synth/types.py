"""The latent customer types of the synthetic retailer and their true parameters.

Every synthetic customer belongs to exactly one type. A type fixes the distributions
its customers are drawn from: who they are (age, gender, how urban), how they were
acquired, what they buy and where, how they react to discounts and e-mail, and the
population parameters of their purchasing:

- repeat purchases follow the BG/NBD model (Fader, Hardie & Lee 2005, "Counting your
  customers the easy way", Marketing Science 24(2)): while alive a customer buys as a
  Poisson process with rate ``lambda ~ Gamma(r, alpha)`` (shape ``r``, rate ``alpha``,
  in purchases **per day**); after each repeat purchase the customer drops out with
  probability ``p ~ Beta(a, b)``;
- the value of each order follows the Gamma-Gamma model (Fader, Hardie & Lee 2005,
  "RFM and CLV: using iso-value curves", Journal of Marketing Research 42(4), after
  Colombo & Jiang 1999): ``z ~ Gamma(p, nu)`` with ``nu ~ Gamma(q, gamma)`` per
  customer, so a customer's true mean spend per order is ``p / nu``.

The types, their shares and every parameter are documented in ``docs/synth.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CATEGORIES: tuple[str, ...] = (
    "fashion",
    "shoes",
    "beauty",
    "electronics",
    "home",
    "kitchen",
    "garden",
    "sports",
    "toys",
    "books",
)
"""Product categories; category preferences below are in this order."""

COMPANION_CATEGORIES: tuple[str, ...] = (
    "shoes",
    "fashion",
    "beauty",
    "home",
    "kitchen",
    "home",
    "garden",
    "sports",
    "books",
    "toys",
)
"""For each of ``CATEGORIES``, where the second product of its bundles comes from (a dress
with shoes, a lamp with a pan, a toy with a book): see ``catalogue.Catalogue.bundles``."""

SALES_CHANNELS: tuple[str, ...] = ("web", "app", "store")
ACQUISITION_CHANNELS: tuple[str, ...] = (
    "organic_search",
    "paid_search",
    "social",
    "referral",
    "email",
    "store",
    "affiliate",
)
GENDERS: tuple[str, ...] = ("female", "male", "diverse")


@dataclass(frozen=True)
class CustomerType:
    """One latent customer type: its share and the distributions of its customers.

    Attributes:
        name: identifier, the ``latent_type`` of the ground truth.
        share: expected share of customers of this type.
        signup_tilt: acquisition over time; density of signup day ``t`` in a history of
            ``D`` days is proportional to ``exp(-signup_tilt * t / D)`` (positive: mostly
            early, negative: mostly late).
        first_purchase_prob: probability the customer ever places a first order.
        first_purchase_delay: mean days from signup to the first order (exponential).
        r, alpha: Gamma shape and rate of the daily purchase rate ``lambda``.
        a, b: Beta parameters of the dropout probability ``p``.
        spend_p, spend_q, spend_gamma: Gamma-Gamma spend parameters ``p``, ``q``, ``gamma``.
        seasonality: name of the seasonal profile of purchase timing (``retail``, ``gift``).
        birth_year_mean, birth_year_sd: normal distribution of the year of birth.
        gender_probs: probabilities of ``GENDERS``; the rest is unrecorded (null).
        urban_tilt: city weights are ``population ** urban_tilt``.
        acquisition_probs: probabilities of ``ACQUISITION_CHANNELS``.
        category_prefs: mean category preference (Dirichlet mean) over ``CATEGORIES``.
        channel_probs: probabilities of ``SALES_CHANNELS`` per order.
        discount_prob: probability an order line carries a discount.
        extra_lines: mean of the Poisson number of lines beyond the first.
        extra_quantity: mean of the Poisson quantity beyond one unit.
        return_prob: probability an order is returned.
        browse_rate: browsing sessions without purchase per year while active.
        email_open_prob: probability an e-mail sent is opened.
        email_consent_prob: probability of consenting to marketing e-mail.
        bundle_prob: probability an order of two or more lines opens with one of the
            catalogue's bundles (two products bought together: the basket structure that
            association rules find).
        follow_up_prob: probability that a later line of a later order (not its first,
            not a bundle's) carries the follow-up of the last bundle the customer bought
            (an accessory or refill bought on another day: the cross-order structure that
            item-kNN finds and order-level rules cannot).
    """

    name: str
    share: float
    signup_tilt: float
    first_purchase_prob: float
    first_purchase_delay: float
    r: float
    alpha: float
    a: float
    b: float
    spend_p: float
    spend_q: float
    spend_gamma: float
    seasonality: str
    birth_year_mean: float
    birth_year_sd: float
    gender_probs: tuple[float, float, float]
    urban_tilt: float
    acquisition_probs: tuple[float, ...]
    category_prefs: tuple[float, ...]
    channel_probs: tuple[float, float, float]
    discount_prob: float
    extra_lines: float
    extra_quantity: float
    return_prob: float
    browse_rate: float
    email_open_prob: float
    email_consent_prob: float
    bundle_prob: float
    follow_up_prob: float = 0.0

    @property
    def mean_rate(self) -> float:
        """Population mean of the daily purchase rate, ``r / alpha``."""
        return self.r / self.alpha

    @property
    def mean_dropout(self) -> float:
        """Population mean of the dropout probability, ``a / (a + b)``."""
        return self.a / (self.a + self.b)

    @property
    def mean_spend(self) -> float:
        """Population mean spend per order, ``p * gamma / (q - 1)``."""
        return self.spend_p * self.spend_gamma / (self.spend_q - 1.0)


TYPES: tuple[CustomerType, ...] = (
    CustomerType(
        name="loyal_high_spender",
        share=0.07,
        signup_tilt=1.5,
        first_purchase_prob=1.0,
        first_purchase_delay=2.0,
        r=4.0,
        alpha=70.0,
        a=1.5,
        b=45.0,
        spend_p=6.0,
        spend_q=5.0,
        spend_gamma=100.0,
        seasonality="retail",
        birth_year_mean=1976.0,
        birth_year_sd=9.0,
        gender_probs=(0.55, 0.40, 0.02),
        urban_tilt=1.2,
        acquisition_probs=(0.30, 0.10, 0.05, 0.25, 0.10, 0.15, 0.05),
        category_prefs=(0.18, 0.12, 0.10, 0.16, 0.12, 0.08, 0.06, 0.08, 0.04, 0.06),
        channel_probs=(0.45, 0.35, 0.20),
        discount_prob=0.05,
        extra_lines=1.3,
        extra_quantity=0.2,
        return_prob=0.05,
        browse_rate=5,
        email_open_prob=0.45,
        email_consent_prob=0.85,
        bundle_prob=0.5,
        follow_up_prob=0.7,
    ),
    CustomerType(
        name="steady_regular",
        share=0.20,
        signup_tilt=1.0,
        first_purchase_prob=1.0,
        first_purchase_delay=5.0,
        r=3.0,
        alpha=100.0,
        a=1.5,
        b=25.0,
        spend_p=5.0,
        spend_q=4.0,
        spend_gamma=42.0,
        seasonality="retail",
        birth_year_mean=1972.0,
        birth_year_sd=12.0,
        gender_probs=(0.52, 0.45, 0.01),
        urban_tilt=0.8,
        acquisition_probs=(0.30, 0.15, 0.05, 0.15, 0.10, 0.20, 0.05),
        category_prefs=(0.08, 0.05, 0.10, 0.08, 0.15, 0.18, 0.10, 0.08, 0.06, 0.12),
        channel_probs=(0.45, 0.25, 0.30),
        discount_prob=0.10,
        extra_lines=1.0,
        extra_quantity=0.3,
        return_prob=0.03,
        browse_rate=2.5,
        email_open_prob=0.30,
        email_consent_prob=0.75,
        bundle_prob=0.45,
        follow_up_prob=0.6,
    ),
    CustomerType(
        name="bargain_hunter",
        share=0.18,
        signup_tilt=0.8,
        first_purchase_prob=0.95,
        first_purchase_delay=10.0,
        r=2.0,
        alpha=50.0,
        a=2.0,
        b=22.0,
        spend_p=4.0,
        spend_q=5.0,
        spend_gamma=35.0,
        seasonality="retail",
        birth_year_mean=1988.0,
        birth_year_sd=11.0,
        gender_probs=(0.50, 0.46, 0.02),
        urban_tilt=0.9,
        acquisition_probs=(0.15, 0.20, 0.20, 0.05, 0.10, 0.05, 0.25),
        category_prefs=(0.16, 0.10, 0.12, 0.12, 0.10, 0.10, 0.05, 0.10, 0.08, 0.07),
        channel_probs=(0.55, 0.35, 0.10),
        discount_prob=0.70,
        extra_lines=1.1,
        extra_quantity=0.6,
        return_prob=0.06,
        browse_rate=6,
        email_open_prob=0.40,
        email_consent_prob=0.80,
        bundle_prob=0.3,
        follow_up_prob=0.2,
    ),
    CustomerType(
        name="seasonal_gift_buyer",
        share=0.12,
        signup_tilt=0.5,
        first_purchase_prob=1.0,
        first_purchase_delay=3.0,
        r=3.0,
        alpha=450.0,
        a=1.5,
        b=14.0,
        spend_p=5.0,
        spend_q=4.0,
        spend_gamma=55.0,
        seasonality="gift",
        birth_year_mean=1968.0,
        birth_year_sd=13.0,
        gender_probs=(0.58, 0.40, 0.01),
        urban_tilt=0.7,
        acquisition_probs=(0.35, 0.25, 0.10, 0.10, 0.05, 0.10, 0.05),
        category_prefs=(0.08, 0.04, 0.14, 0.14, 0.10, 0.06, 0.04, 0.06, 0.22, 0.12),
        channel_probs=(0.55, 0.15, 0.30),
        discount_prob=0.20,
        extra_lines=1.2,
        extra_quantity=0.2,
        return_prob=0.08,
        browse_rate=1.5,
        email_open_prob=0.25,
        email_consent_prob=0.65,
        bundle_prob=0.55,
        follow_up_prob=0.4,
    ),
    CustomerType(
        name="new_browser",
        share=0.15,
        signup_tilt=-3.0,
        first_purchase_prob=0.40,
        first_purchase_delay=60.0,
        r=2.0,
        alpha=90.0,
        a=2.0,
        b=10.0,
        spend_p=4.0,
        spend_q=4.0,
        spend_gamma=35.0,
        seasonality="retail",
        birth_year_mean=1995.0,
        birth_year_sd=8.0,
        gender_probs=(0.48, 0.46, 0.04),
        urban_tilt=1.3,
        acquisition_probs=(0.15, 0.15, 0.40, 0.10, 0.02, 0.03, 0.15),
        category_prefs=(0.20, 0.12, 0.14, 0.18, 0.06, 0.04, 0.02, 0.12, 0.04, 0.08),
        channel_probs=(0.40, 0.55, 0.05),
        discount_prob=0.25,
        extra_lines=0.6,
        extra_quantity=0.1,
        return_prob=0.07,
        browse_rate=7,
        email_open_prob=0.20,
        email_consent_prob=0.70,
        bundle_prob=0.35,
        follow_up_prob=0.3,
    ),
    CustomerType(
        name="one_and_done",
        share=0.18,
        signup_tilt=1.2,
        first_purchase_prob=1.0,
        first_purchase_delay=1.0,
        r=1.5,
        alpha=120.0,
        a=8.0,
        b=2.0,
        spend_p=4.0,
        spend_q=4.0,
        spend_gamma=40.0,
        seasonality="retail",
        birth_year_mean=1982.0,
        birth_year_sd=14.0,
        gender_probs=(0.50, 0.47, 0.01),
        urban_tilt=1.0,
        acquisition_probs=(0.20, 0.30, 0.15, 0.05, 0.02, 0.08, 0.20),
        category_prefs=(0.12, 0.10, 0.08, 0.14, 0.12, 0.10, 0.10, 0.10, 0.07, 0.07),
        channel_probs=(0.60, 0.15, 0.25),
        discount_prob=0.30,
        extra_lines=0.5,
        extra_quantity=0.2,
        return_prob=0.08,
        browse_rate=0.75,
        email_open_prob=0.10,
        email_consent_prob=0.55,
        bundle_prob=0.3,
        follow_up_prob=0.2,
    ),
    CustomerType(
        name="store_traditionalist",
        share=0.10,
        signup_tilt=1.0,
        first_purchase_prob=1.0,
        first_purchase_delay=0.5,
        r=3.0,
        alpha=90.0,
        a=1.5,
        b=30.0,
        spend_p=5.0,
        spend_q=5.0,
        spend_gamma=48.0,
        seasonality="retail",
        birth_year_mean=1958.0,
        birth_year_sd=10.0,
        gender_probs=(0.56, 0.43, 0.0),
        urban_tilt=0.3,
        acquisition_probs=(0.05, 0.02, 0.02, 0.15, 0.04, 0.70, 0.02),
        category_prefs=(0.10, 0.08, 0.06, 0.04, 0.16, 0.16, 0.20, 0.06, 0.04, 0.10),
        channel_probs=(0.10, 0.02, 0.88),
        discount_prob=0.08,
        extra_lines=1.0,
        extra_quantity=0.4,
        return_prob=0.02,
        browse_rate=0.25,
        email_open_prob=0.35,
        email_consent_prob=0.45,
        bundle_prob=0.4,
        follow_up_prob=0.3,
    ),
)
"""The seven latent types; their shares sum to one."""

TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in TYPES)


def type_values(attribute: str) -> np.ndarray:
    """The value of ``attribute`` for every type, indexed like ``TYPES``."""
    return np.array([getattr(t, attribute) for t in TYPES], dtype=np.float64)
