"""Values a load gives rows already in the mart: empty columns filled, conflicts reported.

Loads never overwrite a value the mart holds. What a later file may do to an existing
row is narrower:

* **fill** an empty column: a customers file (or a transactions file's customer-level
  columns) brings ``country`` for customers whose ``country`` is empty, a products file
  brings the ``name`` of products a transactions file created with an id only; the file's
  value is written there (:func:`fill_empty`);
* a **conflict** (the mart and the file hold different non-empty values) keeps the
  mart's value and is counted and shown, never resolved silently (:class:`Conflicts`);
* **set** a value the load itself decides: the status of an order loaded earlier that
  receives a return from a later file (:mod:`segmint.mart.returns`).

Both are :class:`Update` rows worked out before the write and applied in the load's
transaction by :func:`apply_update`: one ``UPDATE … FROM`` per update whose identifiers
come from the schema and whose values come from a temporary table, never from text.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pyarrow.compute as pc
import sqlglot.expressions as sge

from segmint.exceptions import MartError
from segmint.mart.connection import Mart
from segmint.mart.plan import Update, count, temp

EXAMPLES = 3
"""Conflicts shown by example in a load's report."""

FILLED_BY: dict[str, tuple[str, ...]] = {
    "customers": ("customers", "transactions"),
    "products": ("products",),
    "orders": ("transactions",),
    "campaigns": ("campaigns",),
}
"""Table → the loads (``ingests.table_name``) that may change its existing rows: fill
their empty columns (customers, products, campaigns), or set the status of orders of earlier loads
that receive return lines (:func:`segmint.mart.returns.loaded_order_status`). Such a load
changes the table without adding a row or an ``ingest_id`` to it."""


@dataclass(frozen=True)
class Conflicts:
    """Rows (customers, products: ``noun``) whose file value differs from the mart's
    non-empty one: how many, examples."""

    n: int
    examples: tuple[str, ...] = ()
    noun: str = "customers"

    def note(self) -> str:
        """``2 existing customers have another value (the mart's is kept), e.g. …``."""
        if not self.n:
            return ""
        return (
            f"{self.n:,} existing {self.noun} have another value in the mart (the mart's is kept; "
            f"a conflict, not resolved), e.g. {'; '.join(self.examples)}"
        )


@dataclass(frozen=True)
class Filled:
    """What filling one column found: values written into empty cells, values segmint
    derived replaced by the file's, and conflicts."""

    n_filled: int
    conflicts: Conflicts
    n_replaced: int = 0

    def note(self) -> str:
        """The column report's words for it (empty when nothing happened)."""
        noun = self.conflicts.noun
        filled = (
            f"filled where empty for {self.n_filled:,} existing {noun}" if self.n_filled else ""
        )
        replaced = (
            f"the derived value of {self.n_replaced:,} existing {noun} replaced by the file's"
            if self.n_replaced
            else ""
        )
        return "; ".join(p for p in (filled, replaced, self.conflicts.note()) if p)


def fill_empty(
    mart: Mart,
    incoming: ibis.Table,
    table: str,
    key: str,
    columns: list[str],
    derived: dict[str, ibis.Table] | None = None,
) -> tuple[Update | None, dict[str, Filled]]:
    """The update filling the empty ``columns`` of existing rows from ``incoming``.

    Args:
        incoming: one row per ``key`` with the file's value of each of ``columns``.
        table: the mart table whose existing rows are filled (``customers``, ``products``,
            ``campaigns``);
            its name is the noun of the report.
        key: its key column.
        columns: the columns the file brings.
        derived: column → the ``key`` of rows whose value of it segmint derived rather
            than read from a file (a signup date from the first order); the file's value
            replaces those instead of being a conflict.

    Returns:
        The update (None when nothing is filled) and, per column, what was found.
    """
    if not columns:
        return None, {}
    stored = mart.table(table)
    old = stored.select(key, **{f"_old_{c}": stored[c] for c in columns})
    both = incoming.select(key, *columns).inner_join(old, key)
    for column, keys in (derived or {}).items():
        flag = keys.select(key).distinct().mutate(**{f"_derived_{column}": ibis.literal(True)})
        both = both.left_join(flag, key).drop(f"{key}_right")
    both = temp(mart, both)
    found: dict[str, Filled] = {}
    fills: dict[str, ibis.Value] = {}
    for column in columns:
        new, was = both[column], both[f"_old_{column}"]
        mine = _derived(both, column)
        changed = new.notnull() & was.notnull() & (new != was)
        n_filled = count(both.filter(new.notnull() & was.isnull()))
        n_replaced = count(both.filter(changed & mine))
        differ = both.filter(changed & ~mine)
        found[column] = Filled(n_filled, value_conflicts(differ, key, column, table), n_replaced)
        fills[column] = ibis.cases(
            (was.isnull() | (changed & mine), new), else_=ibis.null(new.type())
        )
    if not any(f.n_filled or f.n_replaced for f in found.values()):
        return None, found
    rows = both.select(key, **fills)
    wanted = ibis.or_(*[rows[c].notnull() for c in columns])
    update = Update(table, key, tuple(columns), temp(mart, rows.filter(wanted)), overwrite=True)
    return update, found


