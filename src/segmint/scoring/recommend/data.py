"""What the recommenders are fitted on, as of a date: pulled from the engine once, as Arrow.

:func:`training_data` runs four queries, each an Ibis expression over the mart:

1. the codes: customers and products seen in baskets up to the date, numbered in sorted
   order (products with the day of their last sale, for the on-sale filter);
2. the interactions: per (customer, product) the orders, units, first and last purchase,
   already in codes, so only integer and float columns cross into Python;
3. the rules, counted in the engine (:mod:`segmint.scoring.recommend.rules`);
4. the (customer, product) pairs sent back in full or cancelled.

:func:`truth` is what the same customers bought in a later window, in the same codes:
the answer key of an evaluation, never seen by a fit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from numpy.typing import NDArray

from segmint.exceptions import InputError
from segmint.features.asof import date_literal
from segmint.mart import Mart
from segmint.models.recommend import Filters, Interactions, RuleTable
from segmint.models.recommend.filters import customer_items, on_sale, recently_bought
from segmint.scoring.recommend.baskets import (
    basket_lines,
    coded_baskets,
    no_baskets,
    returned_items,
)
from segmint.scoring.recommend.rules import RuleSettings, count_itemsets, rule_table


@dataclass(frozen=True)
class DataSettings:
    """What counts when building the training data.

    Attributes:
        exclude_products: product ids that are not goods (postage, fees…): never counted,
            never recommended.
        on_sale_days: an item nobody bought in this many days before the date is no longer
            sold and is never recommended.
        exclude_recent_days: when set, items a customer bought this recently are not
            recommended to them.
        rules: how association rules are counted.
    """

    exclude_products: tuple[str, ...] = ()
    on_sale_days: float = 90.0
    exclude_recent_days: float | None = None
    rules: RuleSettings = field(default_factory=RuleSettings)

    def __post_init__(self) -> None:
        if not self.on_sale_days > 0:
            raise InputError(
                f"on_sale_days must be a positive number of days; got {self.on_sale_days!r}."
            )
        if self.exclude_recent_days is not None and not self.exclude_recent_days >= 0:
            raise InputError(
                f"exclude_recent_days must be a non-negative number of days or None; "
                f"got {self.exclude_recent_days!r}."
            )


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Everything the recommenders are fitted on, as of ``as_of``, in index space.

    Attributes:
        as_of: the last day of data used (end of that day).
        interactions: per (customer, item) purchases.
        customer_ids: the mart's ``customer_id`` of each customer index.
        product_ids: the mart's ``product_id`` of each item index.
        rules: association rules over the baskets, in item indices.
        n_baskets: baskets counted for the rules.
        n_baskets_skipped: baskets over ``max_basket_size``, not counted.
        days_since_sold: per item, days from its last sale to ``as_of``.
        filters: items sent back in full or cancelled per customer, items no longer sold, and
            (when asked) items bought recently.
    """

    as_of: dt.date
    interactions: Interactions
    customer_ids: NDArray[np.object_]
    product_ids: NDArray[np.object_]
    rules: RuleTable
    n_baskets: int
    n_baskets_skipped: int
    days_since_sold: NDArray[np.float64]
    filters: Filters

    def customer_index(self, customer_ids: Sequence[str]) -> NDArray[np.int64]:
        """Indices of ``customer_ids`` (``-1`` for customers unknown as of the date)."""
        position = {c: i for i, c in enumerate(self.customer_ids)}
        return np.array([position.get(c, -1) for c in customer_ids], dtype=np.int64)


def _days(day: dt.date, ts: ir.TimestampValue) -> ir.IntegerValue:
    """Whole days from ``ts``'s date to ``day``."""
    days: ir.IntegerValue = date_literal(day).delta(ts.date(), unit="day")
    return days


def _column(table: pa.Table, name: str, dtype: type[np.generic]) -> NDArray[Any]:
    """Column ``name`` of an Arrow table as a numpy array of ``dtype``."""
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=dtype)


@dataclass(frozen=True)
class _Pulled:
    """What :func:`training_data` reads from the engine, in the engine's codes."""

    customer_ids: pa.Table
    product_ids: pa.Table
    pairs: pa.Table
    user_orders: pa.Table
    rules: pa.Table
    n_baskets: int
    n_baskets_skipped: int
    returned: pa.Table


