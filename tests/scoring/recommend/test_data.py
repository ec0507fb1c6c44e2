"""Training data as of a date: what counts as a basket, returns, exclusions, codes, truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.scoring.recommend import DataSettings, RuleSettings, training_data, truth

from .conftest import add_baskets

AS_OF = dt.date(2024, 3, 31)

BASKETS = [
    # c1: p1 on two lines of one order (one item, 3 units), then p1 and p2 again
    ("o1", "c1", "2024-01-01 10:00", "completed", [("p1", 2), ("POST", 1), ("p1", 1)]),
    ("o2", "c1", "2024-03-01 10:00", None, [("p1", 1), ("p2", 1), (None, 1)]),
    # an order sent back in full, a cancelled one, and a return of p2 as its own order
    ("o3", "c1", "2024-03-10 10:00", "returned", [("p3", 1), ("p3", -1)]),
    ("o4", "c1", "2024-03-11 10:00", "cancelled", [("p4", 1)]),
    ("o5", "c1", "2024-03-12 10:00", "returned", [("p2", -1)]),
    # c2 buys p2 on the as-of day itself, and p5 the day after (not known yet)
    ("o6", "c2", "2024-03-31 23:59", "completed", [("p2", 4)]),
    ("o7", "c2", "2024-04-01 00:00", "completed", [("p5", 1), ("p2", 1)]),
    ("o8", "c3", "2024-04-15 09:00", "completed", [("p1", 1), ("p9", 1)]),
    # c0 (first in sorted order) has a kept order, but of postage only, and a return:
    # no basket item, so no customer of the training data
    ("o9", "c0", "2024-02-01 10:00", "completed", [("POST", 1)]),
    ("o10", "c0", "2024-02-02 10:00", "returned", [("p1", -1)]),
]

SETTINGS = DataSettings(
    exclude_products=("POST",), on_sale_days=60, rules=RuleSettings(min_count=1, min_customers=1)
)


def test_baskets_codes_and_interactions_as_of_the_date(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    data = training_data(mart, AS_OF, SETTINGS)
    assert data.customer_ids.tolist() == ["c1", "c2"]  # c3 buys only later, c0 only postage
    assert data.product_ids.tolist() == ["p1", "p2"]  # POST excluded; p3, p4 never kept
    x = data.interactions
    rows = list(
        zip(
            x.user.tolist(),
            x.item.tolist(),
            x.n_orders.tolist(),
            x.quantity.tolist(),
            x.days_since_first.tolist(),
            x.days_since_last.tolist(),
            strict=True,
        )
    )
    assert rows == [
        (0, 0, 2.0, 4.0, 90.0, 30.0),  # p1: o1 (3 units on two lines) and o2
        (0, 1, 1.0, 1.0, 30.0, 30.0),
        (1, 1, 1.0, 4.0, 0.0, 0.0),  # bought on the as-of day: 0 days ago
    ]
    assert x.user_orders.tolist() == [2.0, 1.0]
    assert (data.n_baskets, data.n_baskets_skipped) == (3, 0)
    assert data.days_since_sold.tolist() == [30.0, 0.0]


def test_returned_and_cancelled_items_are_excluded_for_that_customer(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    data = training_data(mart, AS_OF, SETTINGS)
    excluded = data.filters.excluded
    assert excluded is not None
    # c1 sent p2 back (o5); p3 and p4 are not items of the training data at all
    assert excluded.toarray().tolist() == [[0, 1], [0, 0]]
    assert data.filters.allowed is not None and data.filters.allowed.tolist() == [True, True]
    stale = training_data(mart, AS_OF, DataSettings(on_sale_days=10, exclude_products=("POST",)))
    assert stale.filters.allowed is not None and stale.filters.allowed.tolist() == [False, True]
    recent = training_data(
        mart, AS_OF, DataSettings(exclude_products=("POST",), exclude_recent_days=0)
    )
    assert recent.filters.excluded is not None
    assert recent.filters.excluded.toarray().tolist() == [[0, 1], [0, 1]]


def test_rules_come_back_in_the_same_item_codes(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    data = training_data(mart, AS_OF, SETTINGS)
    # one basket (o2) holds p1 and p2: p1 -> p2 and p2 -> p1 over 3 baskets
    rules = data.rules
    pairs = sorted(zip(rules.antecedent[:, 0].tolist(), rules.consequent.tolist(), strict=True))
    assert pairs == [(0, 1), (1, 0)]
    assert rules.support.tolist() == pytest.approx([1 / 3, 1 / 3])


def test_truth_is_what_known_customers_bought_later_in_known_items(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    data = training_data(mart, AS_OF, SETTINGS)
    after = truth(mart, data, AS_OF, dt.date(2024, 4, 30), SETTINGS)
    # c2 bought p5 (unknown item) and p2; c3 is not a known customer
    assert after.toarray().tolist() == [[0, 0], [0, 1]]
    first_day = truth(mart, data, AS_OF, dt.date(2024, 4, 1), SETTINGS)
    assert first_day.nnz == 1
    with pytest.raises(InputError, match="must end after it starts"):
        truth(mart, data, AS_OF, AS_OF, SETTINGS)


def test_no_baskets_by_the_date_is_a_clear_error(mart: Mart) -> None:
    add_baskets(mart, BASKETS)
    with pytest.raises(InputError, match="no purchases with products are known by 2023-12-31"):
        training_data(mart, dt.date(2023, 12, 31))


def test_settings_refuse_unusable_windows() -> None:
    with pytest.raises(InputError, match="on_sale_days must be a positive number"):
        DataSettings(on_sale_days=0)
    with pytest.raises(InputError, match="exclude_recent_days must be a non-negative"):
        DataSettings(exclude_recent_days=-1)
    assert np.isfinite(DataSettings().on_sale_days)


def test_repeated_reads_leave_the_connection_as_it_was(
    mart: Mart, engine_objects: Callable[[Mart], tuple[int, int]]
) -> None:
    """The rules' three readings and the truth's index maps (a row per customer and per
    product) are not kept registered with a long-lived connection."""
    add_baskets(mart, BASKETS)
    before = engine_objects(mart)
    for _ in range(3):
        data = training_data(mart, AS_OF, SETTINGS)
        after = truth(mart, data, AS_OF, dt.date(2024, 4, 30), SETTINGS)
    assert engine_objects(mart) == before
    assert after.toarray().tolist() == [[0, 0], [0, 1]]
