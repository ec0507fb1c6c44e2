"""The two shapes every recommender shares: what customers bought, and what is recommended.

:class:`Interactions` is the input: one row per (customer, item) with how often, how much
and how recently the customer bought it, in index space (customers ``0..n_users-1``, items
``0..n_items-1``; the scoring layer keeps the ids). Rows are held in CSR order (customer,
then item), so the customer × item matrix of any column is a view, not a sort.

:class:`Recommendations` is the output: ``k`` items per customer with their scores and the
structured "because" data (the items a recommendation rests on, a rule's lift, a purchase
cycle, a customer group), never prose: text is written later, by the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from segmint.models import ModelInputError

IntArray = NDArray[np.int64]
IndexArray = NDArray[np.int32]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _index_array(name: str, values: ArrayLike, size: int | None) -> tuple[IndexArray, int]:
    """``values`` as int32 indices ``0..size-1`` (``size`` inferred when ``None``)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ModelInputError(f"{name} must be one-dimensional; got shape {array.shape}.")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ModelInputError(
            f"{name} must hold integer indices; got dtype {array.dtype}. "
            "Map ids to 0..n-1 first (the scoring layer does)."
        )
    low = int(array.min()) if array.size else 0
    high = int(array.max()) + 1 if array.size else 0
    if low < 0:
        raise ModelInputError(f"{name} must be non-negative indices; found {low}.")
    if size is None:
        size = high
    elif high > size:
        raise ModelInputError(f"{name} holds index {high - 1}, beyond n = {size}.")
    if size >= 2**31:
        raise ModelInputError(f"{name}: at most 2**31 - 1 distinct values; got {size}.")
    return array.astype(np.int32, copy=False), size


def _column(name: str, values: ArrayLike | None, n: int, default: float) -> FloatArray:
    """A finite, non-negative float column of length ``n`` (``default`` when absent)."""
    if values is None:
        return np.full(n, default)
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n,):
        raise ModelInputError(f"{name} must have one value per row ({n}); got shape {array.shape}.")
    if n and not (np.isfinite(array).all() and array.min() >= 0):
        bad = int(np.count_nonzero(~(np.isfinite(array) & (array >= 0))))
        raise ModelInputError(
            f"{name} must be finite and non-negative; {bad} value(s) are negative, NaN or "
            "infinite. Fill or drop those rows."
        )
    return array


