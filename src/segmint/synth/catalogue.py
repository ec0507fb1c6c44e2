"""The product catalogue: categories, brands, list prices and unit costs.

List prices are log-normal around a median per category, and unit costs follow the
category's gross margin with some spread, so margins differ by category (books and
electronics thin, beauty and fashion fat). Products are kept sorted by category and
price, so an order line can be matched to the product whose price fits the amount
the customer spends on it (see ``purchases``).

Each category also has a few *bundles*: two products bought together (a product of the
category and one of its companion category, ``types.COMPANION_CATEGORIES``), at fixed price
ranks, so they are chosen without drawing anything. Orders often open with one
(``CustomerType.bundle_prob``); they are the planted answer association rules should find.
Each bundle has a *follow-up*: a product of the companion category bought in a later
order (``CustomerType.follow_up_prob``), never in the bundle's own basket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.synth import reference
from segmint.synth.columns import build_table, format_ids, id_width, pick
from segmint.synth.types import CATEGORIES, COMPANION_CATEGORIES

N_PRODUCTS = 1200
BUNDLE_RANKS = ((0.15, 0.2), (0.3, 0.35), (0.45, 0.5))
"""Price ranks (share of the category's products cheaper) of each bundle's two products."""
FOLLOW_UP_RANKS = (0.6, 0.7, 0.8)
"""Price rank, in the companion category, of each bundle's follow-up product."""
_BRANDS_PER_CATEGORY = 6
_KEY_STRIDE = 100.0  # category offset in the sort key; log prices span far less


@dataclass(frozen=True)
class Catalogue:
    """The products, sorted by (category, list price), with their lookup arrays."""

    table: pa.Table
    category: np.ndarray
    list_price: np.ndarray
    unit_cost: np.ndarray
    category_start: np.ndarray
    category_stop: np.ndarray
    bundles: np.ndarray
    """``(n_categories, len(BUNDLE_RANKS), 2)``: each bundle's product (of the category) and
    its companion (of the companion category), as product indices."""
    follow_ups: np.ndarray
    """``(n_categories, len(BUNDLE_RANKS))``: each bundle's follow-up product (of the
    companion category), bought in a later order."""

    @property
    def product_ids(self) -> pa.Array:
        """Product ids in catalogue order."""
        return self.table.column("product_id").combine_chunks()

    def nearest(
        self, rng: np.random.Generator, category: np.ndarray, price: np.ndarray
    ) -> np.ndarray:
        """Index of a product of ``category`` priced near ``price`` (one of the 3 nearest)."""
        keys = self.category * _KEY_STRIDE + np.log(self.list_price)
        wanted = category * _KEY_STRIDE + np.log(np.maximum(price, 0.01))
        index = np.searchsorted(keys, wanted) + rng.integers(-1, 2, len(price))
        return np.asarray(
            np.clip(index, self.category_start[category], self.category_stop[category] - 1)
        )

    def max_price(self, category: np.ndarray) -> np.ndarray:
        """The highest list price in each of ``category``."""
        return np.asarray(self.list_price[self.category_stop[category] - 1])

    def fit_category(
        self, rng: np.random.Generator, category: np.ndarray, price: np.ndarray
    ) -> np.ndarray:
        """``category``, or where no product of it costs about ``price``, a random one that has.

        A 5-euro line cannot be a television: such lines move to a category whose price
        range covers the amount (or the cheapest, or dearest, category when none does).
        """
        low = self.list_price[self.category_start]
        high = self.list_price[self.category_stop - 1]
        too_cheap = price < 0.8 * low[category]
        too_dear = price > 1.2 * high[category]
        by_low, by_high = np.argsort(low), np.argsort(-high)
        n_fit_low = np.searchsorted(low[by_low], price / 0.8, side="right")
        n_fit_high = np.searchsorted(-high[by_high], -price / 1.2, side="right")
        pick_low = by_low[
            np.floor(rng.random(len(price)) * np.maximum(n_fit_low, 1)).astype(np.int64)
        ]
        pick_high = by_high[
            np.floor(rng.random(len(price)) * np.maximum(n_fit_high, 1)).astype(np.int64)
        ]
        return np.where(too_cheap, pick_low, np.where(too_dear, pick_high, category))


def build_catalogue(rng: np.random.Generator, n_products: int = N_PRODUCTS) -> Catalogue:
    """Draw ``n_products`` products spread over the categories."""
    n_categories = len(CATEGORIES)
    # every category gets at least one product; the rest are spread at random
    spread = rng.integers(0, n_categories, max(n_products - n_categories, 0))
    category = np.sort(np.concatenate([np.arange(n_categories), spread]))
    n_products = len(category)
    economics = np.array([reference.CATEGORY_ECONOMICS[c] for c in CATEGORIES])
    median, sigma, margin = economics[category].T
    list_price = np.round(median * np.exp(sigma * rng.standard_normal(n_products)), 0) - 0.01
    list_price = np.maximum(list_price, 1.99)
    item_margin = np.clip(margin + 0.08 * rng.standard_normal(n_products), 0.05, 0.85)
    unit_cost = np.round(list_price * (1.0 - item_margin), 2)
    order = np.lexsort((list_price, category))
    category, list_price, unit_cost = category[order], list_price[order], unit_cost[order]

    stems = np.array(reference.BRAND_STEMS)
    endings = np.array(reference.BRAND_ENDINGS)
    brand_pool = rng.permutation(np.char.add(stems[:, None], endings[None, :]).ravel())[
        : n_categories * _BRANDS_PER_CATEGORY
    ]
    brand = category * _BRANDS_PER_CATEGORY + rng.integers(0, _BRANDS_PER_CATEGORY, n_products)
    nouns = [reference.PRODUCT_NOUNS[c] for c in CATEGORIES]
    noun_index = rng.integers(0, 1_000, n_products)
    noun = np.array(
        [nouns[c][i % len(nouns[c])] for c, i in zip(category, noun_index, strict=True)]
    )
    adjective = np.array(reference.PRODUCT_ADJECTIVES)[
        rng.integers(0, len(reference.PRODUCT_ADJECTIVES), n_products)
    ]
    brand_names = brand_pool[brand]
    name = pc.binary_join_element_wise(
        pa.array(brand_names), pa.array(adjective), pa.array(noun), " "
    )
    table = build_table(
        "products",
        {
            "product_id": format_ids("P", np.arange(1, n_products + 1), id_width(n_products, 5)),
            "name": name,
            "category": pick(CATEGORIES, category),
            "brand": pa.array(brand_names),
            "list_price": list_price,
            "unit_cost": unit_cost,
        },
    )
    counts = np.bincount(category, minlength=n_categories)
    stop = np.cumsum(counts)
    start = stop - counts
    bundles = _bundles(start, counts)
    follow_ups = _follow_ups(start, counts, bundles)
    return Catalogue(table, category, list_price, unit_cost, start, stop, bundles, follow_ups)


def _bundles(start: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each category's bundles: the products at ``BUNDLE_RANKS`` of it and of its companion."""
    companion = np.array([CATEGORIES.index(c) for c in COMPANION_CATEGORIES])
    ranks = np.array(BUNDLE_RANKS)  # (bundles, 2)
    owner = np.stack([np.arange(len(CATEGORIES)), companion], axis=1)[:, None, :]  # (c, 1, 2)
    position = np.floor(ranks[None, :, :] * counts[owner]).astype(np.int64)
    bundles = start[owner] + np.minimum(position, counts[owner] - 1)
    # a category that is its own companion, with few products, could pair a product with
    # itself: take the next one up instead
    same = bundles[..., 0] == bundles[..., 1]
    bundles[..., 1] = np.where(same, bundles[..., 1] + 1, bundles[..., 1])
    return np.asarray(bundles)


def _follow_ups(start: np.ndarray, counts: np.ndarray, bundles: np.ndarray) -> np.ndarray:
    """Each bundle's follow-up: the companion category's product at ``FOLLOW_UP_RANKS``
    (the next one down when that is one of the bundle's own products)."""
    companion = np.array([CATEGORIES.index(c) for c in COMPANION_CATEGORIES])
    size = counts[companion][:, None]
    position = np.floor(np.array(FOLLOW_UP_RANKS)[None, :] * size).astype(np.int64)
    follow = start[companion][:, None] + np.minimum(position, size - 1)
    taken = (follow == bundles[..., 0]) | (follow == bundles[..., 1])
    return np.asarray(np.where(taken & (follow > start[companion][:, None]), follow - 1, follow))