def training_data(
    mart: Mart,
    as_of: dt.date,
    settings: DataSettings | None = None,
    *,
    on_step: Callable[[str], None] | None = None,
) -> TrainingData:
    """Pull the interactions, rules and filters as of ``as_of`` from the mart.

    Args:
        mart: the customer data mart.
        as_of: the last day of data used.
        settings: what counts (default :class:`DataSettings`).
        on_step: told the name of each step as it starts (``coding baskets``,
            ``counting rules``, ``reading interactions``, ``reading returns``,
            ``building filters``), so a caller can time them.

    Raises:
        InputError: no basket is known by that date.
    """
    settings = settings or DataSettings()
    step = on_step or _quiet
    pulled = _pull(mart, as_of, settings, step)
    step("building filters")
    users = _renumbering(_column(pulled.pairs, "user", np.int64), pulled.customer_ids.num_rows)
    items = _renumbering(_column(pulled.pairs, "item", np.int64), pulled.product_ids.num_rows)
    interactions = _interactions(pulled, users, items)
    days_since_sold = np.full(interactions.n_items, np.inf)
    np.minimum.at(days_since_sold, interactions.item, interactions.days_since_last)
    returned = _pairs_in(pulled.returned, users, items)
    filters = Filters(
        on_sale(days_since_sold, settings.on_sale_days),
        customer_items(*returned, interactions.n_users, interactions.n_items),
    )
    if settings.exclude_recent_days is not None:
        recent = recently_bought(interactions, settings.exclude_recent_days)
        filters = filters.combine(Filters(excluded=recent))
    customer_ids = pulled.customer_ids.column("customer_id").to_numpy(zero_copy_only=False)
    product_ids = pulled.product_ids.column("product_id").to_numpy(zero_copy_only=False)
    return TrainingData(
        as_of=as_of,
        interactions=interactions,
        customer_ids=np.asarray(customer_ids[users >= 0], dtype=object),
        product_ids=np.asarray(product_ids[items >= 0], dtype=object),
        rules=_rule_table(pulled.rules, items),
        n_baskets=pulled.n_baskets,
        n_baskets_skipped=pulled.n_baskets_skipped,
        days_since_sold=days_since_sold,
        filters=filters,
    )


def _quiet(_: str) -> None:
    """The default ``on_step``: says nothing."""


def _pull(
    mart: Mart, as_of: dt.date, settings: DataSettings, step: Callable[[str], None]
) -> _Pulled:
    """Code the baskets once in the engine, then read every count from the coded lines.

    Rows come back in no particular order unless asked (:meth:`Mart.unordered`: the engine
    then holds less while it writes the coded tables). The rules are counted before the
    interactions are read, so the largest result is not held in Python while the engine
    counts pairs and triples.
    """
    exclude = settings.exclude_products
    with ExitStack() as held:
        held.enter_context(mart.unordered())
        step("coding baskets")
        coded = coded_baskets(mart, as_of, held, exclude_products=exclude)
        lines = coded.lines
        baskets = lines.select(order_id=lines.basket, customer_id=lines.user, item=lines.item)
        step("counting rules")
        rules, n_baskets, skipped = _rules(baskets, settings.rules)
        step("reading interactions")
        per_pair = lines.group_by(["user", "item"]).aggregate(
            n_orders=lines.count(),
            quantity=lines.quantity.sum(),
            days_since_first=lines.days.max(),
            days_since_last=lines.days.min(),
        )
        # in customer, item order: the Interactions are then built without a shuffle
        pairs = per_pair.order_by(["user", "item"]).to_pyarrow()
        if pairs.num_rows == 0:
            raise no_baskets(as_of)
        user_orders = lines.group_by("user").aggregate(n=lines.basket.nunique()).to_pyarrow()
        step("reading returns")
        back = returned_items(mart, as_of, exclude_products=exclude)
        known = back.join(coded.customers, "customer_id").join(coded.products, "product_id")
        returned = known.select("user", "item").to_pyarrow()
        customers = coded.customers.order_by("user").select("customer_id").to_pyarrow()
        products = coded.products.order_by("item").select("product_id").to_pyarrow()
    return _Pulled(customers, products, pairs, user_orders, rules, n_baskets, skipped, returned)


