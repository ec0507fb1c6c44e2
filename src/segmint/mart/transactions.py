"""Flat transaction files: one row per order line (or per order), the shape most users have.

A transactions file becomes ``orders`` + ``order_lines`` (+ ``customers`` and ``products``
for ids not seen before). Its columns, after ``--map``:

- ``customer_id`` and ``order_ts`` (date or timestamp), required;
- the value: ``amount`` (line total), or ``quantity`` × ``unit_price``, or ``quantity`` with
  ``amount`` (then ``unit_price = amount / quantity``);
- optional ``order_id``, ``product_id``, ``product_name``, ``category``, ``channel``,
  ``unit_cost``, ``discount``; the customer's ``country``, ``city``, ``region`` and
  ``postcode`` (the latest value fills a new customer's row, and an existing customer's empty columns), and ``email`` (kept in
  ``customer_pii``; it keys the customer when the file has no customer id).

Without ``order_id`` the lines of one customer at one timestamp form one order, whose id
is ``<customer_id>@<timestamp>``. Lines are numbered in file order within their order, so
identical lines (real repeated purchases) are kept, never merged; the load counts them. A negative quantity or
amount is a return: a line inside a sale stays there, and an order made only of returns
(a cancellation invoice) is booked on the order it reverses (:mod:`segmint.mart.returns`).
Other columns holding one value per customer (a loyalty tier, a segment) become customer
attributes, each value dated by the order that first showed it
(:mod:`segmint.mart.attribute_rows`).
"""

from __future__ import annotations

from pathlib import Path

import ibis

from segmint.exceptions import SchemaError
from segmint.mart.attribute_history import later_values
from segmint.mart.attribute_rows import (
    CUSTOMER_LEVEL_NAMES as NAMED,
)
from segmint.mart.attribute_rows import (
    as_attribute_rows,
    customer_level,
    disagreements,
    empty_columns,
    new_history,
    value_history,
    value_points,
)
from segmint.mart.columns import (
    ColumnUse,
    attribute_name,
    attribute_names,
    check_ignore,
    personal_data,
    pii_report,
    route,
)
from segmint.mart.connection import Mart
from segmint.mart.plan import LoadPlan, add_reason, count, rejected, temp, working
from segmint.mart.privacy.suppression import mark_erased
from segmint.mart.returns import (
    MOVED,
    loaded_order_status,
    match_returns,
    number_late_returns,
    order_status,
)
from segmint.mart.returns_report import booked_returns
from segmint.mart.schema import Column, Table
from segmint.mart.staging import Stage
from segmint.mart.tables import TableOptions
from segmint.mart.updates import Filled, fill_empty
from segmint.mart.validation import REASON, ROW, apply_mapping

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
        Column(
            "status",
            "string",
            "The export's order or payment status (paid, refunded, cancelled…); refunded, "
            "voided, failed and unpaid orders are cancelled.",
        ),
        Column(
            "cancelled_at", "timestamp", "When the order was cancelled; it is then no purchase."
        ),
        Column("quantity", "float64", "Units; negative for a return."),
        Column("unit_price", "float64", "Price per unit.", non_negative=True),
        Column("amount", "float64", "Line total; negative for a return."),
        Column("discount", "float64", "Discount on the line.", non_negative=True),
        Column("unit_cost", "float64", "Cost per unit.", non_negative=True),
        Column(
            "country",
            "string",
            "Customer's country, latest value; fills an existing customer's empty one.",
        ),
        Column(
            "city",
            "string",
            "Customer's city, latest value; fills an existing customer's empty one.",
        ),
        Column(
            "region",
            "string",
            "Customer's region or state, latest value; fills an existing customer's empty one.",
        ),
        Column(
            "postcode",
            "string",
            "Customer's postcode, latest value; fills an existing customer's empty one.",
        ),
        Column(
            "email",
            "string",
            "Customer's e-mail: kept in customer_pii only; without customer_id the customer "
            "is keyed by a pseudonym of it.",
        ),
    ),
    key=(),
    loadable=False,
)

