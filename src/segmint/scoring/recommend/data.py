"""What the recommenders are fitted on, as of a date: pulled from the engine once, as Arrow.

:func:`training_data` runs four queries, each an Ibis expression over the mart:

1. the codes: customers and products seen in baskets up to the date, numbered in sorted
   order (products with the day of their last sale, for the on-sale filter);
2. the interactions: per (customer, product) the orders, units, first and last purchase,
   already in codes, so only integer and float columns cross into Python;
3. the rules, counted in the engine (:mod:`segmint.scoring.recommend.rules`);
4. the returned or cancelled (customer, product) pairs.

:func:`truth` is what the same customers bought in a later window, in the same codes:
the answer key of an evaluation, never seen by a fit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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
from segmint.scoring.recommend.baskets import basket_lines, coded, returned_items
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
        filters: returned or cancelled items per customer, items no longer sold, and
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


def training_data(mart: Mart, as_of: dt.date, settings: DataSettings | None = None) -> TrainingData:
    """Pull the interactions, rules and filters as of ``as_of`` from the mart.

    Raises:
        InputError: no basket is known by that date.
    """
    settings = settings or DataSettings()
    exclude = settings.exclude_products
    lines = basket_lines(mart, as_of, exclude_products=exclude)
    # the codes and the coded lines are computed once and held by the engine (Ibis cache:
    # a temporary table on DuckDB, a cached DataFrame on Spark); every count below reads them
    with (
        coded(lines, "customer_id", "user").cache() as customers,
        coded(lines, "product_id", "item").cache() as products,
    ):
        customer_table = customers.order_by("user").select("customer_id").to_pyarrow()
        if customer_table.num_rows == 0:
            raise InputError(
                f"no purchases with products are known by {as_of}; recommendations need "
                "baskets (orders with order lines naming products). Pick a later date or "
                "load order lines."
            )
        product_table = (
            products.order_by("item")
            .select("product_id", days=_days(as_of, products.last_ts))
            .to_pyarrow()
        )
        joined = lines.join(customers.select("customer_id", "user"), "customer_id").join(
            products.select("product_id", "item"), "product_id"
        )
        with joined.select("order_id", "user", "item", "order_ts", "quantity").cache() as codes:
            interactions = _interactions(
                codes, as_of, customer_table.num_rows, product_table.num_rows
            )
            rules, n_baskets, skipped = _rules(codes.select("order_id", "item"), settings.rules)
        returned = _returned(
            mart, as_of, customers, products, exclude, interactions.n_users, interactions.n_items
        )
    days_since_sold = _column(product_table, "days", np.float64)
    filters = Filters(on_sale(days_since_sold, settings.on_sale_days), returned)
    if settings.exclude_recent_days is not None:
        recent = recently_bought(interactions, settings.exclude_recent_days)
        filters = filters.combine(Filters(excluded=recent))
    return TrainingData(
        as_of=as_of,
        interactions=interactions,
        customer_ids=np.asarray(customer_table.column("customer_id").to_pylist(), dtype=object),
        product_ids=np.asarray(product_table.column("product_id").to_pylist(), dtype=object),
        rules=rules,
        n_baskets=n_baskets,
        n_baskets_skipped=skipped,
        days_since_sold=days_since_sold,
        filters=filters,
    )


def _interactions(codes: ir.Table, as_of: dt.date, n_users: int, n_items: int) -> Interactions:
    """Per (customer, item): orders, units, days since the first and the last purchase."""
    per_pair = codes.group_by(["user", "item"]).aggregate(
        n_orders=codes.count(),
        quantity=codes.quantity.sum(),
        first_ts=codes.order_ts.min(),
        last_ts=codes.order_ts.max(),
    )
    pairs = per_pair.select(
        "user",
        "item",
        "n_orders",
        "quantity",
        days_since_first=_days(as_of, per_pair.first_ts),
        days_since_last=_days(as_of, per_pair.last_ts),
    ).to_pyarrow()
    orders = codes.group_by("user").aggregate(n=codes.order_id.nunique()).to_pyarrow()
    user_orders = np.zeros(n_users)
    user_orders[_column(orders, "user", np.int64)] = _column(orders, "n", np.float64)
    return Interactions.from_arrays(
        _column(pairs, "user", np.int64),
        _column(pairs, "item", np.int64),
        _column(pairs, "n_orders", np.float64),
        np.maximum(_column(pairs, "quantity", np.float64), 0.0),
        _column(pairs, "days_since_first", np.float64),
        _column(pairs, "days_since_last", np.float64),
        user_orders=user_orders,
        n_users=n_users,
        n_items=n_items,
    )


def _rules(baskets: ir.Table, settings: RuleSettings) -> tuple[RuleTable, int, int]:
    """The rule table in item codes (in a fixed order), the baskets counted and set aside."""
    with ExitStack() as held:
        itemsets = count_itemsets(baskets, settings, cache=held)
        sizes = itemsets.baskets
        counted = sizes.aggregate(
            kept=sizes.count(where=sizes.size <= settings.max_basket_size),
            skipped=sizes.count(where=sizes.size > settings.max_basket_size),
        ).to_pyarrow()
        table = rule_table(itemsets, settings).to_pyarrow()
    second = table.column("antecedent_2").to_numpy(zero_copy_only=False)
    first = _column(table, "antecedent_1", np.int64)
    second_items = np.nan_to_num(np.asarray(second, dtype=np.float64), nan=-1.0).astype(np.int64)
    consequent = _column(table, "consequent", np.int64)
    order = np.lexsort((second_items, first, consequent))
    rules = RuleTable.from_arrays(
        first[order],
        second_items[order],
        consequent[order],
        _column(table, "n_baskets", np.float64)[order],
        _column(table, "support", np.float64)[order],
        _column(table, "confidence", np.float64)[order],
        _column(table, "lift", np.float64)[order],
    )
    kept = counted.column("kept")[0].as_py() or 0
    skipped = counted.column("skipped")[0].as_py() or 0
    return rules, int(kept), int(skipped)


def _returned(
    mart: Mart,
    as_of: dt.date,
    customers: ir.Table,
    products: ir.Table,
    exclude: Sequence[str],
    n_users: int,
    n_items: int,
) -> sp.csr_array:
    """Returned or cancelled (customer, item) pairs of known customers and items."""
    back = returned_items(mart, as_of, exclude_products=exclude)
    known = back.join(customers.select("customer_id", "user"), "customer_id").join(
        products.select("product_id", "item"), "product_id"
    )
    pairs = known.select("user", "item").to_pyarrow()
    return customer_items(
        _column(pairs, "user", np.int64), _column(pairs, "item", np.int64), n_users, n_items
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
    pairs = known.select("user", "item").distinct().to_pyarrow()
    return customer_items(
        _column(pairs, "user", np.int64),
        _column(pairs, "item", np.int64),
        data.interactions.n_users,
        data.interactions.n_items,
    )
