"""Association rules as of a date, with product names: what ``segmint recommend rules`` lists.

The same engine counting as the recommenders use (:mod:`segmint.scoring.recommend.rules`:
items, pairs and triples over the baskets, oversized baskets set aside), with thresholds
a person sets: a minimum support (share of baskets) or count, a minimum number of distinct
customers, confidence and lift, and rules of two items ("X -> Z") or three ("X and Y ->
Z"; only those more confident than both "X -> Z" and "Y -> Z").
"""

from __future__ import annotations

import datetime as dt
import math
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.scoring.recommend.baskets import coded_baskets, no_baskets
from segmint.scoring.recommend.rules import RuleSettings, count_itemsets, rule_table

COLUMNS = (
    "antecedent",
    "consequent",
    "n_baskets",
    "n_customers",
    "support",
    "confidence",
    "lift",
    "antecedent_ids",
    "consequent_id",
)
"""The columns of a rule list: names first, then the counts, then the product ids."""


@dataclass(frozen=True)
class RuleQuery:
    """Which rules to list.

    Attributes:
        min_support: fewest baskets holding every item of a rule, as a share of baskets.
        min_count: fewest such baskets, as a count (the larger of the two applies).
        min_customers: fewest distinct customers with such a basket (see
            :class:`~segmint.scoring.recommend.rules.RuleSettings`: one customer's repeat
            orders are no rule).
        min_confidence: least share of the antecedent's baskets that hold the consequent.
        min_lift: least lift (1 = no more often than by chance).
        max_len: items in a rule: 2 ("X -> Z") or 3 (also "X and Y -> Z").
        max_basket_size: baskets with more distinct items are set aside.
        exclude_products: product ids that are not goods (postage, fees).
    """

    min_support: float = 0.0
    min_count: int = 10
    min_customers: int = 5
    min_confidence: float = 0.1
    min_lift: float = 1.0
    max_len: int = 3
    max_basket_size: int = 50
    exclude_products: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.min_support <= 1:
            raise InputError(f"min_support must lie in [0, 1]; got {self.min_support!r}.")
        if not self.min_lift >= 0:
            raise InputError(f"min_lift must be non-negative; got {self.min_lift!r}.")
        if self.max_len not in (2, 3):
            raise InputError(
                f"max_len must be 2 (X -> Z) or 3 (X and Y -> Z); got {self.max_len!r}."
            )
        self.settings(1)  # checks min_count, min_customers, min_confidence, max_basket_size

    def settings(self, n_baskets: int) -> RuleSettings:
        """The counting settings over ``n_baskets`` baskets (support turned into a count)."""
        by_support = math.ceil(self.min_support * n_baskets - 1e-9)
        return RuleSettings(
            min_count=max(self.min_count, by_support, 1),
            min_customers=self.min_customers,
            max_basket_size=self.max_basket_size,
            min_confidence=self.min_confidence,
            triples=self.max_len == 3,
        )


@dataclass(frozen=True)
class RuleList:
    """Rules as of a date, strongest lift first.

    Attributes:
        as_of: the last day of baskets counted.
        rules: one row per rule, :data:`COLUMNS`; ``antecedent`` reads "X and Y", and
            ``antecedent_ids`` lists their ids separated by " | ".
        n_baskets: baskets counted.
        n_baskets_skipped: baskets over the size cap, set aside.
        min_count: the minimum count applied (from the support or the count).
        min_customers: the minimum number of distinct customers applied.
    """

    as_of: dt.date
    rules: pd.DataFrame
    n_baskets: int
    n_baskets_skipped: int
    min_count: int
    min_customers: int


def list_rules(mart: Mart, day: dt.date, query: RuleQuery | None = None) -> RuleList:
    """The association rules of the baskets up to ``day`` that pass ``query``'s thresholds.

    Raises:
        InputError: no basket by ``day`` (no purchase names a product), where "no rule
            passes the thresholds" would send the user lowering them in vain.
    """
    query = query or RuleQuery()
    with ExitStack() as held:
        coded = coded_baskets(mart, day, held, exclude_products=query.exclude_products)
        lines = coded.lines
        sizes = lines.group_by("basket").aggregate(size=lines.count())
        counted = sizes.aggregate(
            kept=sizes.count(where=sizes.size <= query.max_basket_size),
            skipped=sizes.count(where=sizes.size > query.max_basket_size),
        ).to_pandas()
        n_kept, n_skipped = (int(counted[c].fillna(0).iloc[0]) for c in ("kept", "skipped"))
        if n_kept + n_skipped == 0:
            raise no_baskets(day)
        settings = query.settings(n_kept)
        baskets = lines.select(order_id=lines.basket, customer_id=lines.user, item=lines.item)
        rules = rule_table(count_itemsets(baskets, settings, cache=held), settings)
        rules = rules.filter(rules.lift >= query.min_lift).to_pandas()
        products = coded.products.join(mart.table("products"), "product_id", how="left")
        used = pd.concat([rules.antecedent_1, rules.antecedent_2, rules.consequent]).dropna()
        wanted = products.filter(products.item.isin(sorted({int(i) for i in used})))
        names = wanted.select("item", "product_id", "name").to_pandas()
    named = _named(rules, names)
    return RuleList(day, named, n_kept, n_skipped, settings.min_count, settings.min_customers)


def _named(rules: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """``rules`` (in item codes) with product ids and names, strongest lift first."""
    ids = dict(zip(products["item"], products["product_id"], strict=True))
    shown = products["name"].where(products["name"].notna(), products["product_id"])
    names = dict(zip(products["item"], shown, strict=True))

    def members(row: Any, lookup: dict[int, str]) -> list[str]:
        codes = [row.antecedent_1] + ([] if pd.isna(row.antecedent_2) else [row.antecedent_2])
        return [str(lookup[int(c)]) for c in codes]

    if rules.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    table = pd.DataFrame(
        {
            "antecedent": [" and ".join(members(r, names)) for r in rules.itertuples()],
            "consequent": [str(names[int(c)]) for c in rules.consequent],
            "n_baskets": rules.n_baskets.astype("int64"),
            "n_customers": rules.n_customers.astype("int64"),
            "support": rules.support,
            "confidence": rules.confidence,
            "lift": rules.lift,
            "antecedent_ids": [" | ".join(members(r, ids)) for r in rules.itertuples()],
            "consequent_id": [str(ids[int(c)]) for c in rules.consequent],
        }
    )
    order = table.sort_values(
        ["lift", "n_baskets", "antecedent_ids", "consequent_id"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return order.reset_index(drop=True)