_LINE_KEY = ["order_id", "line_no"]
_CUSTOMER_COLUMNS = ("country", "city", "region", "postcode")
_HISTORY_KEPT = (
    "each kept from the order that first showed it, of orders at the same time the last "
    "row's; the latest is current"
)


def plan_transactions(mart: Mart, stage: Stage, source: str, options: TableOptions) -> LoadPlan:
    """Work out the orders, lines, customers and products a transactions file adds.

    Columns that are not transactions columns are customer attributes when they hold one
    value per customer (:mod:`segmint.mart.attribute_rows`), else reported; return
    documents are booked on the orders they reverse (:mod:`segmint.mart.returns`).
    """
    found = [c for c in stage.table.columns if c != ROW]
    check_ignore(options.ignore, found, source)
    staged = stage.table.drop(*options.ignore) if options.ignore else stage.table
    staged, mapping = keyed_by_email(staged, options.mapping)
    rows = apply_mapping(staged, mapping, TRANSACTIONS, source)
    has = set(rows.columns)
    if "amount" not in has and not {"quantity", "unit_price"} <= has:
        raise SchemaError(
            f"{source}: a transactions file needs a value: 'amount', or 'quantity' and 'unit_price'; "
            f"found {found}. Map one with --map amount=<column> "
            "(or --map quantity=<column> --map unit_price=<column>)."
        )
    uses, rest = route(found, mapping, "transactions", TRANSACTIONS.column_names, options.ignore)
    if "customer_id" not in options.mapping and "customer_id" not in found and "email" in mapping:
        uses = [_pseudonym_use(u, mapping["email"]) for u in uses]
    plan = LoadPlan()
    candidates, unused = _attribute_candidates(rest, options)
    extras = {c: f"_segmint_x{i}" for i, c in enumerate(candidates)}
    checked = options.check(rows, TRANSACTIONS)
    checked = _derive_lines(checked)
    if extras:
        carried = rows.select(ROW, **{alias: rows[c] for c, alias in extras.items()})
        checked = checked.inner_join(carried, ROW)
    checked = mark_erased(mart, checked)  # rows of forgotten people: quarantined, content withheld
    checked = working(mart, checked)
    plan.quarantine.append(rejected(checked, stage.table))
    valid = checked.filter(checked[REASON].isnull())
    valid, n_documents = match_returns(mart, working(mart, valid), options.cancel_prefix)
    lines = valid.mutate(
        line_no=(
            ibis.row_number().over(group_by="order_id", order_by=[valid[MOVED], valid[ROW]]) + 1
        ).cast("int32")
    )
    lines = number_late_returns(mart, working(mart, lines))
    lines = _check_order_customer(mart, working(mart, lines))
    plan.quarantine.append(rejected(lines, stage.table))
    lines = lines.filter(lines[REASON].isnull())
    lines = _check_loaded_lines(mart, lines)
    plan.quarantine.append(rejected(lines, stage.table))
    lines = working(mart, lines.filter(lines[REASON].isnull()))
    existing = mart.table("order_lines").select(*_LINE_KEY)
    new = working(mart, lines.anti_join(existing, _LINE_KEY))
    plan.n_loaded = count(new)
    plan.n_duplicate = count(lines) - plan.n_loaded
    plan.inserts.extend(_inserts(mart, new))
    plan.updates += [u for u in (loaded_order_status(mart, new),) if u is not None]
    uses += unused + [pii_report(c) for c in rest if personal_data(c)]
    _customer_part(mart, plan, lines, extras, uses, found, source)
    if "email" in mapping:
        plan.inserts.append(("customer_pii", _pii_rows(mart, new)))
    booked = booked_returns(mart, n_documents, lines, new).note() if plan.n_loaded else ""
    plan.notes = [n for n in (booked, _repeats_note(staged, new)) if n]
    return plan


