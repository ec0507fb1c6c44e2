"""What may never be recommended: items no longer sold, and items a customer must not see.

Every recommender's ``recommend`` takes a :class:`Filters` and applies it to its candidates
before choosing the top ``k``, so a filtered item never takes a slot:

* ``allowed``: items still on sale (an item nobody bought for a while is dropped, see
  :func:`on_sale`);
* ``excluded``: per customer, items returned or cancelled (:func:`customer_items`) and,
  optionally, items bought in the last N days (:func:`recently_bought`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from segmint.models import ModelInputError
from segmint.models.recommend._data import BoolArray, FloatArray, IntArray, Interactions


@dataclass(frozen=True, eq=False)
class Filters:
    """Items that must not be recommended.

    Attributes:
        allowed: ``(n_items,)`` booleans, True for items that may be recommended at all;
            ``None`` allows every item.
        excluded: ``(n_users, n_items)`` sparse matrix; a stored non-zero entry means the
            item is never recommended to that customer. ``None`` excludes nothing.
    """

    allowed: BoolArray | None = None
    excluded: sp.csr_array | None = None

    def combine(self, other: Filters) -> Filters:
        """Both filters at once: allowed by both, excluded by either."""
        allowed = self.allowed
        if other.allowed is not None:
            allowed = other.allowed if allowed is None else allowed & other.allowed
        excluded = self.excluded
        if other.excluded is not None:
            excluded = other.excluded if excluded is None else _union(excluded, other.excluded)
        return Filters(allowed, excluded)

    def check(self, n_users: int, n_items: int) -> None:
        """Raise unless the shapes fit a model of ``n_users`` customers and ``n_items`` items."""
        if self.allowed is not None and self.allowed.shape != (n_items,):
            raise ModelInputError(
                f"filters.allowed must have one flag per item ({n_items}); "
                f"got shape {self.allowed.shape}."
            )
        if self.excluded is not None and self.excluded.shape != (n_users, n_items):
            raise ModelInputError(
                f"filters.excluded must be a {n_users} x {n_items} matrix (customers x items); "
                f"got {self.excluded.shape}."
            )


def _union(a: sp.csr_array, b: sp.csr_array) -> sp.csr_array:
    union = (abs(a) + abs(b)).tocsr()
    union.data[:] = 1.0
    return union


def customer_items(user: ArrayLike, item: ArrayLike, n_users: int, n_items: int) -> sp.csr_array:
    """The ``(n_users, n_items)`` exclusion matrix of the given (customer, item) pairs.

    For returned or cancelled items: pass the pairs the scoring layer found in returns.
    """
    users = np.asarray(user, dtype=np.int64)
    items = np.asarray(item, dtype=np.int64)
    if users.shape != items.shape or users.ndim != 1:
        raise ModelInputError("user and item must be one-dimensional arrays of the same length.")
    if users.size and (users.min() < 0 or users.max() >= n_users):
        raise ModelInputError(f"user indices must lie in 0..{n_users - 1}.")
    if items.size and (items.min() < 0 or items.max() >= n_items):
        raise ModelInputError(f"item indices must lie in 0..{n_items - 1}.")
    matrix = sp.coo_array(
        (np.ones(users.size, dtype=np.float32), (users, items)), shape=(n_users, n_items)
    ).tocsr()
    matrix.data[:] = 1.0
    return matrix


def recently_bought(interactions: Interactions, days: float) -> sp.csr_array:
    """Items each customer bought in the last ``days`` days (to leave out of reminders)."""
    if not days >= 0:
        raise ModelInputError(f"days must be non-negative; got {days!r}.")
    recent = interactions.days_since_last <= days
    return customer_items(
        interactions.user[recent],
        interactions.item[recent],
        interactions.n_users,
        interactions.n_items,
    )


def on_sale(days_since_sold: ArrayLike, max_days: float) -> BoolArray:
    """Items sold to anyone within the last ``max_days`` days; an item never sold is off sale.

    Args:
        days_since_sold: per item, days from its last sale to the as-of day (NaN or
            infinite when never sold).
        max_days: how long an item may go unsold before it counts as no longer sold.
    """
    days = np.asarray(days_since_sold, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(days <= max_days)


def apply(filters: Filters | None, candidates: sp.csr_array, users: IntArray) -> sp.csr_array:
    """``candidates`` (rows = ``users``) without the filtered entries.

    Candidate values must be positive: entries are removed by zeroing them.
    """
    if filters is None:
        return candidates
    result = candidates
    if filters.allowed is not None:
        result = result.copy()
        result.data[~filters.allowed[result.indices]] = 0.0
        result.eliminate_zeros()
    if filters.excluded is not None:
        result = remove(result, filters.excluded[users])
    return result


def remove(candidates: sp.csr_array, mask: sp.csr_array) -> sp.csr_array:
    """``candidates`` without the entries stored in ``mask`` (same shape; values ignored)."""
    ones = mask.tocsr().astype(np.float32, copy=True)
    ones.data[:] = 1.0
    # x - x * 1 is exactly 0, and sparse subtraction drops zero results
    return sp.csr_array(candidates - candidates.multiply(ones))


def with_floor(values: FloatArray) -> FloatArray:
    """``values`` raised to the smallest positive float where they are not positive.

    Candidate matrices drop zero entries; an item a method wants to keep with score 0
    keeps a tiny positive score instead.
    """
    return np.maximum(values, np.finfo(np.float64).tiny)
