"""Each recommender on the hand-worked history of conftest.py: scores, order and "because"."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from segmint.models import ModelInputError
from segmint.models.recommend import (
    BuyAgain,
    Filters,
    Interactions,
    ItemKNN,
    Popularity,
    RuleRecommender,
    RuleTable,
    SegmentPopularity,
)
from segmint.models.recommend.filters import customer_items, on_sale, recently_bought

USERS = np.arange(4)


def test_interactions_are_held_in_customer_then_item_order() -> None:
    shuffled = Interactions.from_arrays([2, 0, 2, 0], [3, 1, 0, 0], [1, 2, 3, 4], n_items=4)
    assert shuffled.user.tolist() == [0, 0, 2, 2]
    assert shuffled.item.tolist() == [0, 1, 0, 3]
    assert shuffled.n_orders.tolist() == [4, 2, 3, 1]
    assert shuffled.indptr.tolist() == [0, 2, 2, 4]
    assert shuffled.user_orders.tolist() == [4, 0, 3]  # largest n_orders when not given
    # the same rows given in order (the fast path) are the same interactions
    ordered = Interactions.from_arrays([0, 0, 2, 2], [0, 1, 0, 3], [4, 2, 3, 1], n_items=4)
    for name in ("user", "item", "n_orders", "indptr", "user_orders", "days_since_last"):
        assert getattr(ordered, name).tolist() == getattr(shuffled, name).tolist()
    # ordered but for one pair, or repeating a pair next to itself: sorted and refused
    nearly = Interactions.from_arrays([0, 2, 0], [0, 0, 1], n_items=2)
    assert (nearly.user.tolist(), nearly.item.tolist()) == ([0, 0, 2], [0, 1, 0])
    with pytest.raises(ModelInputError, match="1 row\\(s\\) repeat a pair"):
        Interactions.from_arrays([0, 1, 1], [0, 2, 2])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user": [0, 0], "item": [1, 1]}, "each \\(user, item\\) pair must appear once"),
        ({"user": [0, -1], "item": [1, 2]}, "user must be non-negative"),
        ({"user": [0.5], "item": [1]}, "user must hold integer indices"),
        ({"user": [0], "item": [1], "n_orders": [0]}, "n_orders must be at least 1"),
        ({"user": [0], "item": [1], "quantity": [np.nan]}, "quantity must be finite"),
        (
            {"user": [0], "item": [1], "days_since_first": [3], "days_since_last": [5]},
            "days_since_last must not exceed days_since_first",
        ),
    ],
)
def test_interactions_refuse_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ModelInputError, match=message):
        Interactions.from_arrays(**kwargs)  # type: ignore[arg-type]


def test_popularity_counts_recent_buyers_and_breaks_ties_by_all_time_then_index(
    small: Interactions,
) -> None:
    # recent (<= 30 days) buyers: item0 2, item2 2, item3 1; all-time / 5 breaks ties
    model = Popularity(window_days=30).fit(small)
    np.testing.assert_allclose(model.item_scores_, [2.4, 0.4, 2.4, 1.2, 0.2])
    recs = model.recommend(USERS, 3)
    assert recs.items.tolist() == [[0, 2, 3]] * 4
    assert recs.methods == ("popularity",)
    mine = Popularity(window_days=30, exclude_bought=True).fit(small).recommend([0, 2], 3)
    assert mine.items.tolist() == [[2, 3, 4], [0, 4, -1]]


def test_segment_popularity_uses_the_customers_segment_and_everyone_for_none(
    small: Interactions,
) -> None:
    # segment 0 = customers 0 and 2; segment 1 = customer 1; customer 3 has none
    model = SegmentPopularity(window_days=None).fit(small, np.array([0, 1, 0, -1]))
    recs = model.recommend(USERS, 2)
    assert recs.items[0].tolist() == [1, 0]  # item1 bought by both members of segment 0
    assert recs.items[1].tolist() == [0, 2]
    assert recs.group[:, 0].tolist() == [0, 1, 0, -1]
    assert recs.items[3].tolist() == [0, 1]  # everyone's list: 0, 1, 2 tie at 2 buyers
    with pytest.raises(ModelInputError, match="one integer segment code per customer"):
        SegmentPopularity().fit(small, np.array([0, 1]))


def test_buy_again_scores_decayed_frequency_and_explains_the_cycle(small: Interactions) -> None:
    recs = BuyAgain(half_life_days=10).fit(small).recommend([0, 1], 3)
    assert recs.items.tolist() == [[0, 1, -1], [0, 2, -1]]
    np.testing.assert_allclose(recs.scores[0, :2], [3 * 0.5, 0.5**5])
    np.testing.assert_allclose(recs.scores[1, :2], [0.5**0.5, 2 * 0.25])
    # item 0 of customer 0: three orders between 100 and 10 days ago, every 45 days
    assert recs.cycle_days[0, 0] == 45.0 and np.isnan(recs.cycle_days[0, 1])
    assert recs.cycle_days[1, 1] == 40.0
    assert recs.days_since_last[0, :2].tolist() == [10.0, 50.0]
    assert np.isnan(recs.cycle_days[:, 2]).all()


def test_item_knn_cosine_sums_similarities_and_names_the_closest_bought_item(
    small: Interactions,
) -> None:
    model = ItemKNN(similarity="cosine", min_common=1).fit(small)
    s = model.similarity_.toarray()
    assert s[0, 1] == pytest.approx(0.5) and s[1, 3] == pytest.approx(2**-0.5)
    assert s[0, 4] == 0 and np.all(np.diag(s) == 0)
    recs = model.recommend([0, 3], 3)
    # customer 0 bought 0 and 1: item 2 scores .5 + .5, item 3 scores .707
    assert recs.items[0].tolist() == [2, 3, -1]
    np.testing.assert_allclose(recs.scores[0, :2], [1.0, 2**-0.5])
    assert recs.because_items[0, :2, 0].tolist() == [0, 1]  # a tie goes to the first item
    assert recs.items[1].tolist() == [-1, -1, -1]  # item 4 has no neighbour


def test_item_knn_lift_and_minimum_common_buyers(small: Interactions) -> None:
    lift = ItemKNN(similarity="lift", min_common=1).fit(small).similarity_.toarray()
    assert lift[1, 3] == pytest.approx(1 * 4 / (2 * 1))
    assert ItemKNN(min_common=2).fit(small).similarity_.nnz == 0
    one = ItemKNN(min_common=1, n_neighbors=1).fit(small).similarity_
    assert np.diff(one.indptr).max() == 1


def _rules() -> RuleTable:
    return RuleTable.from_arrays(
        antecedent_1=[0, 1, 0, 2],
        antecedent_2=[-1, -1, 1, -1],
        consequent=[2, 3, 3, 0],
        n_baskets=[5, 5, 4, 5],
        support=[0.1, 0.1, 0.08, 0.1],
        confidence=[0.5, 0.5, 1.0, 0.5],
        lift=[1.0, 2.0, 4.0, 1.0],
        n_customers=[5, 4, 3, 5],
    )


def test_rules_recommend_the_best_matching_rule_per_item(small: Interactions) -> None:
    recs = RuleRecommender().fit(small, _rules()).recommend(USERS, 3)
    # customer 0 (items 0, 1): "0 and 1 -> 3" (confidence 1) beats "1 -> 3"; then "0 -> 2"
    assert recs.items[0].tolist() == [3, 2, -1]
    assert recs.because_items[0, 0].tolist() == [0, 1]
    assert recs.because_items[0, 1].tolist() == [0, -1]
    assert recs.lift[0, :2].tolist() == [4.0, 1.0]
    assert recs.confidence[0, :2].tolist() == [1.0, 0.5]
    # customer 1 (0, 2): both consequents already bought; the pair rule needs item 1
    assert recs.items[1].tolist() == [-1, -1, -1]
    # customer 2 (1, 2, 3): "2 -> 0"; "1 -> 3" is already bought
    assert recs.items[2].tolist() == [0, -1, -1]
    assert recs.because_items[2, 0].tolist() == [2, -1]


def test_rules_minimum_lift_and_bad_tables(small: Interactions) -> None:
    recs = RuleRecommender(min_lift=1.5).fit(small, _rules()).recommend([0], 3)
    assert recs.items[0].tolist() == [3, -1, -1]
    with pytest.raises(ModelInputError, match="distinct"):
        RuleTable.from_arrays([1], None, [1], [1], [0.1], [0.5], [1.0], n_customers=[1])
    with pytest.raises(ModelInputError, match="confidence must lie in"):
        RuleTable.from_arrays([1], None, [2], [1], [0.1], [1.5], [1.0], n_customers=[1])
    beyond = RuleTable.from_arrays([1], None, [9], [1], [0.1], [0.5], [1.0], n_customers=[1])
    with pytest.raises(ModelInputError, match="n_customers must have one value per rule"):
        RuleTable.from_arrays([1], None, [2], [1], [0.1], [0.5], [1.0], n_customers=[1, 1])
    with pytest.raises(ModelInputError, match="beyond the 5 items"):
        RuleRecommender().fit(small, beyond)


def test_filters_drop_items_no_longer_sold_and_excluded_per_customer(small: Interactions) -> None:
    model = Popularity(window_days=30).fit(small)
    allowed = on_sale(np.array([1, 5, 400, 2, np.nan]), 90)
    assert allowed.tolist() == [True, True, False, True, False]
    excluded = customer_items([0], [3], 4, 5)
    recs = model.recommend([0, 1], 3, filters=Filters(allowed, excluded))
    assert recs.items.tolist() == [[0, 1, -1], [0, 3, 1]]
    recent = recently_bought(small, 15)  # customer 0's item 0, customer 1's item 0...
    assert sp.csr_array(recent).toarray()[:2].tolist() == [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0]]
    again = BuyAgain().fit(small).recommend([0], 2, filters=Filters(excluded=recent))
    assert again.items.tolist() == [[1, -1]]


def test_filters_combine_and_check_their_shapes() -> None:
    a = Filters(np.array([True, False, True]), customer_items([0], [0], 2, 3))
    b = Filters(np.array([True, True, False]), customer_items([1], [1], 2, 3))
    both = a.combine(b)
    assert both.allowed is not None and both.allowed.tolist() == [True, False, False]
    assert both.excluded is not None and both.excluded.toarray().tolist() == [[1, 0, 0], [0, 1, 0]]
    with pytest.raises(ModelInputError, match="one flag per item"):
        Filters(np.array([True])).check(2, 3)