@dataclass(frozen=True, eq=False)
class Interactions:
    """What each customer bought as of the fit date: one row per (customer, item).

    Build it with :meth:`from_arrays`, which validates and puts the rows in CSR order.

    Attributes:
        indptr: rows of customer ``u`` are ``indptr[u]:indptr[u + 1]``.
        user: customer index of each row.
        item: item index of each row (ascending within a customer).
        n_orders: orders (baskets) of the customer that held the item, at least 1.
        quantity: units of the item the customer bought over those orders.
        days_since_first: days from the customer's first purchase of the item to the as-of day.
        days_since_last: days from the customer's last purchase of the item to the as-of day.
        user_orders: orders per customer (length ``n_users``), for the customer groups.
        n_users: number of customers (rows of the matrix).
        n_items: number of items (columns).
    """

    indptr: NDArray[np.int64]
    user: IndexArray
    item: IndexArray
    n_orders: FloatArray
    quantity: FloatArray
    days_since_first: FloatArray
    days_since_last: FloatArray
    user_orders: FloatArray
    n_users: int
    n_items: int

    @classmethod
    def from_arrays(
        cls,
        user: ArrayLike,
        item: ArrayLike,
        n_orders: ArrayLike | None = None,
        quantity: ArrayLike | None = None,
        days_since_first: ArrayLike | None = None,
        days_since_last: ArrayLike | None = None,
        *,
        user_orders: ArrayLike | None = None,
        n_users: int | None = None,
        n_items: int | None = None,
    ) -> Interactions:
        """Validate the per-(customer, item) columns and order them customer by customer.

        Absent columns default to one order, one unit, bought on the as-of day. Rows given
        in CSR order already are kept without a copy, so the columns may share memory with
        the arrays passed in (as scipy's sparse constructors do): do not change those after.
        ``user_orders`` defaults to each customer's largest ``n_orders`` (a lower bound).

        Raises:
            ModelInputError: mismatched lengths, negative or non-integer indices, negative
                or non-finite values, or a (customer, item) pair given twice.
        """
        users, n_users = _index_array("user", user, n_users)
        items, n_items = _index_array("item", item, n_items)
        n = users.size
        if items.size != n:
            raise ModelInputError(
                f"user and item must have the same length; got {n} and {items.size}."
            )
        orders, columns = _row_columns(n, n_orders, quantity, days_since_first, days_since_last)
        indptr, order = _csr_order(users, items, n_users, n_items)
        if order is None:  # already in CSR order (the scoring layer asks the engine for it)
            user, item, n_rows, rest = users, items, orders, columns
        else:
            user, item, n_rows = users[order], items[order], orders[order]
            rest = {name: values[order] for name, values in columns.items()}
        return cls(
            indptr=indptr,
            user=user,
            item=item,
            n_orders=n_rows,
            quantity=rest["quantity"],
            days_since_first=rest["days_since_first"],
            days_since_last=rest["days_since_last"],
            user_orders=_orders_per_user(user_orders, n_users, indptr, n_rows),
            n_users=n_users,
            n_items=n_items,
        )

    @property
    def n_rows(self) -> int:
        """Number of (customer, item) rows."""
        return int(self.user.size)

    def matrix(self, values: ArrayLike | None = None) -> sp.csr_array:
        """The customer × item CSR matrix of ``values`` (default: ``n_orders``), in row order."""
        data = self.n_orders if values is None else np.asarray(values)
        if data.shape != (self.n_rows,):
            raise ModelInputError(f"values must have one entry per row ({self.n_rows}).")
        return sp.csr_array((data, self.item, self.indptr), shape=(self.n_users, self.n_items))

    @cached_property
    def bought(self) -> sp.csr_array:
        """The customer × item matrix with 1.0 wherever the customer bought the item."""
        return self.matrix(np.ones(self.n_rows, dtype=np.float32))

    def subset(self, keep: BoolArray) -> Interactions:
        """Only the rows where ``keep`` is true (same customers, items and ``user_orders``)."""
        return Interactions.from_arrays(
            self.user[keep],
            self.item[keep],
            self.n_orders[keep],
            self.quantity[keep],
            self.days_since_first[keep],
            self.days_since_last[keep],
            user_orders=self.user_orders,
            n_users=self.n_users,
            n_items=self.n_items,
        )


