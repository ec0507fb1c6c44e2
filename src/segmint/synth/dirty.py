"""Known bad rows injected into clean tables, to test ingestion and quarantine.

With a dirt rate ``rate``, about ``rate`` times the rows of each table below are
*added* as bad rows (clean rows are never altered), split evenly over the table's
kinds:

==========================  ================================================================
kind                        what the added row is
==========================  ================================================================
``bad_date``                a copy with a fresh key and an unparseable date or timestamp
``future_date``             a copy with a fresh key dated in 2091
``negative_price``          a copy with a fresh key and a negative price
``unknown_product``         an order line (fresh line number) naming a product not in products
``unknown_customer``        an order with a fresh key whose customer is not in customers
``conflicting_duplicate``   an order with the key of another but a different status and time
``exact_duplicate``         a byte-for-byte copy of another row
``malformed_line``          (CSV only) a line with too few or too many fields
==========================  ================================================================

Duplicates always come after their original, so a loader that keeps the first row
keeps the clean one. When dirt is asked for, date and timestamp columns of customers,
orders and events are written as ISO text, since a typed column cannot hold a bad
date. Loading a dirty file and setting every counted row aside gives back exactly the
clean table.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DIRTY_KINDS: tuple[str, ...] = (
    "bad_date",
    "future_date",
    "negative_price",
    "unknown_product",
    "unknown_customer",
    "conflicting_duplicate",
    "exact_duplicate",
    "malformed_line",
)
PLAN: dict[str, tuple[str, ...]] = {
    "customers": ("bad_date", "exact_duplicate"),
    "products": ("negative_price", "exact_duplicate"),
    "orders": (
        "bad_date",
        "future_date",
        "unknown_customer",
        "conflicting_duplicate",
        "exact_duplicate",
        "malformed_line",
    ),
    "order_lines": ("negative_price", "unknown_product", "exact_duplicate", "malformed_line"),
    "events": ("bad_date", "future_date", "exact_duplicate", "malformed_line"),
}
"""The kinds of dirt each table receives."""

DATE_COLUMNS: dict[str, str] = {
    "customers": "signup_date",
    "orders": "order_ts",
    "events": "event_ts",
}
"""The date or timestamp column of each table that can receive bad dates (written as text)."""

_KEYS = {
    "customers": "customer_id",
    "products": "product_id",
    "orders": "order_id",
    "events": "event_id",
}
_BAD_DATES = ("not a date", "2024-02-30 10:00:00", "13/45/2024", "32.13.2023")
_LINE_NO_SHIFT = {"negative_price": 500, "unknown_product": 600}


def as_text_dates(table_name: str, table: pa.Table) -> pa.Table:
    """``table`` with its date column (if any) as ISO text."""
    column = DATE_COLUMNS.get(table_name)
    if column is None:
        return table
    values = table.column(column)
    fmt = "%Y-%m-%d" if pa.types.is_date(values.type) else "%Y-%m-%d %H:%M:%S"
    text = pc.strftime(pc.cast(values, pa.timestamp("s")), fmt)
    return table.set_column(table.schema.get_field_index(column), column, text)


def _replace(
    table: pa.Table, column: str, values: pa.Array | pa.ChunkedArray | list[str]
) -> pa.Table:
    kind = table.schema.field(column).type
    array = (
        values.cast(kind)
        if isinstance(values, pa.Array | pa.ChunkedArray)
        else pa.array(values, kind)
    )
    return table.set_column(table.schema.get_field_index(column), column, array)


def _fresh_ids(prefix: str, tag: str, count: int) -> list[str]:
    return [f"{prefix}X{tag}{i:07d}" for i in range(count)]


def _corrupt(
    rng: np.random.Generator, table_name: str, kind: str, rows: pa.Table, tag: str
) -> pa.Table:
    """Turn ``rows`` (copies of clean rows) into bad rows of ``kind``."""
    n = rows.num_rows
    key = _KEYS.get(table_name)
    if kind in ("bad_date", "future_date", "negative_price", "unknown_customer") and key:
        rows = _replace(rows, key, _fresh_ids(key[0].upper(), f"{tag}{kind[:2]}", n))
    if kind == "bad_date":
        return _replace(rows, DATE_COLUMNS[table_name], list(rng.choice(_BAD_DATES, n)))
    if kind == "future_date":
        days = rng.integers(0, 365, n)
        future = [f"2091-{1 + d // 31 % 12:02d}-{1 + d % 28:02d} 12:00:00" for d in days]
        return _replace(rows, DATE_COLUMNS[table_name], future)
    if kind == "negative_price":
        column = "list_price" if table_name == "products" else "unit_price"
        rows = _replace(rows, column, pc.negate(pc.add(rows.column(column), 1.0)))
    if kind == "unknown_customer":
        return _replace(rows, "customer_id", _fresh_ids("C", tag, n))
    if kind == "unknown_product":
        rows = _replace(rows, "product_id", _fresh_ids("P", tag, n))
    if kind in _LINE_NO_SHIFT and table_name == "order_lines":
        rows = _replace(rows, "line_no", pc.add(rows.column("line_no"), _LINE_NO_SHIFT[kind]))
    if kind == "conflicting_duplicate":
        status = pc.if_else(pc.equal(rows.column("status"), "completed"), "returned", "completed")
        rows = _replace(rows, "status", status)
    return rows


def inject(
    rng: np.random.Generator, table_name: str, table: pa.Table, rate: float, tag: str
) -> tuple[pa.Table, Counter[str]]:
    """``table`` with bad rows added at ``rate``; returns it and the count per kind.

    ``malformed_line`` is only counted here (the CSV writer adds those lines).
    ``tag`` keeps fresh keys unique across chunks.
    """
    kinds = PLAN[table_name]
    n = table.num_rows
    counts: Counter[str] = Counter()
    parts, positions = [table], [np.arange(n, dtype=np.float64)]
    for kind in kinds:
        k = min(int(rng.binomial(n, rate / len(kinds))), n)
        if k == 0:
            continue
        counts[kind] = k
        if kind == "malformed_line":
            continue
        source = np.sort(rng.choice(n, size=k, replace=False))
        parts.append(_corrupt(rng, table_name, kind, table.take(pa.array(source)), tag))
        duplicate = kind in ("exact_duplicate", "conflicting_duplicate")
        positions.append(source + 0.5 if duplicate else rng.uniform(0, n, k))
    if len(parts) == 1:
        return table, counts
    order = np.argsort(np.concatenate(positions), kind="stable")
    return pa.concat_tables(parts).take(pa.array(order)), counts
