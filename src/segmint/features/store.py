"""Keeping feature tables in the mart: one ``features`` table, every as-of date in it.

``store_features`` writes one row per customer with the column ``as_of`` (a date), so
history is a query. Storing a date again replaces that date's rows. The table's columns
follow the features:

* same columns and types: the date's old rows (if any) are deleted and the new rows
  appended, so storing one more date costs one date, however long the history;
* otherwise (an attribute appeared, disappeared or changed type) the table is rewritten
  once as the union of its old rows (other dates) and the new ones, over the union of
  the columns. A column a date does not have is null for that date's rows; a column whose
  type differs between dates becomes text.

Either way the write is one transaction: it lands whole or not at all. Each date's rows
are written in ``customer_id`` order (the dates one after another), so the engine's
per-row-group minimum and maximum of the id let a read of a range of customers (the
dashboard's copies, :mod:`segmint.serving.sorted_copies`) skip the rest of the table (the
engine keeps an ``ORDER BY`` even where it may produce rows in any order,
:meth:`~segmint.mart.Mart.unordered`). Ibis has no
``DELETE``; the one statement is a sqlglot expression compiled for the backend's
dialect, not SQL text.

A date stored by an earlier version of segmint, before a built-in column was added, is
not fresh (the catalogue key lists the built-in columns) and is built again when stored;
:func:`load_features` builds the columns it lacks when it is read.

The table is a store of features built once, not an archive: after each write only the
latest :data:`~segmint.features.part_store.KEEP_DATES` dates, the date just written and
each stored segmentation's latest date (its profile reads them) stay; any other date is
built again when asked for. At a million customers a date holds about 126 MiB, so a daily
refresh kept every date would grow the mart by that much each day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt_types
import ibis.expr.types as ir

from segmint.exceptions import MartError
from segmint.features.asof import AsOf, date_literal, parse_as_of, resolve_as_of
from segmint.features.build import FEATURE_COLUMNS, ZERO_WHEN_ABSENT, assemble, build_features
from segmint.features.groups import ALL_GROUPS, GROUPS
from segmint.features.keys import dump, source_keys
from segmint.features.part_store import CATALOG, KEEP_DATES, record, stored_key, stored_parts
from segmint.mart import Mart
from segmint.mart.schema import ASSIGNMENTS, FEATURES

FEATURES_TABLE = FEATURES.name
"""The table, declared (its fixed columns) in :mod:`segmint.mart.schema`."""

TABLE_ENTRY = "table:features"
"""The catalogue entry recording the data each date of the table was built from."""


@dataclass(frozen=True)
class StoredFeatures:
    """What :func:`store_features` wrote: the date, the rows and the column names."""

    as_of: dt.date
    rows: int
    columns: tuple[str, ...]


def store_features(
    mart: Mart, as_of: AsOf | None = None, step: Callable[[str], None] | None = None
) -> StoredFeatures:
    """Build the features as of ``as_of`` and store them in the mart table ``features``.

    The groups come from the store of parts (:mod:`segmint.features.part_store`): those
    built as of the day from the same data are read, the others built and stored first;
    a date already stored from the same data is left as it is.

    Args:
        mart: the customer data mart.
        as_of: the day; default: the last day with orders.
        step: called with the name of each step (for a progress display).

    Returns:
        The stored date, number of rows and columns.
    """
    day = resolve_as_of(mart, as_of)
    if day in stored_dates(mart) and fresh_table(mart, day):  # stored from the same data
        kept = load_features(mart, day)
        return StoredFeatures(day, int(kept.count().execute()), tuple(kept.columns))
    new = assemble(stored_parts(mart, day, ALL_GROUPS, step), day)
    if step:
        step("storing the feature table")
    with mart.unordered(), mart.transaction():
        if not mart.has_table(FEATURES_TABLE):
            mart.create_table(FEATURES_TABLE, new.order_by("customer_id"))
        else:
            old = mart.table(FEATURES_TABLE)
            if old.schema() == new.schema():
                mart.delete(FEATURES_TABLE, as_of=day)
                mart.insert(FEATURES_TABLE, new.order_by("customer_id"))
            else:
                kept = old.filter(old.as_of != date_literal(day))
                merged = _union(kept, new)
                mart.create_table(FEATURES_TABLE, merged.order_by("as_of", "customer_id"))
        record(mart, TABLE_ENTRY, day, _key(mart), "full")
        _prune(mart, day)
    stored = mart.table(FEATURES_TABLE)  # not load_features: a mart of no customers stores no rows
    rows = int(stored.filter(stored.as_of == date_literal(day)).count().execute())
    return StoredFeatures(day, rows, tuple(new.columns))


def _prune(mart: Mart, day: dt.date) -> None:
    """Delete the dates of ``features`` that are kept for nobody (module docstring), with
    their catalogue entries (inside the caller's transaction)."""
    dates = stored_dates(mart)
    keep = set(dates[-KEEP_DATES:]) | {day} | _segmentation_dates(mart)
    for old in dates:
        if old not in keep:
            mart.delete(FEATURES_TABLE, as_of=old)
            mart.delete(CATALOG, feature_group=TABLE_ENTRY, as_of=old)


def _segmentation_dates(mart: Mart) -> set[dt.date]:
    """Each stored segmentation's latest date (empty when none is stored)."""
    if not mart.has_table(ASSIGNMENTS.name):
        return set()
    table = mart.table(ASSIGNMENTS.name)
    latest = table.group_by("segmentation").aggregate(as_of=table.as_of.max())
    return {parse_as_of(d) for d in latest.as_of.execute()}


def _key(mart: Mart) -> str:
    """The key of every table the features read, with the built-in columns, as the catalogue
    stores it: a date stored with other built-in columns (by an earlier version of segmint)
    is not fresh, and is built again when asked for."""
    sources = dump(source_keys(mart, {t for g in GROUPS.values() for t in g.sources}))
    return json.dumps({"columns": list(FEATURE_COLUMNS), "sources": json.loads(sources)})


def fresh_table(mart: Mart, day: dt.date) -> bool:
    """Whether the table ``features`` holds ``day`` built from the data as it is now."""
    return stored_key(mart, TABLE_ENTRY, day) == _key(mart)


def _union(old: ir.Table, new: ir.Table) -> ir.Table:
    """``old`` and ``new`` stacked over the union of their columns (see module docstring)."""
    old_schema, new_schema = old.schema(), new.schema()
    names = list(new_schema) + [c for c in old_schema if c not in new_schema]
    types: dict[str, dt_types.DataType] = {}
    for name in names:
        kinds = {s[name] for s in (old_schema, new_schema) if name in s}
        types[name] = kinds.pop() if len(kinds) == 1 else dt_types.string

    def conform(table: ir.Table) -> ir.Table:
        schema = table.schema()
        return table.select(
            **{
                name: table[name].cast(types[name]) if name in schema else ibis.null(types[name])
                for name in names
            }
        )

    return conform(old).union(conform(new))


def stored_dates(mart: Mart) -> list[dt.date]:
    """The as-of dates stored in ``features``, oldest first (empty when none)."""
    if not mart.has_table(FEATURES_TABLE):
        return []
    table = mart.table(FEATURES_TABLE)
    dates = table.select("as_of").distinct().order_by("as_of").as_of.execute()
    return [parse_as_of(d) for d in dates]


def load_features(mart: Mart, as_of: AsOf | None = None) -> ir.Table:
    """The stored features of ``as_of`` (default: the latest stored date), as Ibis.

    A date stored by an earlier version of segmint has no value in the built-in columns
    added since (``btyd_monetary``): those are built for it from the data and joined to its
    stored rows (:func:`_unstored_columns`), so a null the table holds for them is never
    read as a value.

    Raises:
        MartError: no features are stored, or none for that date.
    """
    dates = stored_dates(mart)
    if not dates:
        raise MartError(
            f"the mart {mart.path} holds no stored features. Run `segmint features` "
            "(or segmint.features.store_features) first."
        )
    day = dates[-1] if as_of is None else parse_as_of(as_of)
    if day not in dates:
        shown = ", ".join(d.isoformat() for d in dates[-5:])
        raise MartError(
            f"no features stored as of {day.isoformat()}; stored dates: {shown}. "
            f"Run `segmint features --as-of {day.isoformat()}` to build them."
        )
    table = mart.table(FEATURES_TABLE)
    rows = table.filter(table.as_of == date_literal(day))
    unstored = _unstored_columns(mart, day, rows)
    return _with_built(mart, day, rows, unstored) if unstored else rows


BUILT_IN = tuple(c for c in FEATURE_COLUMNS if c not in ("customer_id", "as_of"))
"""The built-in feature columns but the key and the date."""


def _unstored_columns(mart: Mart, day: dt.date, rows: ir.Table) -> list[str]:
    """The built-in columns ``day``'s stored ``rows`` were stored without: the date was
    stored by an earlier version of segmint, which had fewer, and the table holds null for
    them on that date (or has no such column, when no date was stored since).

    The catalogue key of a date lists the built-in columns it was stored with (:func:`_key`).
    A key from before it did (or no key) does not say which: the columns with no value on
    any of the date's rows are taken as not stored (``btyd_monetary``, null for every buyer,
    among them); a column that is truly empty is then built empty again.
    """
    key = stored_key(mart, TABLE_ENTRY, day)
    stored = json.loads(key).get("columns") if key is not None else None
    if stored is not None:
        return [c for c in BUILT_IN if c not in stored]
    absent = [c for c in BUILT_IN if c not in rows.columns]
    present = [c for c in BUILT_IN if c in rows.columns]
    if not present:
        return absent
    counts = rows.aggregate(**{c: rows[c].count() for c in present}).to_pyarrow()
    return absent + [c for c in present if counts[c][0].as_py() == 0]


def _with_built(mart: Mart, day: dt.date, rows: ir.Table, columns: list[str]) -> ir.Table:
    """``rows`` (the stored features of ``day``) with ``columns`` built as of ``day`` from
    the data (only their groups, and nothing stored: the mart may be read-only), in table
    order. A customer the build does not hold gets null, or 0 for a count or sum."""
    built = build_features(mart, day, columns=columns).select("customer_id", *columns)
    kept = rows.drop(*[c for c in columns if c in rows.columns])
    joined = kept.left_join(built, "customer_id")
    schema = rows.schema()
    values: dict[str, ir.Value] = {c: joined[c] for c in kept.columns}
    for name in columns:
        value = joined[name].fill_null(0) if name in ZERO_WHEN_ABSENT else joined[name]
        values[name] = value.cast(schema[name]) if name in schema else value
    order = [c for c in FEATURE_COLUMNS if c in values]
    order += [c for c in values if c not in order]  # the attributes, as stored
    return joined.select(**{c: values[c] for c in order})
