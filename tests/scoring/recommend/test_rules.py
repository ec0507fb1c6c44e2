"""Rules counted in the engine: supports, confidences and lifts by hand and by brute force;
distinct customers and the minimum improvement of two-item antecedents."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace

import ibis
import pandas as pd
import pytest

from segmint.exceptions import InputError
from segmint.scoring.recommend import RuleSettings, count_itemsets, rule_table

HAND = {
    "o1": [1, 2, 3],
    "o2": [1, 2],
    "o3": [1, 3],
    "o4": [2, 3],
    "o5": [1, 2, 3],
    "o6": [1, 2, 3, 4, 5, 6],  # over the size cap of 5: not counted at all
    "o7": [4],
}


def _baskets(baskets: dict[str, list[int]], customers: dict[str, str] | None = None) -> ibis.Table:
    """Basket lines; each basket is its own customer's unless ``customers`` says whose."""
    owner = customers or {order: f"c-{order}" for order in baskets}
    rows = [(order, owner[order], item) for order, items in baskets.items() for item in items]
    return ibis.memtable(
        {
            "order_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "item": [r[2] for r in rows],
        },
        schema={"order_id": "string", "customer_id": "string", "item": "int64"},
    )


def _rules(
    baskets: dict[str, list[int]],
    settings: RuleSettings,
    customers: dict[str, str] | None = None,
) -> pd.DataFrame:
    itemsets = count_itemsets(_baskets(baskets, customers), settings)
    table = rule_table(itemsets, settings).to_pandas()
    table["antecedent_2"] = table.antecedent_2.fillna(-1).astype(int)
    return table.set_index(["antecedent_1", "antecedent_2", "consequent"]).sort_index()


HAND_CUSTOMERS = {"o1": "c1", "o2": "c1", "o3": "c2", "o4": "c3", "o5": "c2", "o6": "c4"}
"""Whose each hand basket is (o7 too: c4)."""


def test_supports_confidences_and_lifts_of_a_hand_counted_basket_set() -> None:
    settings = RuleSettings(min_count=2, min_customers=1, max_basket_size=5, min_confidence=0.0)
    itemsets = count_itemsets(_baskets(HAND, {**HAND_CUSTOMERS, "o7": "c4"}), settings)
    # six baskets kept (o6 is over the cap); item 4 is in one of them only
    assert int(itemsets.n_baskets().execute()) == 6
    items = itemsets.items.order_by("item").execute().values.tolist()
    assert items == [[1, 4, 2], [2, 4, 3], [3, 4, 3]]  # item, baskets, customers
    pairs = itemsets.pairs.order_by(["a", "b"]).execute().values.tolist()
    assert pairs == [[1, 2, 3, 2], [1, 3, 3, 2], [2, 3, 3, 3]]  # (1, 2): c1 twice, c2
    assert itemsets.triples.execute().values.tolist() == [[1, 2, 3, 2, 2]]
    rules = _rules(HAND, settings)
    # 6 from the pairs; of the triple's three, none is more confident than both of its
    # one-item rules ("1 and 2 -> 3": 2/3, as "1 -> 3" and "2 -> 3")
    assert len(rules) == 6
    one = rules.loc[(1, -1, 2)]
    assert one.n_baskets == 3
    assert one.support == pytest.approx(3 / 6)
    assert one.confidence == pytest.approx(3 / 4)  # n(1, 2) / n(1)
    assert one.lift == pytest.approx((3 / 4) / (4 / 6))  # over n(2) / N
    assert one.n_customers == 3  # each basket its own customer's here
    settings = RuleSettings(min_count=2, min_customers=1, max_basket_size=5, min_confidence=0.0)
    # a basket of 1 and 2 only makes "1 and 2 -> 3" (2/4) still not above "1 -> 3" (3/5)
    assert (1, 2, 3) not in _rules({**HAND, "o8": [1, 2]}, settings).index
    # two more of 1, 2 and 3, and 1 or 2 alone twice each, make it: 4/5 above 5/8
    more = {"o8": [1, 2, 3], "o9": [1, 2, 3], "o10": [1], "o11": [2], "o12": [1], "o13": [2]}
    rules = _rules({**HAND, **more}, settings)
    two = rules.loc[(1, 2, 3)]
    assert two.n_baskets == 4
    assert two.support == pytest.approx(4 / 12)
    assert two.confidence == pytest.approx(4 / 5)  # n(1, 2, 3) / n(1, 2)
    assert two.lift == pytest.approx((4 / 5) / (6 / 12))
    assert two.confidence > rules.loc[(1, -1, 3)].confidence == pytest.approx(5 / 8)
    # "1 and 3 -> 2" (4/5) is not above "3 -> 2" (5/6): left out
    assert (1, 3, 2) not in rules.index


def test_minimum_confidence_and_no_triples() -> None:
    settings = RuleSettings(
        min_count=2, min_customers=1, max_basket_size=5, min_confidence=0.7, triples=False
    )
    rules = _rules(HAND, settings)
    assert len(rules) == 6 and (rules.index.get_level_values(1) == -1).all()
    assert (rules.confidence >= 0.7).all()


Counts = dict[tuple[int, ...], tuple[int, int]]
"""Per itemset, its baskets and its distinct customers."""


