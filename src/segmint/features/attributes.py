"""Customer attributes (survey answers, interests, CRM stage…) pivoted to one column each.

``customer_attributes`` is long: one row per customer, attribute name and value. Each
attribute name seen up to the as-of day becomes a column holding the customer's latest
value up to that day: rows with ``updated_at`` before the end of the day, or with no
``updated_at`` (undated values count as known, and lose to any dated one). Ties on
``updated_at`` go to the greatest value, so the result never depends on row order.

Column names are the attribute names made into safe identifiers: lower case, runs of
anything but ``a-z0-9_`` become ``_``, a leading digit gets an ``attr_`` prefix. A name that
would collide with a built-in feature column (an attribute called ``gender``, say) or with
an earlier attribute column gets the suffix ``_attr`` (then ``_attr2``…).

An attribute whose every non-empty value up to the as-of day reads as a number is cast
to ``float64``; otherwise it stays text. Both choices use only data up to the as-of day,
so later data cannot change an earlier feature table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.features.asof import end_of
from segmint.mart import Mart
from segmint.mart.text import trimmed


@dataclass(frozen=True)
class AttributeColumn:
    """How one attribute name becomes a feature column."""

    name: str
    column: str
    numeric: bool


def safe_identifier(name: str) -> str:
    """``name`` as a lower-case identifier of ``a-z0-9_`` not starting with a digit."""
    text = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_") or "attr"
    return f"attr_{text}" if text[0].isdigit() else text


def _column_names(names: Iterable[str], reserved: Iterable[str]) -> dict[str, str]:
    """Attribute name → unique safe column name, avoiding ``reserved`` columns."""
    taken = set(reserved)
    columns: dict[str, str] = {}
    for name in sorted(names):
        base = safe_identifier(name)
        column, n = base, 1
        while column in taken:
            column = f"{base}_attr" if n == 1 else f"{base}_attr{n}"
            n += 1
        taken.add(column)
        columns[name] = column
    return columns


def _known(mart: Mart, day: dt.date) -> ir.Table:
    """Attribute rows known as of ``day``, values trimmed, empty values dropped."""
    attrs = mart.table("customer_attributes")
    value = trimmed(attrs.value).nullif("")
    dated = attrs.updated_at.isnull() | (attrs.updated_at < end_of(day))
    known = attrs.mutate(value=value).filter(dated, value.notnull(), attrs.name.notnull())
    return known.select("customer_id", "name", "value", "updated_at")


def known_attributes(mart: Mart, day: dt.date) -> ir.Table:
    """Attribute rows known as of ``day`` (trimmed, non-empty): ``customer_id``, ``name``,
    ``value``, ``updated_at``."""
    return _known(mart, day)


def attribute_columns(mart: Mart, day: dt.date, reserved: Iterable[str]) -> list[AttributeColumn]:
    """The attribute columns as of ``day`` (runs one small query over the attributes).

    Args:
        mart: the mart holding ``customer_attributes``.
        day: the as-of day.
        reserved: column names already used by other features.
    """
    known = _known(mart, day)
    catalogue = (
        known.group_by("name")
        .aggregate(
            n_values=known.count(),
            n_numbers=known.count(where=known.value.try_cast("float64").notnull()),
        )
        .execute()
    )
    numeric = {
        str(row.name): int(row.n_values) == int(row.n_numbers)
        for row in catalogue.itertuples(index=False)
    }
    columns = _column_names(numeric, reserved)
    return [AttributeColumn(name, columns[name], numeric[name]) for name in columns]


def attribute_features(mart: Mart, day: dt.date, columns: list[AttributeColumn]) -> ir.Table:
    """One row per customer with an attribute, one column per :class:`AttributeColumn`.

    One group-by: each column is the value with the greatest (dated, ``updated_at``,
    value) key among the customer's rows of that name, the latest value with the ties of
    the module docstring, without ranking every row first.
    """
    known = _known(mart, day)
    latest = ibis.struct(
        {
            "dated": known.updated_at.notnull(),
            "at": known.updated_at.fill_null(ibis.timestamp("1970-01-01 00:00:00")),
            "value": known.value,
        }
    )
    values: dict[str, ir.Value] = {}
    for attr in columns:
        value = known.value.argmax(latest, where=known.name == attr.name)
        values[attr.column] = value.try_cast("float64") if attr.numeric else value
    return known.group_by("customer_id").aggregate(**values)
