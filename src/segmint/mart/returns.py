"""Returns and cancellations in a transactions file: booked on the order they reverse.

Exports record a return or a cancellation as a document of its own: the UCI Online
Retail data writes invoice ``C536379`` with negative quantities; a shop writes a refund
line with a negative amount. Loaded as they stand they would be new purchases with
negative values, so a customer who bought once and cancelled once would count two
purchases. Instead:

* a **return document** is an order of the file whose lines all have a negative quantity
  (or amount), or whose id starts with the cancellation prefix (``--preset
  uci-online-retail`` sets ``C``);
* each of its negative lines is **matched** to the order it reverses: the latest order
  of the same customer, in the same file or loaded earlier, stamped at or before the
  return, that is not a return document and has a sale line of the same product (of any
  product when the line names no product: an order without lines is never matched). The line is booked on that order, after the order's
  own lines (after the lines already loaded, for an order of an earlier load, also
  when the file sends that order's lines again: :func:`number_late_returns`);
* an order that received returns is ``returned``, or ``cancelled`` when the returns
  cancel its whole value; a return document left with lines that match nothing (the sale
  they reverse is not in the file) is ``cancelled``.

What counts as a purchase follows (:mod:`segmint.features.orders`): ``completed`` and
``returned`` orders count for frequency and recency, at their net value (sales minus the
returns booked on them); ``cancelled`` orders count for nothing. So a sale cancelled in
full is not a purchase, a partly returned sale is one purchase of the kept value, and a
refund of a sale outside the file changes nothing (its sale was never counted either).

An order's status describes it as the files finally show it, so a feature table as of a
day between a sale and its return already sees the return, as it sees any status. An
order of an earlier load that receives returns gets its status anew
(:func:`loaded_order_status`); ``cancelled`` stays ``cancelled``.

A return booked on an order of an earlier load is a duplicate when that order already
holds a return line of the same product, quantity and price for it (the first such line
for the first such return of the file, and so on), so loading an overlapping export again
adds nothing: two returns of the same unit of the same order in two files count once.
The load report counts what the load booked (:func:`segmint.mart.returns_report.booked_returns`): return documents and
lines already in the mart are counted as such, not as booked again.
"""

from __future__ import annotations

import ibis

from segmint.mart.connection import Mart
from segmint.mart.plan import Update, count, temp
from segmint.mart.text import trimmed
from segmint.mart.validation import ROW

MOVED = "_segmint_moved"
"""Column of the matched return lines (True) in the lines :func:`match_returns` gives."""

RETURN = "_segmint_return"
"""Column of the return lines (True: the negative lines of a return document, matched or
not) in the lines :func:`match_returns` gives."""


DOCUMENT = "_segmint_document"
"""Column of the return document each line comes from (its order id in the file; NULL for
a line of no return document) in the lines :func:`match_returns` gives."""


def match_returns(
    mart: Mart, lines: ibis.Table, cancel_prefix: str | None = None
) -> tuple[ibis.Table, int]:
    """``lines`` with each matched return line moved to the order it reverses.

    Args:
        lines: valid lines with ``order_id``, ``customer_id``, ``order_ts``,
            ``product_id``, ``quantity`` and ``_row``.
        cancel_prefix: an order id starting with it is a return document.

    Returns:
        The lines with ``order_id`` updated, the boolean columns :data:`MOVED` and
        :data:`RETURN` and the document id :data:`DOCUMENT`, and the number of return
        documents in ``lines``. What was booked
        is counted once the load knows which lines are new
        (:func:`segmint.mart.returns_report.booked_returns`).
    """
    per_order = lines.group_by("order_id").aggregate(_top=lines.quantity.max())
    is_document = per_order._top < 0
    if cancel_prefix:
        is_document = is_document | per_order.order_id.startswith(cancel_prefix)
    documents = temp(mart, per_order.filter(is_document).select("order_id"))
    n_documents = count(documents)
    if not n_documents:
        none = {MOVED: ibis.literal(False), RETURN: ibis.literal(False)}
        return lines.mutate(**none, **{DOCUMENT: ibis.null("string")}), 0
    returning = lines.semi_join(documents, "order_id").filter(lines.quantity < 0)
    sales = lines.anti_join(documents, "order_id").filter(lines.quantity > 0)
    sales = sales.select(*SALE).union(_loaded_sales(mart, returning))
    matched = temp(mart, _match(returning, sales))
    moved = lines.left_join(matched, ROW, rname="{name}_match")
    in_document = moved.order_id.isin(documents.order_id)
    result = moved.select(
        *[c for c in lines.columns if c != "order_id"],
        order_id=moved._original.coalesce(moved.order_id),
        **{
            MOVED: moved._original.notnull(),
            RETURN: (moved.quantity < 0) & in_document,
            DOCUMENT: ibis.cases((in_document, moved.order_id), else_=ibis.null("string")),
        },
    )
    return result, n_documents


