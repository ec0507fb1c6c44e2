"""Each order's value and number of lines: the engine's probe and the copy of every
customer's orders.

The 360° view shows a customer's latest orders with their net value
(``sum(quantity * unit_price - discount)`` over the order's lines, as the mart defines a
line's value) and number of lines. Probing ``order_lines`` for them on every view was its
dearest statement (about 6 ms of engine CPU at a million customers, over 16 million
lines), and finding the orders another 2 ms. :func:`order_history` sums every order once,
by the same ``GROUP BY`` the probe runs, and keeps each customer's latest :data:`RECENT`
orders (all a view shows) as a sorted in-process table, so the view reads them by a binary
search; :func:`probe` sums a few orders when the view reads the mart instead.
"""

from __future__ import annotations

from segmint.mart import Mart
from segmint.serving.sorted_table import IN_PART, KEY, Part, SortedTable, sorted_table

RECENT = 20
"""Orders (and events) a view shows, latest first: the most a customer's copy keeps."""

ORDER_COLUMNS = ["order_id", "order_ts", "channel", "status", "value", "lines"]
"""What the view shows of an order."""

VALUE_SQL = "sum(quantity * unit_price - coalesce(discount, 0.0)) AS value, count(*) AS lines"
"""An order's value and number of lines: one definition for the copy and the probe."""

HISTORY_SQL = f"""
WITH mine AS MATERIALIZED (
    SELECT {KEY}, order_id, order_ts, channel, status FROM orders WHERE {IN_PART}
),
sums AS (
    SELECT order_id, {VALUE_SQL} FROM order_lines
    WHERE order_id IN (SELECT order_id FROM mine) GROUP BY order_id
)
SELECT o.{KEY}, o.order_id, o.order_ts, o.channel, o.status, s.value, s.lines
FROM mine o LEFT JOIN sums s ON o.order_id = s.order_id
ORDER BY o.{KEY}, o.order_ts DESC
"""
"""The orders of one part of the customers (:data:`~segmint.serving.sorted_table.IN_PART`)
with their value and lines, each customer's latest first (the order of the view's
statement)."""

PROBE_SQL = f"""
SELECT order_id, {VALUE_SQL}
FROM order_lines
WHERE order_id BETWEEN $1 AND $2 AND order_id IN (SELECT unnest($3::VARCHAR[]))
GROUP BY order_id
"""
"""The same sums for a few orders, found by the range of their ids (lines are stored in
order id order) and the ids themselves."""

OrderValue = tuple[float | None, int]
"""An order's net value (None when every line's value is missing) and number of lines."""


def order_history(
    mart: Mart, most: int | None = RECENT, parts: list[Part] | None = None
) -> SortedTable | None:
    """Every customer's latest ``most`` orders (None: all), latest first, with columns
    :data:`ORDER_COLUMNS`, read in ``parts`` (default: one); None when a column's type
    would not come out of Arrow exactly as out of the engine."""
    parts = parts or [(None, None)]
    return sorted_table(mart.raw, HISTORY_SQL, [], ORDER_COLUMNS, most, parts)


def probe(mart: Mart, order_ids: list[str]) -> dict[str, OrderValue]:
    """The value and lines of ``order_ids`` summed by the engine now (orders without lines
    are absent)."""
    if not order_ids:
        return {}
    rows = mart.raw.execute(PROBE_SQL, [min(order_ids), max(order_ids), order_ids]).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}
