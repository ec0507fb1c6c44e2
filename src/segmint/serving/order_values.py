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

While the totals the loads keep match the mart (:mod:`segmint.features.order_totals`), the
copy reads them (:data:`TOTALS_SQL`) and sums no line: at a million customers 2.9 CPU
seconds instead of 5.7 (in process, one run each, with the parts a server cuts).

The copy reads the orders in ranges of order ids (:func:`order_parts`), not of customers:
orders and their lines are usually stored in the order of their ids (as files list them),
so the engine reads each range's lines once, where a range of customers holds orders from
every part of the lines and each such part read all of them (at a million customers, six
parts read the 16.7 million lines six times). The rows are grouped by customer once every
range is read (:func:`segmint.serving.sorted_table.regrouped_table`).
"""

from __future__ import annotations

from segmint.features import order_totals
from segmint.mart import Mart
from segmint.serving.sorted_table import KEY, Part, SortedTable, regrouped_table

RECENT = 20
"""Orders (and events) a view shows, latest first: the most a customer's copy keeps."""

ORDER_COLUMNS = ["order_id", "order_ts", "channel", "status", "value", "lines"]
"""What the view shows of an order."""

VALUE_SQL = "sum(quantity * unit_price - coalesce(discount, 0.0)) AS value, count(*) AS lines"
"""An order's value and number of lines: one definition for the copy and the probe."""

IN_RANGE = (
    "(($1::VARCHAR IS NULL AND order_id IS NULL) OR "
    "(($1::VARCHAR IS NULL OR order_id >= $1) AND ($2::VARCHAR IS NULL OR order_id < $2)))"
)
"""A statement's condition for the rows of one range of order ids (a
:data:`~segmint.serving.sorted_table.Part` of order ids: its first two parameters); rows
without an order id are in the first range."""

HISTORY_SQL = f"""
WITH mine AS (
    SELECT {KEY}, order_id, order_ts, channel, status FROM orders WHERE {IN_RANGE}
),
sums AS (
    SELECT order_id, {VALUE_SQL} FROM order_lines WHERE {IN_RANGE} GROUP BY order_id
)
SELECT o.{KEY}, o.order_id, o.order_ts, o.channel, o.status, s.value, s.lines
FROM mine o LEFT JOIN sums s ON o.order_id = s.order_id
"""
"""The orders of one range of order ids (:data:`IN_RANGE`) with their value and lines, in
any order (grouped by customer, latest first, once every range is read)."""

TOTALS_SQL = f"""
SELECT {KEY}, order_id, order_ts, channel, status, net AS value, lines
FROM order_totals WHERE {IN_RANGE}
"""
"""The same rows from the kept totals: ``net`` is the lines' sum and ``lines`` their count,
both null for an order without lines, as the join of :data:`HISTORY_SQL` gives them."""

SAMPLED = 10_000
"""Order ids read to cut the ranges at (about as many): evenly spaced ones of them cut
ranges that hold about as many orders."""

SAMPLE_SQL = "SELECT order_id FROM orders WHERE rowid % $1 = 0"
"""The order ids of every ``$1``-th stored row: a systematic sample, read in a twentieth of
the time of a random sample of as many rows (0.05 s instead of 0.2-0.3 s at 8.8 million
orders, on the way to a server's being ready)."""

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
    :data:`ORDER_COLUMNS`, read in ``parts``, ranges of order ids (default: one, every
    order; :func:`order_parts` cuts them); None when a column's type would not come out of
    Arrow exactly as out of the engine."""
    parts = parts or [(None, None)]
    sql = TOTALS_SQL if order_totals.kept(mart) is not None else HISTORY_SQL
    return regrouped_table(mart.raw, sql, [], ORDER_COLUMNS, "order_ts", most, parts)


def order_parts(mart: Mart, count: int) -> list[Part]:
    """About ``count`` ranges of order ids holding about as many orders each, cut at evenly
    spaced ids of a sample of the orders (one range, every order, when ``count`` is 1 or
    less or the orders are few); in the engine's order of text, their bytes."""
    if count <= 1:
        return [(None, None)]
    counted = mart.raw.execute("SELECT count(*) FROM orders").fetchone()
    step = max((counted[0] if counted else 0) // SAMPLED, 1)
    rows = mart.raw.execute(SAMPLE_SQL, [step]).fetchall()
    found = {row[0] for row in rows if row[0] is not None}
    sample = sorted(found, key=str.encode)
    if len(sample) < count:
        return [(None, None)]
    cuts: list[str | None] = [sample[len(sample) * i // count] for i in range(1, count)]
    return list(zip([None, *cuts], [*cuts, None], strict=True))


def probe(mart: Mart, order_ids: list[str]) -> dict[str, OrderValue]:
    """The value and lines of ``order_ids`` summed by the engine now (orders without lines
    are absent)."""
    if not order_ids:
        return {}
    rows = mart.raw.execute(PROBE_SQL, [min(order_ids), max(order_ids), order_ids]).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}
