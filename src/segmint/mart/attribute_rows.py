"""File columns turned into ``customer_attributes`` rows, in the engine.

Two shapes of file give attributes:

* a **customers** file (one row per customer): every column that is not a customers
  column becomes an attribute of the row's customer (:func:`melt`, :func:`new_attributes`);
* a **transactions** file (many rows per customer): a column whose value is the same on
  all of a customer's rows (country, city, a loyalty tier) is *customer-level*
  (:func:`customer_level`); it gives one attribute per customer holding the value of the
  customer's latest row, dated by the first row showing it with no other value after it,
  and customers whose rows disagree are counted and shown (:func:`latest_values`).

Values are stored as text (integral floats without ``.0``), empty values are left out,
and a (customer, name) already in the mart keeps its value: nothing is overwritten, and a
different value in the file is reported as a conflict (:func:`stored_conflicts`).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from segmint.mart.connection import Mart
from segmint.mart.parsing import blank_to_null, parse_text
from segmint.mart.plan import temp
from segmint.mart.schema import TABLES
from segmint.mart.updates import Conflicts as StoredConflicts
from segmint.mart.updates import value_conflicts
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

    def note(self) -> str:
        """``3 customers had more than one value (latest kept), e.g. c1: UK, FR``."""
        if not self.n_customers:
            return ""
        shown = "; ".join(self.examples)
        return (
            f"{self.n_customers:,} customers had more than one value (the latest was kept), "
            f"e.g. {shown}"
        )


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
    """``melted`` rows whose (customer, name) is new: the first row wins within the file,
    and a pair already in the mart is left as it is. Keeps ``_row`` (for the accounting)."""
    first = melted.mutate(
        _segmint_rank=ibis.row_number().over(group_by=["customer_id", "name"], order_by=ROW)
    )
    first = first.filter(first._segmint_rank == 0).drop("_segmint_rank")
    existing = mart.table("customer_attributes").select("customer_id", "name")
    return temp(mart, first.anti_join(existing, ["customer_id", "name"]))


def stored_conflicts(mart: Mart, melted: ibis.Table) -> dict[str, StoredConflicts]:
    """Per attribute name: the customers whose value in ``melted`` (the first per customer)
    differs from the value the mart already holds, which is kept."""
    first = melted.mutate(
        _segmint_rank=ibis.row_number().over(group_by=["customer_id", "name"], order_by=ROW)
    )
    first = first.filter(first._segmint_rank == 0)
    stored = mart.table("customer_attributes")
    old = stored.select("customer_id", "name", _old_value=stored.value)
    joined = first.inner_join(old, ["customer_id", "name"])
    differ = temp(mart, joined.filter(joined.value != joined._old_value.strip()))
    names = differ.select("name").distinct().name.execute()
    found: dict[str, StoredConflicts] = {}
    for name in sorted(str(n) for n in names):
        found[name] = value_conflicts(differ.filter(differ.name == name), "customer_id", "value")
    return found


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


def latest_values(
    mart: Mart, lines: ibis.Table, column: str, name: str, source: str
) -> tuple[ibis.Table, Conflicts]:
    """The customer's latest value of ``column`` on ``lines`` (by ``order_ts``, then file
    row), as ``_row``, ``customer_id``, ``name``, ``value``, ``source``, ``updated_at``
    (when the file first shows that value with no other one after it:
    :func:`_recorded_since`); and the customers whose rows disagree."""
    value = _text(lines[column]).cast("string")
    valued = lines.select(ROW, "customer_id", "order_ts", value=value).filter(value.notnull())
    key = ibis.struct({"at": valued.order_ts, "row": valued[ROW]})
    latest = valued.group_by("customer_id").aggregate(
        _row=valued[ROW].argmax(key),
        value=valued.value.argmax(key),
        n_values=valued.value.nunique(),
    )
    latest = temp(mart, latest.join(_recorded_since(valued, latest), "customer_id"))
    disagree = latest.filter(latest.n_values > 1)
    n = int(disagree.count().execute())
    examples: tuple[str, ...] = ()
    if n:
        some = disagree.order_by("customer_id").limit(3).select("customer_id")
        pairs = valued.semi_join(some, "customer_id").select("customer_id", "value").distinct()
        frame = pairs.order_by(["customer_id", "value"]).execute()
        grouped = frame.groupby("customer_id")["value"].apply(lambda v: ", ".join(map(str, v)))
        examples = tuple(f"{c}: {v}" for c, v in grouped.items())
    rows = latest.select(
        ROW,
        "customer_id",
        name=ibis.literal(name),
        value=latest.value,
        source=ibis.literal(source),
        updated_at=latest.updated_at,
    )
    return rows, Conflicts(n, examples)


def _recorded_since(valued: ibis.Table, latest: ibis.Table) -> ibis.Table:
    """Per customer, ``updated_at``: the first timestamp of the ``latest`` value's last run
    on the ``valued`` rows, i.e. the earliest row of it after every row of another value.

    Dated by its last row instead, a value the customer carried from the first order on
    was unknown as of every earlier day, and only for customers who ordered again: a
    churn model read the future from whether the value was known yet (CDNOW's master id,
    AUC 1.0 on the evaluation window).
    """
    rows = valued.join(latest.select("customer_id", latest=latest.value), "customer_id")
    other = rows.filter(rows.value != rows.latest)
    changed = other.group_by("customer_id").aggregate(changed_at=other.order_ts.max())
    same = rows.filter(rows.value == rows.latest).left_join(changed, "customer_id")
    run = same.filter(same.changed_at.isnull() | (same.order_ts >= same.changed_at))
    return run.group_by("customer_id").aggregate(updated_at=run.order_ts.min())
