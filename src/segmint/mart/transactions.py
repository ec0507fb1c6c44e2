"""Flat transaction files: one row per order line (or per order), the shape most users have.

A transactions file becomes ``orders`` + ``order_lines`` (+ ``customers`` and ``products``
for ids not seen before). Its columns, after ``--map``:

- ``customer_id`` and ``order_ts`` (date or timestamp), required;
- the value: ``amount`` (line total), or ``quantity`` × ``unit_price``, or ``quantity`` with
  ``amount`` (then ``unit_price = amount / quantity``);
- optional ``order_id``, ``product_id``, ``product_name``, ``category``, ``channel``,
  ``unit_cost``, ``discount``, ``country``.

Without ``order_id`` the lines of one customer at one timestamp form one order, whose id
is ``<customer_id>@<timestamp>``. Lines are numbered in file order within their order, so
identical lines (real repeated purchases) are kept, never merged. A negative quantity or
amount is a return and is kept as such; an order whose lines are all returns has status
``returned``.
"""

from __future__ import annotations

import ibis

from segmint.exceptions import SchemaError
from segmint.mart.connection import Mart
from segmint.mart.plan import LoadPlan, add_reason, count, rejected, temp
from segmint.mart.privacy.suppression import mark_erased
from segmint.mart.schema import Column, Table
from segmint.mart.staging import Stage
from segmint.mart.tables import TableOptions
from segmint.mart.validation import REASON, ROW, apply_mapping, check_rows

TRANSACTIONS = Table(
    "transactions",
    "A flat file of order lines; becomes orders, order_lines, customers and products.",
    (
        Column("customer_id", "string", "Customer.", required=True),
        Column(
            "order_ts", "timestamp", "When the purchase happened.", required=True, not_future=True
        ),
        Column(
            "order_id",
            "string",
            "Order (invoice, basket); derived from customer and time when absent.",
        ),
        Column("product_id", "string", "Product (SKU, stock code)."),
        Column("product_name", "string", "Product name, for new products."),
        Column("category", "string", "Product category, for new products."),
        Column("channel", "string", "Sales channel of the order."),
        Column("quantity", "float64", "Units; negative for a return."),
        Column("unit_price", "float64", "Price per unit.", non_negative=True),
        Column("amount", "float64", "Line total; negative for a return."),
        Column("discount", "float64", "Discount on the line.", non_negative=True),
        Column("unit_cost", "float64", "Cost per unit.", non_negative=True),
        Column("country", "string", "Customer's country, for new customers."),
    ),
    key=(),
    loadable=False,
)

_LINE_KEY = ["order_id", "line_no"]


def plan_transactions(mart: Mart, stage: Stage, source: str, options: TableOptions) -> LoadPlan:
    """Work out the orders, lines, customers and products a transactions file adds."""
    rows = apply_mapping(stage.table, options.mapping, TRANSACTIONS, source)
    has = set(rows.columns)
    if "amount" not in has and not {"quantity", "unit_price"} <= has:
        raise SchemaError(
            f"{source}: a transactions file needs a value: 'amount', or 'quantity' and 'unit_price'; "
            f"found {[c for c in rows.columns if c != ROW]}. Map one with --map amount=<column>."
        )
    plan = LoadPlan(
        ignored_columns=[c for c in rows.columns if c != ROW and c not in TRANSACTIONS.column_names]
    )
    checked = _derive_lines(check_rows(rows, TRANSACTIONS, options.date_formats))
    checked = mark_erased(mart, checked)  # rows of forgotten people: quarantined, content withheld
    checked = temp(mart, checked)
    plan.quarantine.append(rejected(checked, stage.table))
    lines = checked.filter(checked[REASON].isnull())
    lines = lines.mutate(
        line_no=(ibis.row_number().over(group_by="order_id", order_by=ROW) + 1).cast("int32")
    )
    lines = _check_order_customer(mart, temp(mart, lines))
    plan.quarantine.append(rejected(lines, stage.table))
    lines = lines.filter(lines[REASON].isnull())
    lines = _check_loaded_lines(mart, lines)
    plan.quarantine.append(rejected(lines, stage.table))
    lines = lines.filter(lines[REASON].isnull())
    existing = mart.table("order_lines").select(*_LINE_KEY)
    new = temp(mart, lines.anti_join(existing, _LINE_KEY))
    plan.n_loaded = count(new)
    plan.n_duplicate = count(lines) - plan.n_loaded
    plan.inserts.extend(_inserts(mart, new))
    return plan


