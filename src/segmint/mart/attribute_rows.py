"""File columns turned into ``customer_attributes`` rows, in the engine.

Two shapes of file give attributes:

* a **customers** file (one row per customer): every column that is not a customers
  column becomes an attribute of the row's customer (:func:`melt`, :func:`new_attributes`);
* a **transactions** file (many rows per customer): a column whose value is the same on
  all of a customer's rows (country, city, a loyalty tier) is *customer-level*
  (:func:`customer_level`); it gives each customer its history of values: one row per run
  of equal values, dated by the run's first order (:func:`value_history`), so features read
  the value current at their as-of day; customers whose rows disagree are counted and
  shown (:func:`disagreements`).

Values are stored as text (integral floats without ``.0``), empty values are left out,
and a (customer, name) already in the mart keeps its rows: nothing is overwritten. A later
file's values dated after the pair's latest row extend its history, an earlier file's
dated before its first row go back with it, and one that disagrees with the mart's value
at its time is reported as a conflict (:mod:`segmint.mart.attribute_history`).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from segmint.mart.connection import Mart
from segmint.mart.parsing import blank_to_null, parse_text
from segmint.mart.plan import temp
from segmint.mart.schema import TABLES
from segmint.mart.validation import ROW

_ATTRIBUTES = TABLES["customer_attributes"]
CUSTOMER_LEVEL_NAMES = frozenset(
    {
        "country",
        "country_code",
        "city",
        "town",
        "region",
        "state",
        "province",
        "county",
        "postcode",
        "zip",
        "zip_code",
        "postal_code",
        "segment",
        "customer_segment",
        "customer_type",
        "tier",
        "loyalty_tier",
        "loyalty",
        "loyalty_status",
        "membership",
        "member_type",
        "gender",
        "age",
        "age_band",
        "age_group",
        "income",
        "income_band",
    }
)
"""Attribute names that are customer-level on a transactions file whatever the data says."""

MAX_VARYING_SHARE = 0.02
"""A column is customer-level when at most this share of customers with several values
disagree with themselves (a typo, a move) — and at least one customer has several rows."""


@dataclass(frozen=True)
class Conflicts:
    """Customers whose rows give a column more than one value: how many, and examples."""

    n_customers: int
    examples: tuple[str, ...]

    def note(self, kept: str = "the latest was kept") -> str:
        """``3 customers had more than one value (the latest was kept), e.g. c1: UK, FR``;
        ``kept`` says what became of the values."""
        if not self.n_customers:
            return ""
        shown = "; ".join(self.examples)
        return f"{self.n_customers:,} customers had more than one value ({kept}), e.g. {shown}"


def _text(value: ibis.Value) -> ibis.Value:
    return parse_text(blank_to_null(value))


def melt(rows: ibis.Table, names: dict[str, str], source: str) -> ibis.Table:
    """One row per (source row, column of ``names``) with a value: ``_row``, ``customer_id``,
    ``name``, ``value`` (text), ``source``, and ``updated_at`` from ``rows`` when it has it."""
    dated = "updated_at" in rows.columns
    parts = []
    for column, name in names.items():
        value = _text(rows[column]).cast("string")
        parts.append(
            rows.select(
                ROW,
                "customer_id",
                name=ibis.literal(name),
                value=value,
                source=ibis.literal(source),
                updated_at=rows.updated_at if dated else ibis.null("timestamp"),
            ).filter(ibis._.value.notnull())
        )
    melted = parts[0]
    for part in parts[1:]:
        melted = melted.union(part)
    return melted


def new_attributes(mart: Mart, melted: ibis.Table) -> ibis.Table:
    """``melted`` rows whose (customer, name) is new: the first row wins within the file (a
    pair already in the mart: :mod:`segmint.mart.attribute_history`). Keeps ``_row`` (for
    the accounting)."""
    existing = mart.table("customer_attributes").select("customer_id", "name")
    return temp(mart, first_values(melted).anti_join(existing, ["customer_id", "name"]))


def first_values(melted: ibis.Table) -> ibis.Table:
    """The first row (in file order) of each (customer, name) of ``melted``: a customers
    file gives a customer one value per name."""
    first = melted.mutate(
        _segmint_rank=ibis.row_number().over(group_by=["customer_id", "name"], order_by=ROW)
    )
    return first.filter(first._segmint_rank == 0).drop("_segmint_rank")


def as_attribute_rows(new: ibis.Table) -> ibis.Table:
    """The ``customer_attributes`` columns of :func:`new_attributes` rows."""
    return new.select(*_ATTRIBUTES.column_names)


def customer_level(mart: Mart, lines: ibis.Table, columns: list[str]) -> dict[str, bool]:
    """Which of ``columns`` hold one value per customer on ``lines`` (see the module docstring).

    One aggregate per column over the customers with at least one value.
    """
    if not columns:
        return {}
    found: dict[str, bool] = {}
    for column in columns:
        value = _text(lines[column])
        per = (
            lines.filter(value.notnull())
            .group_by("customer_id")
            .aggregate(n_rows=ibis._.count(), n_values=value.nunique())
        )
        stats = per.aggregate(
            several=(per.n_rows > 1).sum().fill_null(0),
            varying=(per.n_values > 1).sum().fill_null(0),
        ).execute()
        several, varying = int(stats.several.iloc[0]), int(stats.varying.iloc[0])
        found[column] = several > 0 and varying <= MAX_VARYING_SHARE * several
    return found


def empty_columns(lines: ibis.Table, columns: list[str]) -> set[str]:
    """Which of ``columns`` have no value (blank text counts as none) on any of ``lines``."""
    if not columns:
        return set()
    counts = lines.aggregate(**{c: _text(lines[c]).count() for c in columns}).execute()
    return {c for c in columns if int(counts[c].iloc[0]) == 0}


def disagreements(mart: Mart, lines: ibis.Table, column: str) -> Conflicts:
    """The customers whose rows of ``lines`` give ``column`` more than one value: how many,
    and the values of the first three (by id)."""
    value = _text(lines[column]).cast("string")
    valued = lines.select("customer_id", value=value).filter(value.notnull())
    per = valued.group_by("customer_id").aggregate(n_values=valued.value.nunique())
    disagree = temp(mart, per.filter(per.n_values > 1).select("customer_id"))
    n = int(disagree.count().execute())
    if not n:
        return Conflicts(0, ())
    some = disagree.order_by("customer_id").limit(3)
    pairs = valued.semi_join(some, "customer_id").distinct()
    frame = pairs.order_by(["customer_id", "value"]).execute()
    grouped = frame.groupby("customer_id")["value"].apply(lambda v: ", ".join(map(str, v)))
    return Conflicts(n, tuple(f"{c}: {v}" for c, v in grouped.items()))


def value_points(lines: ibis.Table, column: str, name: str, source: str) -> ibis.Table:
    """Each customer's value of ``column`` at each order time of ``lines`` (of rows at one
    time the last file row counts): ``_row``, ``customer_id``, ``name``, ``value``,
    ``source``, ``updated_at`` (the order's time)."""
    value = _text(lines[column]).cast("string")
    valued = lines.select(ROW, "customer_id", "order_ts", value=value).filter(value.notnull())
    at = valued.group_by(["customer_id", "order_ts"]).aggregate(
        _row=valued[ROW].max(), value=valued.value.argmax(valued[ROW])
    )
    return at.select(
        ROW,
        "customer_id",
        name=ibis.literal(name),
        value=at.value,
        source=ibis.literal(source),
        updated_at=at.order_ts,
    )


def value_history(points: ibis.Table) -> ibis.Table:
    """Of :func:`value_points`, one row per run of equal values of each (customer, name),
    dated by the run's first order: the customer's history of values.

    As of any day the latest row dated by then is the value the file showed then, so a
    customer has a value from their first order on whatever came later. Kept as the latest
    value alone, dated by the start of its last run, a value that changed was unknown
    before that run, and only for customers who ordered again: features of earlier days
    read the future from its absence (dated by the customer's last order, CDNOW's master
    id gave a churn model AUC 1.0 on its evaluation window).
    """
    pair = ["customer_id", "name"]
    before = points.value.lag().over(group_by=pair, order_by=points.updated_at)
    runs = points.mutate(_before=before)
    runs = runs.filter(runs._before.isnull() | (runs._before != runs.value))
    return runs.drop("_before")


def new_history(mart: Mart, history: ibis.Table) -> ibis.Table:
    """The rows of a :func:`value_history` whose (customer, name) the mart does not hold yet:
    a new pair gets its whole history (a pair the mart holds goes on from its latest row and
    back from its first: :mod:`segmint.mart.attribute_history`)."""
    existing = mart.table("customer_attributes").select("customer_id", "name")
    return temp(mart, history.anti_join(existing, ["customer_id", "name"]))
