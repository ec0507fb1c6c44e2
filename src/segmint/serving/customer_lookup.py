"""Point lookups of one customer's rows, and of a page of customers by id, without Ibis.

The 360° view (:mod:`segmint.views.customer_view`) is the dashboard's hottest path (a
third of its calls). Everything but the recent events is read from the server's sorted
in-process copies (:class:`segmint.serving.sorted_copies.SortedCopies`) by a binary search;
the events, and whatever has no copy (before the warmer built them, after a commit to the
mart for the orders, and in tests, to check the copies), come from fixed, parameterised
DuckDB statements on the request's cursor, with the same rows in the same order. Statements
rather than Ibis expressions, because compiling an Ibis expression costs more than the
lookup itself (20-40 ms against 1-3 ms), and without ``pandas``
(:func:`segmint.serving.frames.row_records` gives the values
:func:`~segmint.serving.frames.records` would). The customer's id is always a bound
parameter, never text in the statement, and table names come from this module's own
constants. ``orders`` and ``events`` are stored in ``customer_id`` order, so DuckDB's zone
maps skip all but one or two row groups. Each lookup filters the customer's rows first
(``AS MATERIALIZED``) and only then sorts them, so DuckDB cannot turn the top-20 into a scan
of the whole table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb

from segmint.mart import Mart
from segmint.mart.identifiers import quoted
from segmint.segmentation import runs
from segmint.serving import histories, order_values, score_table
from segmint.serving.frames import row_records
from segmint.serving.order_values import RECENT
from segmint.serving.sorted_copies import SortedCopies
from segmint.serving.sorted_table import Rows

INGEST = ("ingest_id",)

SEARCH_COLUMNS = ("customer_id", "signup_date", "country", "region", "acquisition_channel")
"""What a list of customers shows of each."""

ROWS_SQL = "SELECT * FROM {table} WHERE customer_id = $1"
FEATURES_SQL = "SELECT * FROM {table} WHERE customer_id = $1 AND as_of = $2"
SEGMENTS_SQL = histories.segment_runs("customer_id = $1")
KEPT_SEGMENTS_SQL = histories.kept_runs("customer_id = $1")
SCORES_SQL = histories.latest_scores("customer_id = $1")
EVENTS_SQL = f"""
WITH mine AS MATERIALIZED (SELECT * FROM events WHERE customer_id = $1)
SELECT * FROM mine ORDER BY event_ts DESC LIMIT {RECENT}
"""
ORDERS_SQL = f"""
WITH mine AS MATERIALIZED (
    SELECT order_id, order_ts, channel, status FROM orders WHERE customer_id = $1
)
SELECT * FROM mine ORDER BY order_ts DESC LIMIT {RECENT}
"""
CUSTOMERS_BY_ID_SQL = (
    f"SELECT {', '.join(SEARCH_COLUMNS)} FROM customers "
    "WHERE customer_id IN (SELECT unnest($1::VARCHAR[])) ORDER BY customer_id"
)


def table_rows(mart: Mart, copies: SortedCopies, table: str, customer_id: str) -> Rows:
    """The customer's rows of ``table`` (``customers``, ``consents``, ``customer_pii``…)."""
    return lookup(mart.raw, copies, table, ROWS_SQL, customer_id)


def table_records(
    mart: Mart, copies: SortedCopies, table: str, customer_id: str
) -> list[dict[str, Any]]:
    """:func:`table_rows` as JSON-ready records, without ``ingest_id``."""
    return row_records(*table_rows(mart, copies, table, customer_id), INGEST)


def feature_records(
    mart: Mart, copies: SortedCopies, customer_id: str, day: dt.date
) -> list[dict[str, Any]]:
    """The customer's features as of ``day`` (one record, or none), without id and date."""
    found = copies.feature_rows(day, customer_id)
    if found is None:
        found = query(mart.raw, FEATURES_SQL.format(table=quoted("features")), customer_id, day)
    return row_records(*found, ("customer_id", "as_of"))


def segment_history(mart: Mart, copies: SortedCopies, customer_id: str) -> list[dict[str, Any]]:
    """The customer's runs of equal segments per segmentation, from the first (those the
    store keeps, :mod:`segmint.segmentation.runs`, or on a mart stored before it kept them
    by the current rule :func:`segmint.serving.histories.segment_runs`)."""
    found = copies.rows("assignments", customer_id)
    if found is None:
        sql = KEPT_SEGMENTS_SQL if runs.current(mart) else SEGMENTS_SQL
        found = query(mart.raw, sql, customer_id)
    return row_records(*found)


def score_records(mart: Mart, copies: SortedCopies, customer_id: str) -> list[dict[str, Any]]:
    """The customer's value of each score from that score's latest run, latest date first;
    none when the mart has no scores table."""
    known = copies.has_scores()
    if not (score_table.has_scores(mart) if known is None else known):
        return []
    return row_records(*lookup(mart.raw, copies, score_table.SCORES_TABLE, SCORES_SQL, customer_id))


def recent_events(mart: Mart, customer_id: str) -> list[dict[str, Any]]:
    """The customer's latest :data:`RECENT` events, read from the mart (never copied)."""
    return row_records(*query(mart.raw, EVENTS_SQL, customer_id), INGEST)


def recent_orders(mart: Mart, copies: SortedCopies, customer_id: str) -> list[dict[str, Any]]:
    """The latest orders with their value and number of lines (None when it has none): from
    the server's copy while it is current, else by two lookups in the mart (the orders, then
    the sums of their lines)."""
    found = copies.recent_orders(mart, customer_id, RECENT)
    if found is not None:
        return row_records(*found)
    columns, rows = query(mart.raw, ORDERS_SQL, customer_id)
    values = order_values.probe(mart, [row[0] for row in rows])
    joined = [(*row, *values.get(row[0], (None, None))) for row in rows]
    return row_records([*columns, "value", "lines"], joined)


def customers_by_id(
    mart: Mart, ids: Sequence[str], copies: SortedCopies | None = None
) -> list[dict[str, Any]]:
    """``SEARCH_COLUMNS`` of the customers ``ids``, in id order, as ``records`` gives them.

    Read from the server's sorted copy of ``customers`` when built (a binary search per id),
    else by one parameterised statement on the request's cursor, which scans every customer
    (5 ms at a million). A page of members is read at every click, and an Ibis expression
    costs more to compile than either lookup to run.
    """
    if not ids:
        return []
    ordered = sorted(set(ids), key=str.encode)  # the engine's order of text: its bytes
    found = copies.rows_of("customers", ordered) if copies is not None else None
    if found is not None and set(SEARCH_COLUMNS) <= set(found[0]):
        kept = [found[0].index(name) for name in SEARCH_COLUMNS]
        rows = [tuple(row[i] for i in kept) for row in found[1]]
        return row_records(list(SEARCH_COLUMNS), rows)
    return row_records(*query(mart.raw, CUSTOMERS_BY_ID_SQL, list(ids)))


def query(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> Rows:
    """The column names and rows of ``sql`` run with bound ``params``."""
    cursor = con.execute(sql, list(params))
    columns = [d[0] for d in cursor.description or ()]
    return columns, cursor.fetchall()


def lookup(
    con: duckdb.DuckDBPyConnection, copies: SortedCopies, table: str, sql: str, customer_id: str
) -> Rows:
    """The customer's rows of ``table`` from its sorted copy, or by ``sql`` on the mart's
    table when there is no copy."""
    found = copies.rows(table, customer_id)
    return found if found is not None else query(con, sql.format(table=quoted(table)), customer_id)
