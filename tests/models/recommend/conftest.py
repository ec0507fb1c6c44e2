"""A four-customer, five-item purchase history whose recommendations are worked out by hand.

=========  ====  ========  ==========  =========
customer   item  n_orders  first (d)   last (d)
=========  ====  ========  ==========  =========
0          0     3         100         10
0          1     1         50          50
1          0     1         5           5
1          2     2         60          20
2          1     1         200         200
2          2     1         3           3
2          3     1         3           3
3          4     1         40          40
=========  ====  ========  ==========  =========

Days are counted back from the as-of day.
"""

from __future__ import annotations

import numpy as np
import pytest

from segmint.models.recommend import Interactions

ROWS = [
    (0, 0, 3, 100, 10),
    (0, 1, 1, 50, 50),
    (1, 0, 1, 5, 5),
    (1, 2, 2, 60, 20),
    (2, 1, 1, 200, 200),
    (2, 2, 1, 3, 3),
    (2, 3, 1, 3, 3),
    (3, 4, 1, 40, 40),
]


def make_interactions(rows: list[tuple[int, int, int, int, int]] = ROWS) -> Interactions:
    """Interactions from (customer, item, orders, days since first, days since last) rows."""
    data = np.array(rows, dtype=np.float64)
    return Interactions.from_arrays(
        data[:, 0].astype(np.int64),
        data[:, 1].astype(np.int64),
        data[:, 2],
        data[:, 2] * 2,
        data[:, 3],
        data[:, 4],
        user_orders=np.array([3.0, 2.0, 1.0, 1.0]),
        n_users=4,
        n_items=5,
    )


@pytest.fixture
def small() -> Interactions:
    """The hand-worked history of the module docstring."""
    return make_interactions()


def random_interactions(
    n_users: int = 300, n_items: int = 60, n_rows: int = 2500, seed: int = 0
) -> Interactions:
    """A random history with popular items, repeats and ages, for contract tests."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, n_users, n_rows)
    items = rng.zipf(1.6, n_rows) % n_items
    keys = np.unique(users * n_items + items)
    n = rng.integers(1, 6, keys.size).astype(np.float64)
    first = rng.uniform(0, 365, keys.size).round()
    last = (first * rng.uniform(0, 1, keys.size)).round()
    return Interactions.from_arrays(
        keys // n_items, keys % n_items, n, n * 3, first, last, n_users=n_users, n_items=n_items
    )