def _enumerate(
    baskets: dict[str, list[int]], customers: dict[str, str], settings: RuleSettings
) -> tuple[Counts, int]:
    """Every itemset of one to three items of every kept basket, counted in Python, and the
    number of kept baskets."""
    counts: Counter[tuple[int, ...]] = Counter()
    owners: dict[tuple[int, ...], set[str]] = {}
    kept = 0
    for order, items in baskets.items():
        basket = sorted(set(items))
        if len(basket) > settings.max_basket_size:
            continue
        kept += 1
        for size in (1, 2, 3):
            for itemset in itertools.combinations(basket, size):
                counts[itemset] += 1
                owners.setdefault(itemset, set()).add(customers[order])
    return {s: (counts[s], len(owners[s])) for s in counts}, kept


def _brute_force(
    baskets: dict[str, list[int]], customers: dict[str, str], settings: RuleSettings
) -> pd.DataFrame:
    """The same rules by enumerating every itemset of every kept basket in Python."""
    counts, n = _enumerate(baskets, customers, settings)

    def frequent(itemset: tuple[int, ...]) -> bool:
        count, people = counts.get(itemset, (0, 0))
        return count >= settings.min_count and people >= settings.min_customers

    def confidence(antecedent: tuple[int, ...], consequent: int) -> float:
        return counts[tuple(sorted((*antecedent, consequent)))][0] / counts[antecedent][0]

    rows = []
    for itemset, (count, people) in counts.items():
        if len(itemset) < 2 or not frequent(itemset):
            continue
        if not all(frequent(sub) for sub in itertools.combinations(itemset, 2)):
            continue
        for consequent in itemset:
            antecedent = tuple(i for i in itemset if i != consequent)
            conf = confidence(antecedent, consequent)
            shorter = [confidence((i,), consequent) for i in antecedent if len(antecedent) == 2]
            if conf < settings.min_confidence or any(conf <= c for c in shorter):
                continue
            rows.append(
                {
                    "antecedent_1": antecedent[0],
                    "antecedent_2": antecedent[1] if len(antecedent) == 2 else -1,
                    "consequent": consequent,
                    "n_baskets": count,
                    "n_customers": people,
                    "support": count / n,
                    "confidence": conf,
                    "lift": conf / (counts[(consequent,)][0] / n),
                }
            )
    return pd.DataFrame(rows).set_index(["antecedent_1", "antecedent_2", "consequent"]).sort_index()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engine_counts_match_a_brute_force_enumeration(seed: int) -> None:
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(25)]
    baskets = {
        f"o{n}": rng.choices(range(25), weights=weights, k=rng.randint(1, 9)) for n in range(400)
    }
    # 60 customers, some far more often than others; and one who orders the same three
    # rare items twelve times
    customers = {order: f"c{int(60 * rng.random() ** 2)}" for order in baskets}
    baskets.update({f"w{n}": [22, 23, 24] for n in range(12)})
    customers.update({f"w{n}": "whale" for n in range(12)})
    settings = RuleSettings(min_count=8, min_customers=4, max_basket_size=7, min_confidence=0.1)
    deduplicated = {order: sorted(set(items)) for order, items in baskets.items()}
    engine = _rules(deduplicated, settings, customers)
    expected = _brute_force(baskets, customers, settings)
    assert len(expected) > 50  # pairs and triples both present
    assert (expected.index.get_level_values(1) >= 0).any()
    assert (expected.n_customers < expected.n_baskets).any()
    assert (23, -1, 24) not in expected.index  # the whale's: twelve baskets, one customer
    everyone = replace(settings, min_customers=1)
    assert (23, -1, 24) in _brute_force(baskets, customers, everyone).index
    pd.testing.assert_frame_equal(
        engine[expected.columns], expected, check_dtype=False, check_exact=False
    )


def test_one_customer_repeating_a_basket_makes_no_rule_and_several_customers_do() -> None:
    settings = RuleSettings(min_count=10, min_customers=5, min_confidence=0.0)
    # noise: 40 baskets of 1 or 2, from 40 customers
    noise = {f"n{k}": [1 + k % 2] for k in range(40)}
    owners = {order: f"c-{order}" for order in noise}
    one = {f"r{k}": [7, 8] for k in range(19)}  # 19 baskets of 7 and 8, all one customer's
    alone = _rules({**noise, **one}, settings, {**owners, **dict.fromkeys(one, "c17850")})
    assert alone.empty
    # the same 19 baskets from 6 customers make "7 -> 8" and "8 -> 7"
    several = {order: f"p{k % 6}" for k, order in enumerate(one)}
    shared = _rules({**noise, **one}, settings, {**owners, **several})
    assert sorted(shared.index) == [(7, -1, 8), (8, -1, 7)]
    assert shared.n_baskets.tolist() == [19, 19] and shared.n_customers.tolist() == [6, 6]
    # a threshold of one customer brings the single customer's rules back
    lone = _rules(
        {**noise, **one},
        replace(settings, min_customers=1),
        {**owners, **dict.fromkeys(one, "c17850")},
    )
    assert sorted(lone.index) == [(7, -1, 8), (8, -1, 7)]


def test_baskets_without_customers_are_refused() -> None:
    lines = ibis.memtable({"order_id": ["o1", "o1"], "item": [1, 2]})
    with pytest.raises(InputError, match="customer_id"):
        count_itemsets(lines, RuleSettings())


def test_settings_refuse_unusable_values() -> None:
    with pytest.raises(InputError, match="min_count must be an integer >= 1"):
        RuleSettings(min_count=0)
    with pytest.raises(InputError, match="max_basket_size must be an integer >= 2"):
        RuleSettings(max_basket_size=1)
    with pytest.raises(InputError, match="min_customers must be an integer >= 1"):
        RuleSettings(min_customers=0)
