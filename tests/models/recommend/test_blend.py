"""The blend: chains of methods, per-group choice on validation, customer groups."""

from __future__ import annotations

import numpy as np
import pytest

from segmint.exceptions import NotFittedError
from segmint.models import ModelInputError
from segmint.models.recommend import Blend, Interactions, Recommendations, chain, customer_groups
from segmint.models.recommend.blend import take_rows
from segmint.models.recommend.filters import customer_items


def _recs(name: str, items: list[list[int]]) -> Recommendations:
    array = np.array(items, dtype=np.int64)
    return Recommendations.build(
        np.arange(array.shape[0]), array, np.where(array >= 0, 1.0, np.nan), name
    )


def test_chain_fills_from_the_next_method_without_repeating_items() -> None:
    first = _recs("buy_again", [[1, -1, -1], [4, 5, 6]])
    second = _recs("rules", [[1, 2, 3], [7, 8, 9]])
    merged = chain([first, second], 3, ["buy_again", "rules"])
    assert merged.items.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert merged.method.tolist() == [[0, 1, 1], [0, 0, 0]]
    assert merged.methods == ("buy_again", "rules")
    assert merged.rows()["method"].tolist()[:3] == ["buy_again", "rules", "rules"]


def test_blend_picks_per_group_what_won_on_validation() -> None:
    # customers 0-3 are group 0 and buy what "a" recommends; 4-7 are group 1 and buy b's
    a = _recs("a", [[1, 2]] * 8)
    b = _recs("b", [[3, 4]] * 8)
    users = [0, 1, 2, 3, 4, 5, 6, 7]
    truth = customer_items(users, [1, 1, 2, 2, 3, 3, 4, 4], 8, 5)
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    blend = Blend(options=[("a",), ("b",)], k=2, min_group_size=2).fit(
        {"a": a, "b": b}, truth, groups, ["explorers", "repeaters"]
    )
    assert blend.choice_.tolist() == [0, 1]
    picks = blend.describe()
    assert [p["picked"] for p in picks] == ["a", "b"]
    assert picks[0]["customers"] == 4 and picks[0]["map"] == pytest.approx(0.75)
    combined = blend.recommend({"a": a, "b": b}, groups)
    assert combined.items[:, 0].tolist() == [1] * 4 + [3] * 4
    assert combined.methods == ("a", "b")
    assert combined.method[:, 0].tolist() == [0] * 4 + [1] * 4
    # customers of group 0 only need a's recommendations; group 1 needs b's
    assert blend.methods_for(groups[:4]) == ["a"]
    only_a = blend.recommend({"a": take_rows(a, np.arange(4))}, groups[:4])
    assert only_a.items[:, 0].tolist() == [1] * 4
    with pytest.raises(ModelInputError, match="recommendations of \\['b'\\]"):
        blend.recommend({"a": a}, groups)


def test_small_groups_take_the_option_best_over_everyone() -> None:
    a = _recs("a", [[1]] * 3)
    b = _recs("b", [[2]] * 3)
    truth = customer_items([0, 1, 2], [1, 1, 2], 3, 3)
    blend = Blend(options=[("a",), ("b",)], k=1, min_group_size=2).fit(
        {"a": a, "b": b}, truth, np.array([0, 0, 1])
    )
    assert blend.choice_.tolist() == [0, 0]  # group 1 has one customer: overall best "a"
    assert blend.describe()[1]["fallback"]


def test_blend_refuses_unknown_methods_and_unfitted_use() -> None:
    a = _recs("a", [[1]])
    with pytest.raises(ModelInputError, match="without validation recommendations"):
        Blend(options=[("zz",)], k=1).fit({"a": a}, customer_items([0], [1], 1, 2), [0])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Blend().recommend({"a": a}, [0])


def test_customer_groups_bands_orders_and_repeat_share() -> None:
    # customer 0: 1 order; 1: 3 orders, all new items; 2: 12 orders of the same item
    interactions = Interactions.from_arrays(
        [0, 1, 1, 1, 2],
        [0, 0, 1, 2, 0],
        [1, 1, 1, 1, 12],
        user_orders=[1, 3, 12, 0],
        n_items=3,
        n_users=4,
    )
    codes, names = customer_groups(interactions)
    assert [names[c] for c in codes[:3]] == [
        "1 order, explorer",
        "2-3 orders, explorer",
        "10+ orders, repeater",
    ]
    assert codes[3] == -1