def _repeats_note(staged: ibis.Table, new: ibis.Table) -> str:
    """How many loaded lines repeat an earlier loaded line column for column (empty when
    none). They stay separate lines, numbered in file order: the same item bought twice in
    one order is two lines; the load says so rather than merging or dropping them."""
    loaded = staged.semi_join(new.select(ROW), ROW)
    n_repeats = count(loaded) - count(loaded.drop(ROW).distinct())
    if not n_repeats:
        return ""
    verb = "line repeats" if n_repeats == 1 else "lines repeat"
    return (
        f"{n_repeats:,} {verb} an earlier identical line of the file; kept as separate lines "
        "(the same item bought again in one order)"
    )


def _customer_part(
    mart: Mart,
    plan: LoadPlan,
    lines: ibis.Table,
    extras: dict[str, str],
    uses: list[ColumnUse],
    found: list[str],
    source: str,
) -> None:
    """Add the customer attributes of ``extras`` and the empty customers columns the file
    fills (:mod:`segmint.mart.updates`) to ``plan``, and its column report."""
    attribute_uses, attributes = customer_columns(mart, lines, extras, Path(source).name)
    columns = [c for c in _CUSTOMER_COLUMNS if f"transactions.{c}" in {u.target for u in uses}]
    latest = ibis.struct({"at": lines.order_ts, "row": lines[ROW]})
    by_customer = lines.group_by("customer_id").aggregate(
        **{c: lines[c].argmax(latest, where=lines[c].notnull()) for c in columns}
    )
    update, filled = fill_empty(mart, by_customer, "customers", "customer_id", columns)
    if update is not None:
        plan.updates.append(update)
    uses = [_customer_note(mart, lines, u, filled) for u in uses + attribute_uses]
    plan.columns = sorted(uses, key=lambda u: found.index(u.column))
    plan.ignored_columns = [u.column for u in plan.columns if u.fate == "reported"]
    if attributes is not None:
        plan.inserts.append(("customer_attributes", attributes))


def keyed_by_email(stage: ibis.Table, mapping: dict[str, str]) -> tuple[ibis.Table, dict[str, str]]:
    """A file without a customer id but with an e-mail column gets ``customer_id`` from it.

    The id is ``e-`` and the first 16 hex digits of the SHA-256 of the trimmed, lower-case
    address: the same address always gives the same customer, and the address itself
    stays out of ids, features and exports (it goes to ``customer_pii``).
    """
    columns = [c for c in stage.columns if c != ROW]
    if "customer_id" in mapping or "customer_id" in columns:
        return stage, mapping
    email = mapping.get("email", "email" if "email" in columns else None)
    if email is None or email not in columns:
        return stage, mapping
    address = stage[email].cast("string").strip().lower().nullif("")
    pseudonym = ibis.literal("e-") + address.hexdigest("sha256").substr(0, 16)
    keyed = stage.mutate(_segmint_customer=pseudonym)
    return keyed, {**mapping, "email": email, "customer_id": "_segmint_customer"}


def _attribute_candidates(
    rest: list[str], options: TableOptions
) -> tuple[list[str], list[ColumnUse]]:
    """The extra columns that may be customer attributes, and the reports of those that may
    not (with a preset, only the columns it names as attributes may)."""
    candidates = [c for c in rest if not personal_data(c)]
    if options.preset is None:
        return candidates, []
    chosen = [c for c in candidates if c in options.preset.attributes]
    unused = [_preset_unused(c, options.preset.title) for c in candidates if c not in chosen]
    return chosen, unused


def _preset_unused(column: str, title: str) -> ColumnUse:
    note = (
        f"an order-level column of a {title}, not used (map it with --map <column>={column} "
        f"or drop it with --ignore {column})"
    )
    return ColumnUse(column, "reported", note=note)


def _pseudonym_use(use: ColumnUse, email: str) -> ColumnUse:
    if use.column != email:
        return use
    note = "also the customer: customer_id is a pseudonym of the address (e- + SHA-256 prefix)"
    return ColumnUse(use.column, "loaded", "customer_pii.email", note)