SALE = ("customer_id", "product_id", "order_ts", "order_id")
"""What matching needs of a sale line."""


def _loaded_sales(mart: Mart, returning: ibis.Table) -> ibis.Table:
    """The sale lines already in the mart of the customers with returns in the file."""
    orders = mart.table("orders").semi_join(returning.select("customer_id"), "customer_id")
    lines = mart.table("order_lines").filter(ibis._.quantity > 0)
    joined = lines.inner_join(orders, "order_id")
    return joined.select(*SALE).distinct()


def _match(returning: ibis.Table, sales: ibis.Table) -> ibis.Table:
    """``_row`` of each matched return line and ``_original``, the order it reverses."""
    by_product = sales.filter(sales.product_id.notnull())
    product_orders = by_product.group_by(["customer_id", "product_id", "order_ts"]).aggregate(
        _original=by_product.order_id.max()
    )
    any_orders = sales.group_by(["customer_id", "order_ts"]).aggregate(
        _original=sales.order_id.max()
    )
    named = returning.filter(returning.product_id.notnull())
    unnamed = returning.filter(returning.product_id.isnull())
    left = named.select(ROW, "customer_id", "product_id", _at=named.order_ts)
    right = product_orders.rename(_p_customer="customer_id", _p_product="product_id")
    first = left.asof_join(
        right,
        on=left._at >= right.order_ts,
        predicates=[left.customer_id == right._p_customer, left.product_id == right._p_product],
    ).select(ROW, "_original")
    left2 = unnamed.select(ROW, "customer_id", _at=unnamed.order_ts)
    right2 = any_orders.rename(_p_customer="customer_id")
    second = left2.asof_join(
        right2,
        on=left2._at >= right2.order_ts,
        predicates=[left2.customer_id == right2._p_customer],
    ).select(ROW, "_original")
    both = first.union(second)
    return both.filter(both._original.notnull())


STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "returned": ("returned", "partially_returned", "partially returned"),
    "cancelled": (
        "cancelled",
        "canceled",
        "voided",
        "void",
        "refunded",
        "failed",
        "pending",
        "pending payment",
        "declined",
        "expired",
    ),
}


def _words() -> dict[str, str]:
    completed = (
        "completed",
        "complete",
        "paid",
        "processing",
        "on-hold",
        "on hold",
        "fulfilled",
        "shipped",
        "delivered",
        "closed",
        "authorized",
        "partially_paid",
        "partially paid",
        "partially_refunded",
        "partially refunded",
    )
    words = dict.fromkeys(completed, "completed")
    for status in ("returned", "cancelled"):
        words.update(dict.fromkeys(STATUS_WORDS[status], status))
    return words


STATUSES_READ = _words()
"""Status words of exports (Shopify's financial status, WooCommerce's order status) and
the mart status each means. A fully refunded, voided, failed or unpaid order never
happened commercially: ``cancelled``. Other words leave the status to the lines."""


def status_of(text: ibis.Value) -> ibis.StringValue:
    """The mart status a status word means (NULL for a word not in :data:`STATUSES_READ`)."""
    word = trimmed(text.cast("string")).lower()
    cases = [(word == w, ibis.literal(s)) for w, s in STATUSES_READ.items()]
    status: ibis.StringValue = ibis.cases(*cases, else_=ibis.null("string"))
    return status


def order_status(lines: ibis.Table) -> ibis.StringValue:
    """An order's status from its lines, as an aggregate over one order's ``lines``.

    ``cancelled`` when a line has a ``cancelled_at`` or the file's status word says so;
    ``returned`` (or ``cancelled`` when the returns cancel the whole value) for an order
    with matched returns; ``cancelled`` for a return document of unmatched lines; else
    the file's status word, or ``completed``.
    """
    value = (lines.quantity * lines.unit_price).sum()
    has_returns = lines[MOVED].any()
    said = status_of(lines.status).min()
    status: ibis.StringValue = ibis.cases(
        (lines.cancelled_at.notnull().any() | (said == "cancelled"), "cancelled"),
        (has_returns & (value <= 0.005), "cancelled"),
        (has_returns, "returned"),
        (lines.quantity.max() < 0, "cancelled"),
        else_=said.coalesce("completed"),
    )
    return status


