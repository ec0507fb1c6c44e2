"""Association rules: "customers whose baskets held X and Y also took Z".

The rules themselves are counted in the engine (:mod:`segmint.scoring.recommend.rules`,
over the orders' baskets); this module holds them as arrays (:class:`RuleTable`) and
recommends with them (:class:`RuleRecommender`).

For a rule ``A -> c`` with ``A`` one or two items (Agrawal, Imieliński & Swami 1993,
"Mining association rules between sets of items in large databases", SIGMOD; Agrawal &
Srikant 1994, "Fast algorithms for mining association rules", VLDB), over ``N`` baskets:

* support ``s(A ∪ {c}) = n(A ∪ {c}) / N``, the share of baskets holding all its items;
* confidence ``n(A ∪ {c}) / n(A)``, the share of baskets with ``A`` that also hold ``c``;
* lift ``confidence / (n(c) / N)`` (Brin, Motwani, Ullman & Tsur 1997): above 1, ``c`` is
  likelier with ``A`` than without.

A customer matches a rule when they have bought every antecedent item. Each candidate item
is scored by the best rule that recommends it (highest confidence, then lift, then count),
the classic rule-based top-N recommender (Sarwar, Karypis, Konstan & Riedl 2000,
"Analysis of recommendation algorithms for e-commerce", EC), and that rule is its
explanation: "because you bought X and Y (lift 4.2)".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from segmint.models import ModelInputError
from segmint.models.recommend._base import Recommender
from segmint.models.recommend._data import (
    FloatArray,
    IntArray,
    Interactions,
    Recommendations,
)
from segmint.models.recommend._topk import rows_from_keys
from segmint.models.recommend.filters import Filters


@dataclass(frozen=True, eq=False)
class RuleTable:
    """Association rules in item-index space, one row per rule.

    Attributes:
        antecedent: ``(n_rules, 2)`` item indices; the second is ``-1`` for a one-item
            antecedent.
        consequent: the recommended item.
        n_baskets: baskets holding the antecedent and the consequent.
        n_customers: distinct customers with such a basket.
        support: ``n_baskets`` over all baskets counted.
        confidence: ``n_baskets`` over baskets holding the antecedent.
        lift: confidence over the consequent's share of baskets.
    """

    antecedent: IntArray
    consequent: IntArray
    n_baskets: FloatArray
    support: FloatArray
    confidence: FloatArray
    lift: FloatArray
    n_customers: FloatArray

    @classmethod
    def from_arrays(
        cls,
        antecedent_1: ArrayLike,
        antecedent_2: ArrayLike | None,
        consequent: ArrayLike,
        n_baskets: ArrayLike,
        support: ArrayLike,
        confidence: ArrayLike,
        lift: ArrayLike,
        *,
        n_customers: ArrayLike,
    ) -> RuleTable:
        """Validate rule columns (``antecedent_2`` ``-1`` or ``None`` for one-item rules)."""
        first = np.asarray(antecedent_1, dtype=np.int64)
        n = first.size
        second = (
            np.full(n, -1, dtype=np.int64)
            if antecedent_2 is None
            else np.asarray(antecedent_2, dtype=np.int64)
        )
        target = np.asarray(consequent, dtype=np.int64)
        columns = {
            name: np.asarray(values, dtype=np.float64)
            for name, values in (
                ("n_baskets", n_baskets),
                ("support", support),
                ("confidence", confidence),
                ("lift", lift),
                ("n_customers", n_customers),
            )
        }
        for name, values in (("antecedent_2", second), ("consequent", target), *columns.items()):
            if values.shape != (n,):
                raise ModelInputError(
                    f"rule column {name} must have one value per rule ({n}); got {values.shape}."
                )
        if n and (first.min() < 0 or target.min() < 0 or second.min() < -1):
            raise ModelInputError("rule items must be item indices >= 0 (antecedent_2 may be -1).")
        if n and (np.any(first == target) | np.any(second == target) | np.any(first == second)):
            raise ModelInputError("a rule's items must be distinct (X -> X is not a rule).")
        for name, values in columns.items():
            if n and not (np.isfinite(values).all() and values.min() >= 0):
                raise ModelInputError(f"rule column {name} must be finite and non-negative.")
        if n and columns["confidence"].max() > 1:
            raise ModelInputError("rule confidence must lie in [0, 1].")
        return cls(np.column_stack([first, second]), target, **columns)

    @property
    def n_rules(self) -> int:
        """Number of rules."""
        return int(self.consequent.size)

    def take(self, keep: NDArray[np.bool_] | NDArray[np.int64]) -> RuleTable:
        """The rules selected by a boolean mask or index array, in that order."""
        return RuleTable(
            self.antecedent[keep],
            self.consequent[keep],
            self.n_baskets[keep],
            self.support[keep],
            self.confidence[keep],
            self.lift[keep],
            self.n_customers[keep],
        )


class RuleRecommender(Recommender):
    """Recommend the consequents of the rules whose antecedents a customer has bought.

    Args:
        min_confidence: rules below this confidence are ignored.
        min_lift: rules below this lift are ignored (1 keeps only positive association).
        exclude_bought: leave out items the customer already bought.

    Attributes:
        rules_: the usable rules, best first (confidence, lift, count descending).
        antecedents_: ``(n_items, n_rules)`` sparse, 1 where an item is in a rule's
            antecedent.
    """

    name: ClassVar[str] = "rules"
    batch_users: ClassVar[int] = 10_000

    def __init__(
        self, min_confidence: float = 0.0, min_lift: float = 1.0, exclude_bought: bool = True
    ) -> None:
        self.min_confidence = min_confidence
        self.min_lift = min_lift
        self.exclude_bought = exclude_bought

    def fit(self, interactions: Interactions, rules: RuleTable) -> Self:
        """Keep the usable rules, ranked, and index them by antecedent item.

        Args:
            interactions: what each customer bought (their antecedents).
            rules: rules counted over the same period's baskets, in the same item indices.
        """
        if not isinstance(rules, RuleTable):
            raise TypeError(
                f"rules must be a RuleTable (RuleTable.from_arrays(...)); "
                f"got {type(rules).__name__}."
            )
        if not 0 <= self.min_confidence <= 1:
            raise ModelInputError(
                f"min_confidence must lie in [0, 1]; got {self.min_confidence!r}."
            )
        if not self.min_lift >= 0:
            raise ModelInputError(f"min_lift must be non-negative; got {self.min_lift!r}.")
        self._remember(interactions)
        n_items = interactions.n_items
        if rules.n_rules and (
            rules.antecedent.max() >= n_items or rules.consequent.max() >= n_items
        ):
            raise ModelInputError(
                f"rules refer to item indices beyond the {n_items} items of the interactions; "
                "count rules and interactions with the same item codes."
            )
        usable = (rules.confidence >= self.min_confidence) & (rules.lift >= self.min_lift)
        kept = rules.take(usable)
        order = np.lexsort(
            (
                kept.antecedent[:, 1],
                kept.antecedent[:, 0],
                kept.consequent,
                -kept.n_baskets,
                -kept.lift,
                -kept.confidence,
            )
        )
        self.rules_ = kept.take(order)
        n_rules = self.rules_.n_rules
        members = self.rules_.antecedent
        single = members[:, 1] < 0
        rule_of = np.concatenate([np.arange(n_rules), np.flatnonzero(~single)])
        item_of = np.concatenate([members[:, 0], members[~single, 1]])
        self.antecedents_ = sp.csr_array(
            (np.ones(rule_of.size, dtype=np.float32), (item_of, rule_of)),
            shape=(n_items, n_rules),
        )
        self.antecedent_size_ = np.where(single, 1.0, 2.0).astype(np.float32)
        return self

    def _recommend(
        self, users: IntArray, k: int, filters: Filters | None, context: Any
    ) -> Recommendations:
        n_rules = self.rules_.n_rules
        n_items = self.n_items_
        m = users.size
        if n_rules == 0:
            empty = np.full((m, k), -1, dtype=np.int64)
            return Recommendations.build(users, empty, np.full((m, k), np.nan), self.name)
        matched = sp.csr_array(self.history_[users] @ self.antecedents_)
        full = matched.data == self.antecedent_size_[matched.indices]
        rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(matched.indptr))[full]
        rule = matched.indices[full].astype(np.int64)
        # one candidate per (customer, item): the best-ranked rule, i.e. the lowest index
        keys = (rows * n_items + self.rules_.consequent[rule]) * n_rules + rule
        keys.sort()
        pair = keys // n_rules
        first = np.ones(keys.size, dtype=bool)
        first[1:] = pair[1:] != pair[:-1]
        best = keys[first] % n_rules
        # higher value = better rule, so the top k by value are the k best rules' items
        candidates = rows_from_keys(pair[first], (n_rules - best).astype(np.float64), m, n_items)
        items, ranks = self._top(candidates, users, k, filters, self.exclude_bought)
        filled = items >= 0
        chosen = np.where(filled, n_rules - np.nan_to_num(ranks, nan=n_rules), 0).astype(np.int64)
        because = np.where(filled[:, :, None], self.rules_.antecedent[chosen], -1)
        return Recommendations.build(
            users,
            items,
            np.where(filled, self.rules_.confidence[chosen], np.nan),
            self.name,
            because_items=because,
            lift=np.where(filled, self.rules_.lift[chosen], np.nan),
            confidence=np.where(filled, self.rules_.confidence[chosen], np.nan),
        )