def _renumbering(codes: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """For each of ``n`` engine codes, its index among the codes present (``-1`` if absent).

    The engine numbers every customer with a purchase and every product ever bought;
    the training data keeps those with a basket item by the date, in the same order.
    """
    present = np.zeros(n, dtype=bool)
    present[codes] = True
    return np.where(present, np.cumsum(present) - 1, -1)


def _interactions(
    pulled: _Pulled, users: NDArray[np.int64], items: NDArray[np.int64]
) -> Interactions:
    """Per (customer, item): orders, units, days since the first and the last purchase."""
    pairs = pulled.pairs
    n_users = int(users.max()) + 1
    user_orders = np.zeros(n_users)
    orders = pulled.user_orders
    user_orders[users[_column(orders, "user", np.int64)]] = _column(orders, "n", np.float64)
    return Interactions.from_arrays(
        users[_column(pairs, "user", np.int64)],
        items[_column(pairs, "item", np.int64)],
        _column(pairs, "n_orders", np.float64),
        np.maximum(_column(pairs, "quantity", np.float64), 0.0),
        _column(pairs, "days_since_first", np.float64),
        _column(pairs, "days_since_last", np.float64),
        user_orders=user_orders,
        n_users=n_users,
        n_items=int(items.max()) + 1,
    )


def _pairs_in(
    table: pa.Table, users: NDArray[np.int64], items: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The (user, item) rows of ``table`` whose customer and item are both present."""
    user = users[_column(table, "user", np.int64)]
    item = items[_column(table, "item", np.int64)]
    both = (user >= 0) & (item >= 0)
    return user[both], item[both]


def _rules(baskets: ir.Table, settings: RuleSettings) -> tuple[pa.Table, int, int]:
    """The rule table in engine codes, the baskets counted and set aside."""
    with ExitStack() as held:
        itemsets = count_itemsets(baskets, settings, cache=held)
        sizes = itemsets.baskets
        counted = sizes.aggregate(
            kept=sizes.count(where=sizes.size <= settings.max_basket_size),
            skipped=sizes.count(where=sizes.size > settings.max_basket_size),
        ).to_pyarrow()
        table = rule_table(itemsets, settings).to_pyarrow()
    kept = counted.column("kept")[0].as_py() or 0
    skipped = counted.column("skipped")[0].as_py() or 0
    return table, int(kept), int(skipped)


def _rule_table(table: pa.Table, items: NDArray[np.int64]) -> RuleTable:
    """The rules in item indices, in a fixed order (consequent, then antecedents)."""
    second = table.column("antecedent_2").to_numpy(zero_copy_only=False)
    codes = np.nan_to_num(np.asarray(second, dtype=np.float64), nan=-1.0).astype(np.int64)
    first = items[_column(table, "antecedent_1", np.int64)]
    second_items = np.where(codes >= 0, items[np.maximum(codes, 0)], -1)
    consequent = items[_column(table, "consequent", np.int64)]
    order = np.lexsort((second_items, first, consequent))
    return RuleTable.from_arrays(
        first[order],
        second_items[order],
        consequent[order],
        _column(table, "n_baskets", np.float64)[order],
        _column(table, "support", np.float64)[order],
        _column(table, "confidence", np.float64)[order],
        _column(table, "lift", np.float64)[order],
        n_customers=_column(table, "n_customers", np.float64)[order],
    )


def truth(
    mart: Mart,
    data: TrainingData,
    start: dt.date,
    end: dt.date,
    settings: DataSettings | None = None,
) -> sp.csr_array:
    """``(n_users, n_items)``: 1 where a known customer bought a known item after ``start``
    up to the end of ``end`` (the items of their baskets, as in training)."""
    if end <= start:
        raise InputError(f"the truth window must end after it starts; got {start} to {end}.")
    settings = settings or DataSettings()
    since = dt.datetime.combine(start + dt.timedelta(days=1), dt.time())
    later = basket_lines(mart, end, since=since, exclude_products=settings.exclude_products)
    customers = ibis.memtable(
        {"customer_id": list(data.customer_ids), "user": np.arange(data.customer_ids.size)}
    )
    products = ibis.memtable(
        {"product_id": list(data.product_ids), "item": np.arange(data.product_ids.size)}
    )
    known = later.join(customers, "customer_id").join(products, "product_id")
    with mart.reading(known):  # the index maps leave the connection with the read
        pairs = known.select("user", "item").distinct().to_pyarrow()
    return customer_items(
        _column(pairs, "user", np.int64),
        _column(pairs, "item", np.int64),
        data.interactions.n_users,
        data.interactions.n_items,
    )
