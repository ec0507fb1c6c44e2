"""Who the synthetic customers are: latent type, signup, demographics, location, PII.

Customers are drawn in chunks; each chunk is a :class:`Population` whose arrays the
other generators (purchases, web behaviour, attributes, campaigns) read. Signup days
are spread over the whole history with a type-specific tilt (most types mostly early,
new browsers mostly late), so the customer base keeps growing and some customers are
new at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.synth import reference
from segmint.synth.columns import build_table, categorical, dates, format_ids, pick
from segmint.synth.history import History
from segmint.synth.types import ACQUISITION_CHANNELS, GENDERS, TYPE_NAMES, type_values

_PREFERENCE_CONCENTRATION = 8.0  # Dirichlet concentration of personal category tastes


@dataclass(frozen=True)
class Population:
    """One chunk of customers and the draws the other generators depend on.

    Attributes:
        ids: customer ids (``C0000001``…).
        type_index: index into ``TYPES`` of each customer's latent type.
        signup: signup time in (fractional) days after the history start.
        category_weights: each customer's preference over ``CATEGORIES`` (rows sum to 1).
    """

    ids: pa.Array
    type_index: np.ndarray
    signup: np.ndarray
    category_weights: np.ndarray

    def __len__(self) -> int:
        return len(self.type_index)

    def of_type(self, attribute: str) -> np.ndarray:
        """Each customer's value of the type parameter ``attribute``."""
        return np.asarray(type_values(attribute)[self.type_index])

    @property
    def favourite_category(self) -> np.ndarray:
        """Index of each customer's most preferred category."""
        return np.asarray(np.argmax(self.category_weights, axis=1))


def draw_population(
    rng: np.random.Generator,
    first_number: int,
    n: int,
    width: int,
    history: History,
    only_type: str | None = None,
) -> Population:
    """Draw ``n`` customers numbered from ``first_number``, ids ``width`` digits wide.

    With ``only_type`` (a name in ``TYPE_NAMES``) every customer is of that type: a
    population whose rates and dropout probabilities come from one gamma and one beta
    distribution (a different retailer from the seed's mixed one).
    """
    shares = type_values("share")
    if only_type is not None:
        shares = np.where(np.asarray(TYPE_NAMES) == only_type, 1.0, 0.0)
    type_index = categorical(rng, shares, n)
    tilt = type_values("signup_tilt")[type_index]
    u = rng.random(n)
    safe_tilt = np.where(np.abs(tilt) < 1e-9, 1e-9, tilt)
    # inverse CDF of the density exp(-tilt * t / D) on [0, D)
    fraction = -np.log1p(-u * -np.expm1(-safe_tilt)) / safe_tilt
    signup = np.minimum(fraction * history.n_days, history.n_days - 1e-6)
    prefs = type_values("category_prefs")[type_index] * _PREFERENCE_CONCENTRATION
    weights = rng.gamma(prefs)
    weights /= weights.sum(axis=1, keepdims=True)
    ids = format_ids("C", np.arange(first_number, first_number + n), width)
    return Population(ids, type_index, signup, weights)


def customers_table(
    rng: np.random.Generator, pop: Population, history: History
) -> tuple[pa.Table, np.ndarray]:
    """The ``customers`` rows of ``pop``, with each customer's gender index (-1: unknown)."""
    n = len(pop)
    latest_birth = history.start.year - 18
    birth_year = np.round(
        pop.of_type("birth_year_mean") + pop.of_type("birth_year_sd") * rng.standard_normal(n)
    )
    birth_year = np.clip(birth_year, 1930, latest_birth).astype(np.int32)
    gender_probs = pop.of_type("gender_probs")
    gender_probs = np.column_stack([gender_probs, 1.0 - gender_probs.sum(axis=1)])
    gender = categorical(rng, gender_probs)
    gender = np.where(gender == len(GENDERS), -1, gender)

    population = np.array([c[3] for c in reference.CITIES], dtype=np.float64)
    city_weights = population[None, :] ** pop.of_type("urban_tilt")[:, None]
    city = categorical(rng, city_weights)
    prefixes = pick([c[2] for c in reference.CITIES], city)
    postcode = pc.binary_join_element_wise(
        prefixes, format_ids("", rng.integers(0, 1000, n), 3), ""
    )
    acquisition = categorical(rng, pop.of_type("acquisition_probs"))
    table = build_table(
        "customers",
        {
            "customer_id": pop.ids,
            "signup_date": dates(history.start_day, pop.signup),
            "birth_year": birth_year,
            "gender": pick(GENDERS, gender),
            "country": pa.array(np.full(n, reference.COUNTRY)),
            "region": pick([c[1] for c in reference.CITIES], city),
            "city": pick([c[0] for c in reference.CITIES], city),
            "postcode": postcode,
            "acquisition_channel": pick(ACQUISITION_CHANNELS, acquisition),
        },
    )
    return table, gender


_ASCII = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), (" ", ""))


def pii_table(rng: np.random.Generator, pop: Population, gender: np.ndarray) -> pa.Table:
    """Fake names, e-mails (at example.com), phones and street addresses."""
    n = len(pop)
    female, male = reference.FIRST_NAMES_FEMALE, reference.FIRST_NAMES_MALE
    is_female = np.where(gender < 0, rng.random(n) < 0.5, gender == 0)
    is_female = np.where(gender == 2, rng.random(n) < 0.5, is_female)
    first = pc.if_else(
        pa.array(is_female),
        pick(female, rng.integers(0, len(female), n)),
        pick(male, rng.integers(0, len(male), n)),
    )
    last = pick(reference.LAST_NAMES, rng.integers(0, len(reference.LAST_NAMES), n))
    local = pc.binary_join_element_wise(pc.utf8_lower(first), pc.utf8_lower(last), ".")
    for umlaut, plain in _ASCII:
        local = pc.replace_substring(local, umlaut, plain)
    email = pc.binary_join_element_wise(
        local,
        pc.cast(pa.array(rng.integers(1, 100, n)), pa.string()),
        pa.scalar("@example.com"),
        "",
    )
    phone = pc.binary_join_element_wise(
        pa.scalar("+49 555 "), format_ids("", rng.integers(0, 10_000_000, n), 7), ""
    )
    street = pick(reference.STREETS, rng.integers(0, len(reference.STREETS), n))
    address = pc.binary_join_element_wise(
        street, pc.cast(pa.array(rng.integers(1, 120, n)), pa.string()), " "
    )
    has_phone = rng.random(n) < 0.7
    return build_table(
        "customer_pii",
        {
            "customer_id": pop.ids,
            "email": email,
            "phone": pc.if_else(pa.array(has_phone), phone, pa.scalar(None, pa.string())),
            "first_name": first,
            "last_name": last,
            "address": address,
        },
    )