def _derived(both: ibis.Table, column: str) -> ibis.BooleanValue:
    """Whether a row's stored ``column`` is a value segmint derived (see :func:`fill_empty`)."""
    flag = f"_derived_{column}"
    if flag not in both.columns:
        return ibis.literal(False)
    value: ibis.BooleanValue = both[flag].fill_null(False)
    return value


def value_conflicts(
    differ: ibis.Table, key: str, column: str, noun: str = "customers"
) -> Conflicts:
    """The conflicts of ``differ``: rows (of ``noun``) whose ``column`` (the file's value)
    differs from ``_old_<column>`` (the mart's, kept), counted, with the first few by
    ``key`` shown."""
    n = count(differ)
    if not n:
        return Conflicts(0, noun=noun)
    first = differ.order_by(key).limit(EXAMPLES)
    as_text = {c: first[c].cast("string") for c in (column, f"_old_{column}")}  # dates as dates
    some = first.select(key, **as_text).execute()
    examples = tuple(
        f"{row[key]}: {row[f'_old_{column}']} kept, the file says {row[column]}"
        for row in some.to_dict("records")
    )
    return Conflicts(n, examples, noun)


def apply_update(mart: Mart, update: Update) -> int:
    """Apply ``update`` (inside the caller's transaction); the number of rows it changed."""
    target = sge.table_(update.table, quoted=True)
    *where_, name = update.rows.get_name().split(".")  # temp.main.<name>: this load's own
    place = dict(zip(("catalog", "db"), where_, strict=False)) if len(where_) == 2 else {}
    source = sge.table_(name, quoted=True, **place).as_("_segmint_u")
    assignments = []
    for column in update.columns:
        mine = sge.column(column, table=update.table, quoted=True)
        theirs = sge.column(column, table="_segmint_u", quoted=True)
        first, second = (theirs, mine) if update.overwrite else (mine, theirs)
        value = sge.func("coalesce", first, second)
        assignments.append(sge.EQ(this=sge.column(column, quoted=True), expression=value))
    where = sge.EQ(
        this=sge.column(update.key, table=update.table, quoted=True),
        expression=sge.column(update.key, table="_segmint_u", quoted=True),
    )
    update_from = sge.Update(this=target, expressions=assignments, from_=sge.From(this=source))
    statement = update_from.where(where)
    size = update.size()
    mart.raw.execute(statement.sql("duckdb"))
    return size


def rewrite(mart: Mart, update: Update) -> int:
    """Apply ``update`` (rows kept in another engine's scratch database) to ``mart`` by
    rewriting its table, for engines without ``UPDATE`` (a Spark warehouse of Parquet
    files); the number of rows it changed.

    Raises:
        MartError: ``update`` holds a key twice (a join would then multiply that row, where
            an ``UPDATE`` changes it once); nothing is written.
    """
    rows = update.rows.to_pyarrow()
    if not rows.num_rows:
        return 0
    keys = pc.count_distinct(rows[update.key]).as_py()
    if keys != rows.num_rows:
        raise MartError(
            f"the update of {update.table} holds {rows.num_rows:,} rows for {keys:,} values of "
            f"{update.key}; it must hold one row per {update.key}. Nothing was written."
        )
    fresh = ibis.memtable(rows)
    stored = mart.table(update.table)
    new = fresh.select(
        fresh[update.key].name("_segmint_key"),
        *(fresh[column].name(f"_segmint_new_{column}") for column in update.columns),
    )
    joined = stored.left_join(new, stored[update.key] == new._segmint_key)

    def value(column: str) -> ibis.Value:
        mine = joined[column]
        theirs = joined[f"_segmint_new_{column}"].cast(mine.type())
        chosen = theirs.coalesce(mine) if update.overwrite else mine.coalesce(theirs)
        return chosen.name(column)

    mart.create_table(
        update.table,
        joined.select(*(value(c) if c in update.columns else joined[c] for c in stored.columns)),
    )
    return int(rows.num_rows)