def _check_loaded_lines(mart: Mart, lines: ibis.Table) -> ibis.Table:
    """Reject lines whose (order_id, line_no) is in the mart with other content.

    Lines are numbered within their order in file order, so the same line loaded again
    is a duplicate; a line that takes an existing number but differs (an order extended
    by a later file) is not silently dropped: it is rejected with the reason.
    """
    loaded = mart.table("order_lines")
    if count(loaded) == 0:
        return lines
    known = loaded.select(
        _old_order=loaded.order_id,
        _old_line=loaded.line_no,
        _old_product=loaded.product_id,
        _old_quantity=loaded.quantity,
        _old_price=loaded.unit_price,
    )
    joined = lines.left_join(
        known, [lines.order_id == known._old_order, lines.line_no == known._old_line]
    )
    same = (
        (joined.product_id.identical_to(joined._old_product))
        & (joined.quantity == joined._old_quantity)
        & ((joined.unit_price - joined._old_price).abs() < 1e-9)
    )
    message = (
        ibis.literal("order_id '")
        + joined.order_id
        + "' line "
        + joined.line_no.cast("string")
        + " is already loaded with other content (an order's lines must come from one file)"
    )
    flagged = add_reason(joined, joined._old_quantity.notnull() & ~same, message)
    old = ("_old_order", "_old_line", "_old_product", "_old_quantity", "_old_price")
    return temp(mart, flagged.drop(*old))


def _derive_lines(checked: ibis.Table) -> ibis.Table:
    """Quantity, unit price and order id of every line, and the reasons a line is unusable."""
    amount, quantity, price = checked.amount, checked.quantity, checked.unit_price
    checked = add_reason(
        checked,
        amount.isnull() & (quantity.isnull() | price.isnull()),
        ibis.literal("missing amount (or quantity and unit_price)"),
    )
    checked = add_reason(
        checked,
        (quantity == 0) & price.isnull(),
        ibis.literal("quantity is 0, so no unit price can be derived from amount"),
    )
    sign = ibis.cases((amount < 0, -1.0), else_=1.0)
    quantity_out = ibis.cases(
        (quantity.isnull(), sign),
        (amount < 0, -quantity.abs()),
        else_=quantity,
    )
    price_out = price.coalesce(amount.abs() / quantity_out.abs())
    order_id = checked.order_id.coalesce(
        checked.customer_id + "@" + checked.order_ts.strftime("%Y-%m-%dT%H:%M:%S")
    )
    return checked.mutate(quantity=quantity_out, unit_price=price_out, order_id=order_id)


def _check_order_customer(mart: Mart, lines: ibis.Table) -> ibis.Table:
    """Reject lines of an order id that belongs to another customer (in the file or the mart)."""
    first = lines.group_by("order_id").aggregate(_owner=lines.customer_id.argmin(lines[ROW]))
    orders = mart.table("orders")
    known = orders.select(_known_order=orders.order_id, _known_owner=orders.customer_id)
    joined = lines.inner_join(first, "order_id")
    joined = joined.left_join(known, joined.order_id == known._known_order)
    owner = joined._known_owner.coalesce(joined._owner)
    message = (
        ibis.literal("order_id '")
        + joined.order_id
        + "' belongs to customer '"
        + owner
        + "', not '"
        + joined.customer_id
        + "'"
    )
    flagged = add_reason(joined, joined.customer_id != owner, message)
    return temp(mart, flagged.drop("_owner", "_known_order", "_known_owner"))


def _inserts(mart: Mart, new: ibis.Table) -> list[tuple[str, ibis.Table]]:
    """Rows for customers, products, orders and order_lines from the new lines."""
    by_order = new.group_by("order_id").aggregate(
        customer_id=new.customer_id.argmin(new[ROW]),
        order_ts=new.order_ts.min(),
        channel=new.channel.argmin(new[ROW]),
        status=ibis.cases((new.quantity.max() < 0, "returned"), else_="completed"),
    )
    orders = by_order.anti_join(mart.table("orders").select("order_id"), "order_id")
    by_customer = new.group_by("customer_id").aggregate(
        signup_date=new.order_ts.min().date(),
        country=new.country.argmin(new[ROW]),
    )
    customers = by_customer.anti_join(mart.table("customers").select("customer_id"), "customer_id")
    named = new.filter(new.product_id.notnull())
    by_product = named.group_by("product_id").aggregate(
        name=named.product_name.argmin(named[ROW]),
        category=named.category.argmin(named[ROW]),
        unit_cost=named.unit_cost.argmin(named[ROW]),
    )
    products = by_product.anti_join(mart.table("products").select("product_id"), "product_id")
    lines = new.select(
        "order_id", "line_no", "product_id", "quantity", "unit_price", "discount", "unit_cost"
    )
    return [
        ("customers", temp(mart, customers)),
        ("products", temp(mart, products)),
        ("orders", temp(mart, orders)),
        ("order_lines", lines),
    ]