_SAME = ("order_id", "_segmint_product", "quantity", "unit_price")
"""What makes two return lines of one order the same return (a missing product as ``""``)."""

_LINE = ("order_id", "line_no")
"""The key of an order line."""


def number_late_returns(mart: Mart, lines: ibis.Table) -> ibis.Table:
    """``lines`` with the return lines booked on an order of an earlier load renumbered.

    Such a line (moved onto an order that has lines in the mart, whether or not the file
    sends the order's own lines again) takes the number of the same return line already
    loaded (the first equal line for the first equal return, and so on), so it is a
    duplicate; else it is numbered after the order's lines, those in the mart and those
    the file sends, in file order. Numbering it within the file instead would give it the
    number of a return booked by an earlier load: quarantined as other content when it
    differs, or booked again under a new number when a new return comes first.

    The mart's lines at the numbers of the order's own lines in the file are those lines,
    not returns: a negative line inside a sale is never taken for a booked return.

    Args:
        lines: numbered lines (``line_no``) with :data:`MOVED`, ``_row`` and the values.
    """
    loaded = mart.table("order_lines")
    late = lines.filter(lines[MOVED]).semi_join(loaded.select("order_id"), "order_id")
    if not count(late):
        return lines
    orders = late.select("order_id").distinct()
    own = lines.filter(~lines[MOVED]).semi_join(orders, "order_id").select(*_LINE)
    late = late.mutate(_segmint_product=late.product_id.fill_null(""))
    late = late.mutate(_segmint_k=ibis.row_number().over(group_by=list(_SAME), order_by=ROW))
    earlier = loaded.filter(loaded.quantity < 0).semi_join(orders, "order_id")
    earlier = earlier.anti_join(own, list(_LINE))
    earlier = earlier.mutate(_segmint_product=earlier.product_id.fill_null(""))
    earlier = earlier.select(
        *_SAME,
        _segmint_k=ibis.row_number().over(group_by=list(_SAME), order_by="line_no"),
        _segmint_old=earlier.line_no,
    )
    paired = late.left_join(earlier, [*_SAME, "_segmint_k"], rname="{name}_old")
    paired = paired.select(ROW, "order_id", "_segmint_old")
    taken = loaded.semi_join(orders, "order_id").select(*_LINE).union(own, distinct=False)
    last = taken.group_by("order_id").aggregate(_segmint_last=taken.line_no.max())
    fresh = paired.filter(paired._segmint_old.isnull()).inner_join(last, "order_id")
    fresh = fresh.select(
        ROW,
        _segmint_new=fresh._segmint_last
        + ibis.row_number().over(group_by="order_id", order_by=fresh[ROW])
        + 1,
    )
    numbers = paired.left_join(fresh, ROW, rname="{name}_fresh")
    numbers = temp(
        mart, numbers.select(ROW, _segmint_no=numbers._segmint_old.coalesce(numbers._segmint_new))
    )
    renumbered = lines.left_join(numbers, ROW, rname="{name}_n")
    return renumbered.select(
        *[c for c in lines.columns if c != "line_no"],
        line_no=renumbered._segmint_no.coalesce(renumbered.line_no).cast("int32"),
    )


def loaded_order_status(mart: Mart, new: ibis.Table) -> Update | None:
    """The new status of the orders of earlier loads that receive return lines in ``new``
    (the lines this load adds): ``cancelled`` when all their lines together are worth
    nothing, else ``returned``; an order already ``cancelled`` stays so."""
    orders = mart.table("orders")
    late = new.filter(new[MOVED]).select("order_id").distinct()
    late = late.semi_join(orders.select("order_id"), "order_id")
    if not count(late):
        return None
    stored = mart.table("order_lines").semi_join(late, "order_id")
    both = stored.select("order_id", "quantity", "unit_price").union(
        new.semi_join(late, "order_id").select("order_id", "quantity", "unit_price"),
        distinct=False,
    )
    value = both.group_by("order_id").aggregate(_value=(both.quantity * both.unit_price).sum())
    joined = value.inner_join(orders.select("order_id", "status"), "order_id")
    status = ibis.cases(
        (joined.status == "cancelled", "cancelled"),
        (joined._value <= 0.005, "cancelled"),
        else_="returned",
    )
    rows = temp(mart, joined.select("order_id", status=status))
    return Update("orders", "order_id", ("status",), rows, overwrite=True)
