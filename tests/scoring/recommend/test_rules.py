"""Rules counted in the engine: supports, confidences and lifts by hand and by brute force."""

from __future__ import annotations

import itertools
import random
from collections import Counter

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


def _baskets(baskets: dict[str, list[int]]) -> ibis.Table:
    rows = [(order, item) for order, items in baskets.items() for item in items]
    return ibis.memtable(
        {"order_id": [r[0] for r in rows], "item": [r[1] for r in rows]},
        schema={"order_id": "string", "item": "int64"},
    )


def _rules(baskets: dict[str, list[int]], settings: RuleSettings) -> pd.DataFrame:
    table = rule_table(count_itemsets(_baskets(baskets), settings), settings).to_pandas()
    table["antecedent_2"] = table.antecedent_2.fillna(-1).astype(int)
    return table.set_index(["antecedent_1", "antecedent_2", "consequent"]).sort_index()


def test_supports_confidences_and_lifts_of_a_hand_counted_basket_set() -> None:
    settings = RuleSettings(min_count=2, max_basket_size=5, min_confidence=0.0)
    itemsets = count_itemsets(_baskets(HAND), settings)
    # six baskets kept (o6 is over the cap); item 4 is in one of them only
    assert int(itemsets.n_baskets().execute()) == 6
    assert dict(itemsets.items.order_by("item").execute().values.tolist()) == {1: 4, 2: 4, 3: 4}
    pairs = itemsets.pairs.order_by(["a", "b"]).execute().values.tolist()
    assert pairs == [[1, 2, 3], [1, 3, 3], [2, 3, 3]]
    assert itemsets.triples.execute().values.tolist() == [[1, 2, 3, 2]]
    rules = _rules(HAND, settings)
    assert len(rules) == 9  # 6 from the pairs, 3 from the triple
    one = rules.loc[(1, -1, 2)]
    assert one.n_baskets == 3
    assert one.support == pytest.approx(3 / 6)
    assert one.confidence == pytest.approx(3 / 4)  # n(1, 2) / n(1)
    assert one.lift == pytest.approx((3 / 4) / (4 / 6))  # over n(2) / N
    two = rules.loc[(1, 2, 3)]
    assert two.n_baskets == 2
    assert two.support == pytest.approx(2 / 6)
    assert two.confidence == pytest.approx(2 / 3)  # n(1, 2, 3) / n(1, 2)
    assert two.lift == pytest.approx((2 / 3) / (4 / 6))


def test_minimum_confidence_and_no_triples() -> None:
    settings = RuleSettings(min_count=2, max_basket_size=5, min_confidence=0.7, triples=False)
    rules = _rules(HAND, settings)
    assert len(rules) == 6 and (rules.index.get_level_values(1) == -1).all()
    assert (rules.confidence >= 0.7).all()


def _brute_force(baskets: dict[str, list[int]], settings: RuleSettings) -> pd.DataFrame:
    """The same rules by enumerating every itemset of every kept basket in Python."""
    kept = [sorted(set(b)) for b in baskets.values() if len(set(b)) <= settings.max_basket_size]
    counts: Counter[tuple[int, ...]] = Counter()
    for basket in kept:
        for size in (1, 2, 3):
            counts.update(itertools.combinations(basket, size))
    n = len(kept)
    rows = []
    for itemset, count in counts.items():
        if len(itemset) < 2 or count < settings.min_count:
            continue
        if any(counts[sub] < settings.min_count for sub in itertools.combinations(itemset, 2)):
            continue
        for consequent in itemset:
            antecedent = tuple(i for i in itemset if i != consequent)
            confidence = count / counts[antecedent]
            if confidence < settings.min_confidence:
                continue
            rows.append(
                {
                    "antecedent_1": antecedent[0],
                    "antecedent_2": antecedent[1] if len(antecedent) == 2 else -1,
                    "consequent": consequent,
                    "n_baskets": count,
                    "support": count / n,
                    "confidence": confidence,
                    "lift": confidence / (counts[(consequent,)] / n),
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
    settings = RuleSettings(min_count=8, max_basket_size=7, min_confidence=0.1)
    deduplicated = {order: sorted(set(items)) for order, items in baskets.items()}
    engine = _rules(deduplicated, settings)
    expected = _brute_force(baskets, settings)
    assert len(expected) > 50  # pairs and triples both present
    assert (expected.index.get_level_values(1) >= 0).any()
    pd.testing.assert_frame_equal(
        engine[expected.columns], expected, check_dtype=False, check_exact=False
    )


def test_settings_refuse_unusable_values() -> None:
    with pytest.raises(InputError, match="min_count must be an integer >= 1"):
        RuleSettings(min_count=0)
    with pytest.raises(InputError, match="max_basket_size must be an integer >= 2"):
        RuleSettings(max_basket_size=1)
