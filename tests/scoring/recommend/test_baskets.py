"""Baskets and returned items: a partly returned order is a basket of what was kept."""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from segmint.mart import Mart
from segmint.mart.spark import connect_spark, copy_mart
from segmint.scoring.recommend import DataSettings, RuleSettings, training_data
from segmint.scoring.recommend.baskets import basket_lines, coded_baskets, returned_items

from .conftest import add_baskets

DAY = dt.date(2024, 3, 31)

BASKETS = [
    # ingest books a return on the sale it reverses and marks that sale `returned`:
    # pC came back in full, two of pE's five units came back
    (
        "o1",
        "c1",
        "2024-03-01 10:00",
        "returned",
        [("pA", 2), ("pB", 1), ("pC", 1), ("pE", 5), ("pC", -1), ("pE", -2)],
    ),
    # sent back in full: the lines net to nothing (a `returned` status notwithstanding)
    ("o2", "c2", "2024-03-02 10:00", "returned", [("pD", 1), ("pF", 2), ("pD", -1), ("pF", -2)]),
    # cancelled as a whole
    ("o3", "c3", "2024-03-03 10:00", "cancelled", [("pG", 1), ("pH", 1)]),
    # a `returned` status with no return line: nothing says what came back
    ("o4", "c4", "2024-03-04 10:00", "returned", [("pA", 1), ("pC", 1)]),
]
"""(order_id, customer_id, time, status, [(product_id, quantity), ...])."""


KEPT = {
    ("o1", "c1", "pA", 2.0),
    ("o1", "c1", "pB", 1.0),
    ("o1", "c1", "pE", 3.0),  # five sold, two returned
    ("o4", "c4", "pA", 1.0),
    ("o4", "c4", "pC", 1.0),
}
"""The items of the baskets: (order, customer, product, units kept)."""

RETURNED = {
    ("c1", "pC"),  # not pE: three of its units were kept
    ("c2", "pD"),
    ("c2", "pF"),
    ("c3", "pG"),
    ("c3", "pH"),
}
"""What each customer sent back in full or had cancelled."""


def _baskets(mart: Mart) -> set[tuple[str, str, str, float]]:
    rows = basket_lines(mart, DAY).to_pandas()
    return {(r.order_id, r.customer_id, r.product_id, r.quantity) for r in rows.itertuples()}


def _returned(mart: Mart) -> set[tuple[str, str]]:
    rows = returned_items(mart, DAY).to_pandas()
    return set(zip(rows.customer_id, rows.product_id, strict=True))


def _coded(mart: Mart) -> tuple[set[tuple[str, str, float]], dict[str, int]]:
    """The coded baskets' (customer, product, units) and each customer's baskets."""
    with ExitStack() as held:
        coded = coded_baskets(mart, DAY, held)
        lines = coded.lines.join(coded.customers, "user").join(coded.products, "item")
        rows = lines.to_pandas()
    items = set(zip(rows.customer_id, rows.product_id, rows.quantity, strict=True))
    return items, rows.groupby("customer_id").basket.nunique().to_dict()


def test_a_partly_returned_order_is_a_basket_of_what_was_kept(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    assert _baskets(mart) == KEPT


def test_only_what_came_back_in_full_or_was_cancelled_is_returned(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    assert _returned(mart) == RETURNED


def test_the_coded_baskets_hold_the_same_items(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    assert _coded(mart) == ({(c, p, q) for _, c, p, q in KEPT}, {"c1": 1, "c4": 1})


def test_kept_products_co_occur_and_the_returned_one_is_never_recommended(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    data = training_data(mart, DAY, DataSettings(rules=RuleSettings(min_count=1, min_customers=1)))
    # the two baskets: o1 (pA, pB, pE) and o4 (pA, pC); o2 and o3 contribute nothing
    assert data.customer_ids.tolist() == ["c1", "c4"]
    assert data.product_ids.tolist() == ["pA", "pB", "pC", "pE"]
    assert data.n_baskets == 2
    products = data.product_ids.tolist()
    rules = data.rules
    one_item = rules.antecedent[:, 1] < 0
    pairs = {
        (products[a], products[c])
        for a, c in zip(rules.antecedent[one_item, 0], rules.consequent[one_item], strict=True)
    }
    together = [("pA", "pB", "pE"), ("pA", "pC")]
    assert pairs == {(x, y) for basket in together for x in basket for y in basket if x != y}
    excluded = data.filters.excluded
    assert excluded is not None
    assert excluded.toarray().tolist() == [[0, 0, 1, 0], [0, 0, 0, 0]]  # c1 sent pC back


@pytest.mark.slow
@pytest.mark.spark
def test_baskets_and_returns_are_the_same_on_spark(
    mart: Mart, spark_session: Any, tmp_path: Path
) -> None:
    add_baskets(mart, BASKETS)
    spark = connect_spark(tmp_path / "warehouse", spark_session)
    try:
        copy_mart(mart, spark)
        assert _baskets(spark) == _baskets(mart) == KEPT
        assert _returned(spark) == _returned(mart) == RETURNED
        assert _coded(spark) == _coded(mart)
    finally:
        spark.close()