def _pii_rows(mart: Mart, new: ibis.Table) -> ibis.Table:
    """``customer_pii`` rows (id and e-mail) of new customers keyed by their address."""
    known = mart.table("customer_pii").select("customer_id")
    valued = new.filter(new.email.notnull())
    latest = valued.group_by("customer_id").aggregate(email=valued.email.argmax(valued[ROW]))
    rows = latest.anti_join(known, "customer_id")
    return rows.select(
        "customer_id",
        "email",
        phone=ibis.null("string"),
        first_name=ibis.null("string"),
        last_name=ibis.null("string"),
        address=ibis.null("string"),
    )


def customer_columns(
    mart: Mart, lines: ibis.Table, extras: dict[str, str], source: str
) -> tuple[list[ColumnUse], ibis.Table | None]:
    """The uses of a transactions file's extra columns, and the attribute rows they give.

    A column with one value per customer becomes an attribute: each customer's values,
    each dated by the order that first showed it (the latest is the current one);
    customers with several values are counted in its note. A (customer, name) the mart
    holds goes on from its latest row and back from its first, and the customers whose
    values changed, went back or conflict with the mart's are counted too (:mod:`segmint.mart.attribute_history`). Others are
    reported.
    """
    if not extras:
        return [], None
    level = customer_level(mart, lines, list(extras.values()))
    empty = empty_columns(lines, list(extras.values()))
    names = attribute_names(
        [
            c
            for c, alias in extras.items()
            if alias not in empty and (level[alias] or attribute_name(c) in NAMED)
        ]
    )
    uses: list[ColumnUse] = []
    parts = []
    for column, alias in extras.items():
        if column not in names:
            uses.append(_not_an_attribute(column, empty=alias in empty))
            continue
        parts.append(value_points(lines, alias, names[column], source))
        note = "customer-level: each customer's values, each from the order that first showed it"
        several = disagreements(mart, lines, alias).note(_HISTORY_KEPT)
        uses.append(ColumnUse(column, "attribute", names[column], _join(note, several)))
    if not parts:
        return uses, None
    points = parts[0]
    for part in parts[1:]:
        points = points.union(part)
    points = temp(mart, points)
    later = later_values(mart, points)
    uses = [
        ColumnUse(u.column, u.fate, u.target, _join(u.note, later.note(u.target)))
        if u.fate == "attribute"
        else u
        for u in uses
    ]
    rows = new_history(mart, value_history(points)).union(later.rows)
    return uses, as_attribute_rows(rows)


def _not_an_attribute(column: str, *, empty: bool) -> ColumnUse:
    """The report of an extra column that is no customer attribute: empty, or varying."""
    if empty:
        note = f"empty: no loaded row has a value in it; drop it with --ignore {column}"
    else:
        note = (
            "varies within a customer's rows (order- or line-level), so it is not a customer "
            f"attribute; map it to a transactions column with --map <column>={column} "
            f"or drop it with --ignore {column}"
        )
    return ColumnUse(column, "reported", note=note)


def _customer_note(
    mart: Mart, lines: ibis.Table, use: ColumnUse, filled: dict[str, Filled]
) -> ColumnUse:
    """A customers column (country, city…) of the file: where it goes, its conflicts within
    the file (the latest value wins) and with the mart (the mart's value is kept)."""
    target = use.target.removeprefix("transactions.")
    if use.fate != "loaded" or target not in _CUSTOMER_COLUMNS:
        return use
    conflicts = disagreements(mart, lines, target)
    note = (
        "the latest value per customer, for new customers and for existing ones whose "
        f"{target} is empty"
    )
    stored = filled[target].note() if target in filled else ""
    return ColumnUse(
        use.column, "loaded", f"customers.{target}", _join(note, conflicts.note(), stored)
    )


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


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
        channel=new.channel.argmin(ibis.struct({"moved": new[MOVED], "row": new[ROW]})),
        status=order_status(new),
    )
    orders = by_order.anti_join(mart.table("orders").select("order_id"), "order_id")
    latest = ibis.struct({"at": new.order_ts, "row": new[ROW]})
    by_customer = new.group_by("customer_id").aggregate(
        signup_date=new.order_ts.min().date(),
        **{c: new[c].argmax(latest, where=new[c].notnull()) for c in _CUSTOMER_COLUMNS},
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
