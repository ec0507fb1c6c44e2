"""The reason of every method, written out by hand, and the rows of the recommendations table."""

from __future__ import annotations

import datetime as dt

import numpy as np

from segmint.models.recommend import Recommendations, chain
from segmint.scoring.recommend.reasons import Wording, recommendation_rows

NAMES = np.array(["Espresso beans", "Paper filters", "Oat milk", "Stoneware mug"], dtype=object)
IDS = np.array(["coffee", "filter", "milk", "mug"], dtype=object)
CUSTOMERS = np.array(["c0", "c1"], dtype=object)
DAY = dt.date(2024, 12, 31)


def _one(method: str, items: list[list[int]], **because: np.ndarray) -> Recommendations:
    array = np.array(items, dtype=np.int64)
    scores = np.where(array >= 0, 1.0, np.nan)
    return Recommendations.build(np.arange(len(items)), array, scores, method, **because)


def _reasons(recs: Recommendations, wording: Wording | None = None) -> list[str]:
    wording = wording or Wording(NAMES, ("Champions", "Loyal"))
    return recommendation_rows(recs, CUSTOMERS, IDS, wording, DAY).reason.tolist()


def test_rules_name_one_or_two_bought_items_and_the_lift() -> None:
    because = np.array([[[0, 2], [0, -1]]], dtype=np.int64)
    recs = _one("rules", [[1, 3]], because_items=because, lift=np.array([[4.21, 1.04]]))
    assert _reasons(recs) == [
        "because you bought Espresso beans and Oat milk (lift 4.2)",
        "because you bought Espresso beans (lift 1.0)",
    ]


def test_neighbours_and_factors_name_the_closest_bought_item() -> None:
    because = np.array([[[0, -1], [-1, -1]]], dtype=np.int64)
    assert _reasons(_one("item_knn", [[1, -1]], because_items=because)) == [
        "customers who bought Espresso beans also bought this"
    ]
    assert _reasons(_one("als", [[1, 2]], because_items=because)) == [
        "goes with Espresso beans, which you bought",
        "liked by customers who buy what you buy",
    ]


def test_buy_again_gives_the_customers_own_cycle() -> None:
    recs = _one(
        "buy_again",
        [[2, 3]],
        cycle_days=np.array([[29.6, np.nan]]),
        days_since_last=np.array([[34.0, 0.0]]),
    )
    assert _reasons(recs) == [
        "you buy this every ~30 days, last 34 days ago",
        "you bought this today",
    ]


def test_buy_again_claims_no_cycle_for_orders_less_than_a_day_apart() -> None:
    """Two invoices two hours apart (Online Retail's customer 13085 bought a mug so) are no
    daily habit: 'more than once', not 'every ~1 days'; a cycle of about a day is 1 day."""
    recs = _one(
        "buy_again",
        [[0, 1, 2]],
        cycle_days=np.array([[2 / 24, 0.6, 1.2]]),
        days_since_last=np.array([[305.0, 3.0, 1.0]]),
    )
    assert _reasons(recs) == [
        "you bought this more than once, last 305 days ago",
        "you bought this more than once, last 3 days ago",
        "you buy this every ~1 day, last 1 day ago",
    ]


def test_popularity_overall_and_within_the_customers_segment() -> None:
    overall = _one("popularity", [[0]])
    assert _reasons(overall) == ["a best seller of the last 30 days"]
    group = np.array([[1], [-1]], dtype=np.int64)
    within = _one("segment_popularity", [[0], [1]], group=group)
    assert _reasons(within) == [
        "popular with Loyal customers",
        "a best seller of the last 90 days",  # outside every segment: everyone's list
    ]
    groups = Wording(NAMES, ("2-3 orders, explorer", "x"), segments_are_groups=True)
    assert _reasons(within, groups)[0] == "popular with customers like you (x)"


def test_rows_carry_ids_ranks_and_the_method_of_each_slot() -> None:
    first = _one("buy_again", [[2, -1], [3, 2]], days_since_last=np.array([[5.0, 0], [1, 2]]))
    second = _one("popularity", [[0, 1], [0, 1]])
    merged = chain([first, second], 2, ["buy_again", "popularity"])
    rows = recommendation_rows(merged, CUSTOMERS, IDS, Wording(NAMES, ()), DAY)
    assert list(rows.columns) == [
        "customer_id",
        "rank",
        "product_id",
        "score",
        "method",
        "reason",
        "as_of",
    ]
    assert rows[["customer_id", "rank", "product_id", "method"]].values.tolist() == [
        ["c0", 1, "milk", "buy_again"],
        ["c0", 2, "coffee", "popularity"],
        ["c1", 1, "mug", "buy_again"],
        ["c1", 2, "milk", "buy_again"],
    ]
    assert rows.reason.tolist()[:2] == [
        "you bought this 5 days ago",
        "a best seller of the last 30 days",
    ]
    assert set(rows.as_of) == {DAY}
