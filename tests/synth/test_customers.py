"""Synthetic customers: ids, signups inside the history, tastes, and well-formed rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from segmint.synth.customers import customers_table, draw_population, pii_table
from segmint.synth.history import History
from segmint.synth.types import GENDERS, TYPE_NAMES, TYPES

HISTORY = History.of_years(dt.date(2022, 1, 1), 2)


def test_population_ids_signups_and_tastes() -> None:
    pop = draw_population(np.random.default_rng(1), 41, 2000, 7, HISTORY)
    assert len(pop) == 2000
    ids = pop.ids.to_pylist()
    assert ids[0] == "C0000041" and ids[-1] == "C0002040"
    assert len(set(ids)) == 2000
    assert (pop.signup >= 0).all() and (pop.signup < HISTORY.n_days).all()
    assert pop.category_weights.sum(axis=1) == pytest.approx(np.ones(2000))
    assert set(np.unique(pop.type_index)) <= set(range(len(TYPES)))
    assert list(pop.favourite_category) == list(np.argmax(pop.category_weights, axis=1))
    assert list(pop.of_type("r")) == [TYPES[i].r for i in pop.type_index]


def test_only_type_draws_every_customer_of_that_type() -> None:
    mixed = draw_population(np.random.default_rng(5), 1, 3000, 7, HISTORY)
    single = draw_population(np.random.default_rng(5), 1, 3000, 7, HISTORY, "one_and_done")
    assert set(single.type_index.tolist()) == {TYPE_NAMES.index("one_and_done")}
    assert len(set(mixed.type_index.tolist())) == len(TYPES)
    assert single.ids.equals(mixed.ids)


def test_population_is_reproducible_from_its_seed() -> None:
    one = draw_population(np.random.default_rng(7), 1, 50, 5, HISTORY)
    two = draw_population(np.random.default_rng(7), 1, 50, 5, HISTORY)
    assert np.array_equal(one.signup, two.signup)
    assert np.array_equal(one.type_index, two.type_index)


def test_signup_tilt_puts_early_types_early() -> None:
    pop = draw_population(np.random.default_rng(3), 1, 20_000, 6, HISTORY)
    tilt = np.array([TYPES[i].signup_tilt for i in pop.type_index])
    early, late = pop.signup[tilt > 0.5].mean(), pop.signup[tilt < -0.5].mean()
    # density exp(-tilt t / D): a positive tilt before the middle, a negative one after
    assert early < HISTORY.n_days / 2 < late


def test_customer_rows_are_plausible() -> None:
    rng = np.random.default_rng(4)
    pop = draw_population(rng, 1, 500, 6, HISTORY)
    table, gender = customers_table(rng, pop, HISTORY)
    frame = table.to_pandas()
    assert list(frame.customer_id) == pop.ids.to_pylist()
    assert frame.signup_date.min() >= HISTORY.start
    assert frame.signup_date.max() < HISTORY.end
    assert frame.birth_year.between(1930, HISTORY.start.year - 18).all()
    known = gender >= 0
    assert list(frame.gender[known]) == [GENDERS[g] for g in gender[known]]
    assert frame.gender[~known].isna().all()
    assert frame.postcode.str.fullmatch(r"\d+").all()
    assert frame.city.notna().all() and frame.region.notna().all()


def test_pii_rows_are_fake_and_well_formed() -> None:
    rng = np.random.default_rng(5)
    pop = draw_population(rng, 1, 300, 6, HISTORY)
    _, gender = customers_table(rng, pop, HISTORY)
    frame = pii_table(rng, pop, gender).to_pandas()
    assert frame.email.str.fullmatch(r"[a-z.\-]+\d{1,2}@example\.com").all()
    phones = frame.phone.dropna()
    assert phones.str.fullmatch(r"\+49 555 \d{7}").all()
    assert 0 < len(phones) < len(frame)
