"""The catalogue: every category stocked, margins that differ by category, price matching."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from segmint.synth.catalogue import build_catalogue
from segmint.synth.types import CATEGORIES


def test_every_category_is_stocked_and_costs_stay_below_prices() -> None:
    catalogue = build_catalogue(np.random.default_rng(0))
    table = catalogue.table
    assert set(pc.unique(table.column("category")).to_pylist()) == set(CATEGORIES)
    assert len(pc.unique(table.column("product_id"))) == table.num_rows
    assert (catalogue.unit_cost < catalogue.list_price).all()
    assert len(pc.unique(table.column("brand"))) >= 20


def test_margins_differ_by_category() -> None:
    catalogue = build_catalogue(np.random.default_rng(1))
    margin = 1 - catalogue.unit_cost / catalogue.list_price
    by_category = {c: margin[catalogue.category == i].mean() for i, c in enumerate(CATEGORIES)}
    assert by_category["beauty"] > by_category["books"] + 0.2
    assert by_category["fashion"] > by_category["electronics"] + 0.2


def test_nearest_product_is_in_the_category_and_near_the_price() -> None:
    rng = np.random.default_rng(2)
    catalogue = build_catalogue(rng)
    category = np.full(500, CATEGORIES.index("shoes"))
    wanted = np.full(500, 70.0)
    product = catalogue.nearest(rng, category, wanted)
    assert (catalogue.category[product] == category).all()
    assert np.median(np.abs(catalogue.list_price[product] / wanted - 1)) < 0.05


def test_amounts_no_product_fits_move_to_a_category_that_has_them() -> None:
    rng = np.random.default_rng(3)
    catalogue = build_catalogue(rng)
    electronics = np.full(200, CATEGORIES.index("electronics"))
    moved = catalogue.fit_category(rng, electronics, np.full(200, 0.5))
    cheapest = catalogue.list_price[catalogue.category_start[moved]]
    assert (cheapest <= catalogue.list_price.min() / 0.8).all()
    kept = catalogue.fit_category(rng, electronics, np.full(200, 120.0))
    assert (kept == electronics).all()
