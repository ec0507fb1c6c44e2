"""The 360° view of one customer: profile, features, segment history, scores, recent orders
and events, consents and (when allowed) personal data, read by a few point lookups.

This is the dashboard's hottest path (a third of its calls). Everything but the recent
events is read from the server's sorted in-process copies
(:class:`segmint.web.sorted_copies.SortedCopies`) by a binary search; the events, and
whatever has no copy (before the warmer built them, after a commit to the mart for the
orders, and in tests, to check the copies), come from fixed, parameterised DuckDB statements
on the request's cursor, with the same rows in the same order. Statements rather than Ibis
expressions, because compiling an Ibis expression costs more than the lookup itself (20-40
ms against 1-3 ms), and without ``pandas`` (:func:`segmint.web.frames.row_records` gives the
values :func:`records` would). The customer's id is always a bound parameter, never text in
the statement. ``orders`` and ``events`` are stored in ``customer_id`` order, so DuckDB's
zone maps skip all but one or two row groups. Each lookup filters the customer's rows first
(``AS MATERIALIZED``) and only then sorts them, so DuckDB cannot turn the top-20 into a scan
of the whole table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

from segmint.exceptions import MartError
from segmint.features import stored_dates
from segmint.mart import Mart
from segmint.web import coarse, order_values, scores
from segmint.web.frames import row_records
from segmint.web.sorted_copies import SortedCopies
from segmint.web.sorted_table import Rows

RECENT = 20
"""Orders and events shown, latest first."""

INGEST = ("ingest_id",)

ROWS_SQL = "SELECT * FROM {table} WHERE customer_id = $1"
FEATURES_SQL = "SELECT * FROM {table} WHERE customer_id = $1 AND as_of = $2"
SEGMENTS_SQL = """
SELECT segmentation, as_of, segment, version FROM {table} WHERE customer_id = $1
ORDER BY segmentation, as_of, version DESC
"""
SCORES_SQL = """
WITH mine AS MATERIALIZED (
    SELECT as_of, model, score_name, value FROM {table} WHERE customer_id = $1
)
SELECT * FROM mine ORDER BY as_of DESC, score_name, model
"""
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


@dataclass
class Customer360:
    """Everything known about one customer, as JSON-ready parts."""

    customer_id: str
    profile: dict[str, Any]
    features_as_of: str | None
    features: dict[str, Any]
    segments: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    events: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    pii: dict[str, Any] | None = None
    messages: list[str] = field(default_factory=list)


def customer_360(
    mart: Mart,
    customer_id: str,
    include_pii: bool = False,
    feature_dates: list[dt.date] | None = None,
    copies: SortedCopies | None = None,
    *,
    exact: bool | None = None,
) -> Customer360:
    """The 360° view of ``customer_id``: profile, latest features, segment history, scores,
    recent orders with their value, recent events and consents (and PII when allowed).

    Args:
        mart: the mart (the request's cursor).
        customer_id: whose view.
        include_pii: also read ``customer_pii`` (admins only).
        feature_dates: the stored feature dates when the caller has them at hand.
        copies: the server's sorted in-memory copies, read where built.
        exact: show the quasi-identifiers as stored (birth year, city, postcode, raw event
            properties); else they are coarsened by :mod:`segmint.web.coarse`. Default:
            exact when ``include_pii`` (admins), coarse otherwise.

    Raises:
        MartError: no customer with that id.
    """
    con = mart.raw
    copies = copies or SortedCopies()
    columns, rows = _lookup(con, copies, "customers", ROWS_SQL, customer_id)
    if not rows:
        raise MartError(
            f"no customer with id '{customer_id}'. Search for ids at /api/v1/customers?q=..."
        )
    result = Customer360(
        customer_id=customer_id,
        profile=row_records(columns, rows, INGEST)[0],
        features_as_of=None,
        features={},
        segments=_segment_history(con, copies, customer_id),
        scores=(
            row_records(*_lookup(con, copies, scores.SCORES_TABLE, SCORES_SQL, customer_id))
            if _has_scores(mart, copies)
            else []
        ),
        orders=_recent_orders(mart, copies, customer_id),
        events=row_records(*_query(con, EVENTS_SQL, customer_id), INGEST),
        consents=row_records(*_lookup(con, copies, "consents", ROWS_SQL, customer_id), INGEST),
    )
    dates = stored_dates(mart) if feature_dates is None else feature_dates
    if dates:
        found = copies.feature_rows(dates[-1], customer_id)
        if found is None:
            found = _query(con, FEATURES_SQL.format(table="features"), customer_id, dates[-1])
        mine = row_records(*found, ("customer_id", "as_of"))
        result.features_as_of = dates[-1].isoformat()
        result.features = mine[0] if mine else {}
    else:
        result.messages.append("No stored features yet: run `segmint features`.")
    if not result.scores:
        result.messages.append(scores.NO_CLV)
    if include_pii:
        pii = row_records(*_lookup(con, copies, "customer_pii", ROWS_SQL, customer_id), INGEST)
        result.pii = pii[0] if pii else {}
    if not (include_pii if exact is None else exact):
        year = coarse.reference_year(result.features_as_of)
        result.profile = coarse.coarse_profile(result.profile, year)
        result.features = coarse.coarse_features(result.features)
        result.events = coarse.coarse_events(result.events)
    return result


def _segment_history(
    con: duckdb.DuckDBPyConnection, copies: SortedCopies, customer_id: str
) -> list[dict[str, Any]]:
    """The customer's segment per segmentation and date, from the latest version that holds
    the customer (the rows come newest version first)."""
    columns, rows = _lookup(con, copies, "assignments", SEGMENTS_SQL, customer_id)
    seen: set[tuple[Any, Any]] = set()
    latest = []
    for row in rows:
        if (row[0], row[1]) not in seen:
            seen.add((row[0], row[1]))
            latest.append(row)
    return row_records(columns, latest, ("version",))


def _recent_orders(mart: Mart, copies: SortedCopies, customer_id: str) -> list[dict[str, Any]]:
    """The latest orders with their value and number of lines (None when it has none): from
    the server's copy while it is current, else by two lookups in the mart (the orders, then
    the sums of their lines)."""
    found = copies.recent_orders(mart, customer_id, RECENT)
    if found is not None:
        return row_records(*found)
    columns, rows = _query(mart.raw, ORDERS_SQL, customer_id)
    values = order_values.probe(mart, [row[0] for row in rows])
    joined = [(*row, *values.get(row[0], (None, None))) for row in rows]
    return row_records([*columns, "value", "lines"], joined)


def _has_scores(mart: Mart, copies: SortedCopies) -> bool:
    known = copies.has_scores()
    return scores.has_scores(mart) if known is None else known


def _query(
    con: duckdb.DuckDBPyConnection, sql: str, *params: Any
) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = con.execute(sql, list(params))
    columns = [d[0] for d in cursor.description or ()]
    return columns, cursor.fetchall()


def _lookup(
    con: duckdb.DuckDBPyConnection, copies: SortedCopies, table: str, sql: str, customer_id: str
) -> Rows:
    """The customer's rows of ``table`` from its sorted copy, or by ``sql`` on the mart's
    table when there is no copy."""
    found = copies.rows(table, customer_id)
    return found if found is not None else _query(con, sql.format(table=table), customer_id)