def _row_columns(
    n: int,
    n_orders: ArrayLike | None,
    quantity: ArrayLike | None,
    days_since_first: ArrayLike | None,
    days_since_last: ArrayLike | None,
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """The per-row columns of :meth:`Interactions.from_arrays`, validated and defaulted."""
    orders = _column("n_orders", n_orders, n, 1.0)
    if n and orders.min() < 1:
        raise ModelInputError("n_orders must be at least 1 on every row (a row is a purchase).")
    columns = {
        "quantity": _column("quantity", quantity, n, 1.0),
        "days_since_first": _column("days_since_first", days_since_first, n, 0.0),
        "days_since_last": _column("days_since_last", days_since_last, n, 0.0),
    }
    if n and np.any(columns["days_since_last"] > columns["days_since_first"]):
        raise ModelInputError(
            "days_since_last must not exceed days_since_first (the last purchase of an item "
            "cannot come before its first)."
        )
    return orders, columns


def _csr_order(
    users: IndexArray, items: IndexArray, n_users: int, n_items: int
) -> tuple[NDArray[np.int64], IntArray | None]:
    """The CSR row pointer of the rows, and the order that sorts them by customer, then item
    (``None`` when they are in that order already).

    Rows already in order are recognised in one pass; otherwise a counting sort by
    customer (the CSR matrix of row numbers) orders them.

    Raises:
        ModelInputError: a (customer, item) pair appears more than once.
    """
    n = users.size
    key = users.astype(np.int64) * n_items + items
    if n == 0 or bool(np.all(key[1:] > key[:-1])):
        indptr = np.zeros(n_users + 1, dtype=np.int64)
        np.cumsum(np.bincount(users, minlength=n_users), out=indptr[1:])
        return indptr, None
    del key
    positions = sp.coo_array(
        (np.arange(1, n + 1, dtype=np.float64), (users, items)), shape=(n_users, n_items)
    ).tocsr()
    if positions.nnz != n:
        raise ModelInputError(
            f"each (user, item) pair must appear once; {n - positions.nnz} row(s) repeat a "
            "pair. Aggregate per customer and item first."
        )
    positions.sort_indices()
    return positions.indptr.astype(np.int64), positions.data.astype(np.int64) - 1


def _orders_per_user(
    given: ArrayLike | None, n_users: int, indptr: NDArray[np.int64], orders: FloatArray
) -> FloatArray:
    """``user_orders`` validated, or each customer's largest ``n_orders``."""
    if given is not None:
        return _column("user_orders", given, n_users, 0.0)
    per_user = np.zeros(n_users)
    filled = np.diff(indptr) > 0
    if orders.size:
        per_user[filled] = np.maximum.reduceat(orders, indptr[:-1][filled])
    return per_user


def check_users(users: ArrayLike, n_users: int) -> IntArray:
    """``users`` as int64 indices into the ``n_users`` customers a model was fitted on."""
    array = np.asarray(users)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise ModelInputError(
            f"users must be a one-dimensional array of customer indices; got {array.dtype} "
            f"with shape {array.shape}."
        )
    if array.size and (array.min() < 0 or array.max() >= n_users):
        raise ModelInputError(
            f"users must be indices 0..{n_users - 1} of the customers the model was fitted on; "
            f"got values in [{array.min()}, {array.max()}]."
        )
    return array.astype(np.int64, copy=False)


def check_k(k: int) -> int:
    """``k`` as a positive int."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ModelInputError(f"k must be a positive integer (items per customer); got {k!r}.")
    return int(k)


@dataclass(frozen=True, eq=False)
class Recommendations:
    """``k`` recommended items per customer, best first, with why each was recommended.

    Every per-item array has shape ``(n_customers, k)``; slots a method could not fill
    hold ``-1`` (indices) or NaN (numbers).

    Attributes:
        users: customer index of each row.
        items: recommended item indices.
        scores: the method's score of each item (comparable within one method only).
        because_items: ``(n_customers, k, 2)``: the customer's items the recommendation
            rests on (a rule's antecedents, the nearest bought item), ``-1`` when none.
        lift: lift of the rule that fired, for rule-based recommendations.
        confidence: confidence of that rule.
        cycle_days: the customer's own purchase cycle for the item, in days (buy-again).
        days_since_last: days since the customer last bought the item (buy-again).
        group: the customer group or segment whose popularity it is (segment popularity).
        method: index into ``methods`` of the method that produced the item.
        methods: method names.
    """

    users: IntArray
    items: IntArray
    scores: FloatArray
    because_items: IntArray
    lift: FloatArray
    confidence: FloatArray
    cycle_days: FloatArray
    days_since_last: FloatArray
    group: IntArray
    method: IntArray
    methods: tuple[str, ...]

    @classmethod
    def build(
        cls,
        users: IntArray,
        items: IntArray,
        scores: FloatArray,
        method: str,
        **because: NDArray[Any],
    ) -> Recommendations:
        """Recommendations of one method; absent "because" arrays are filled as empty."""
        m, k = items.shape
        empty_float = np.full((m, k), np.nan)
        filled = items >= 0
        return cls(
            users=users,
            items=items,
            scores=np.where(filled, scores, np.nan),
            because_items=because.get("because_items", np.full((m, k, 2), -1, dtype=np.int64)),
            lift=because.get("lift", empty_float),
            confidence=because.get("confidence", empty_float.copy()),
            cycle_days=because.get("cycle_days", empty_float.copy()),
            days_since_last=because.get("days_since_last", empty_float.copy()),
            group=because.get("group", np.full((m, k), -1, dtype=np.int64)),
            method=np.where(filled, 0, -1).astype(np.int64),
            methods=(method,),
        )

    @property
    def k(self) -> int:
        """Slots per customer."""
        return int(self.items.shape[1])

    def rows(self) -> dict[str, NDArray[Any]]:
        """One flat array per field, one entry per filled slot (``rank`` counts from 1)."""
        filled = self.items >= 0
        row, slot = np.nonzero(filled)
        method_names = np.asarray(self.methods, dtype=object)
        return {
            "user": self.users[row],
            "rank": slot + 1,
            "item": self.items[row, slot],
            "score": self.scores[row, slot],
            "because_item_1": self.because_items[row, slot, 0],
            "because_item_2": self.because_items[row, slot, 1],
            "lift": self.lift[row, slot],
            "confidence": self.confidence[row, slot],
            "cycle_days": self.cycle_days[row, slot],
            "days_since_last": self.days_since_last[row, slot],
            "group": self.group[row, slot],
            "method": method_names[self.method[row, slot]],
        }
