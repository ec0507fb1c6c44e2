"""What a later file does to the attribute history of a (customer, name) the mart holds.

A pair the mart holds is never overwritten, but its history may go on: a later
transactions file (next month's orders) or a customers file with ``updated_at`` shows the
value the customer had since, and an earlier one (last month's orders, loaded after this
month's) the value they had before. Of the file's dated values of the pair
(:func:`later_values`):

* those dated **after** the pair's latest stored row extend its history: each change of
  value (the first compared with the stored current value) is appended as a row dated by
  the file (an order, ``updated_at``), so features as of later days read it; a value equal
  to the one before it adds nothing, so loading a file again adds nothing;
* those dated **before** the pair's first stored row go back further: each run of equal
  values among them is added as a row dated by its first (a run whose value is the first
  stored row's starts that value earlier; the stored row stays, as nothing is deleted),
  so monthly files loaded in any order where each is next to those loaded before it give
  the history loading them in order gives (a month loaded after the months on both sides
  of it does not: see ``docs/ingest.md``);
* those dated in between (or undated) are compared with the value the mart held then
  (the stored current value for an undated one): a different value is a **conflict**,
  counted and shown, the mart's kept.

A pair with an undated stored row has no first date (the undated value is known as of any
day): a value dated before its first dated row is compared with it as above. A pair whose
stored rows are all undated has no latest date either: it keeps its value, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis

from segmint.mart.attribute_rows import value_history
from segmint.mart.connection import Mart
from segmint.mart.plan import count, temp
from segmint.mart.updates import EXAMPLES, value_conflicts
from segmint.mart.updates import Conflicts as StoredConflicts
from segmint.mart.validation import ROW

_PAIR = ["customer_id", "name"]


@dataclass(frozen=True)
class Changed:
    """Existing customers whose value of one attribute changed after the mart's latest:
    how many, and examples (``c1: A → B``)."""

    n_customers: int
    examples: tuple[str, ...] = ()

    def note(self) -> str:
        """``2 existing customers' values changed since the mart's latest (each change added,
        dated by the file), e.g. c1: A → B`` (empty when none did)."""
        if not self.n_customers:
            return ""
        return (
            f"{self.n_customers:,} existing customers' values changed since the mart's latest "
            f"(each change added, dated by the file), e.g. {'; '.join(self.examples)}"
        )


@dataclass(frozen=True)
class Earlier(Changed):
    """Existing customers given values dated before the mart's first of one attribute: how
    many, and examples (``c1: A from 2024-01-05, then the mart's B from 2024-02-03``)."""

    def note(self) -> str:
        """``1 existing customers' values dated before the mart's first added (the history
        starts earlier), e.g. c1: A from 2024-01-05, then the mart's B from 2024-02-03``
        (empty when none were)."""
        if not self.n_customers:
            return ""
        return (
            f"{self.n_customers:,} existing customers' values dated before the mart's first "
            f"added (the history starts earlier), e.g. {'; '.join(self.examples)}"
        )


@dataclass(frozen=True)
class Later:
    """A file's values for pairs the mart holds: the rows that extend their history (the
    file's columns, ``_row`` included), and per attribute name the changes, the values
    added before the first stored row and the conflicts."""

    rows: ibis.Table
    changed: dict[str, Changed]
    earlier: dict[str, Earlier]
    conflicts: dict[str, StoredConflicts]

    def note(self, name: str) -> str:
        """The column report's words for attribute ``name`` (empty when nothing happened)."""
        parts = (self.changed.get(name), self.earlier.get(name), self.conflicts.get(name))
        return "; ".join(p.note() for p in parts if p is not None and p.note())


def later_values(mart: Mart, values: ibis.Table) -> Later:
    """Split ``values`` (``_row``, ``customer_id``, ``name``, ``value``, ``source``,
    ``updated_at``: at most one per pair and time) of pairs the mart holds into history
    rows and conflicts (see the module docstring). Pairs the mart does not hold are left
    to the caller."""
    joined = temp(mart, values.inner_join(_stored_span(mart), _PAIR))
    after = (joined.updated_at > joined._latest).fill_null(False)
    before_first = (joined.updated_at < joined._first) & (joined._n_undated == 0)
    earlier = before_first.fill_null(False)
    later = joined.filter(after)
    before = later.value.lag().over(group_by=_PAIR, order_by=[later.updated_at, later[ROW]])
    later = later.mutate(_before=before.coalesce(later._old_value.strip()))
    appended = temp(mart, later.filter(later.value != later._before))
    older = temp(mart, value_history(joined.filter(earlier)))
    rows = appended.select(*values.columns).union(older.select(*values.columns))
    inside = joined.filter(~after & ~earlier)
    return Later(rows, _changes(appended), _earlier(older), _conflicts(mart, inside))


def _stored_span(mart: Mart) -> ibis.Table:
    """Per (customer, name) of the mart: ``_latest`` and ``_first``, its latest and first
    dated rows' times (null when all are undated), ``_first_value``, the first dated row's
    value, ``_n_undated``, how many rows are undated, and ``_old_value``, the value features
    read today (the latest dated row; undated ones lose to any dated one; ties to the
    greatest value)."""
    stored = mart.table("customer_attributes")
    return stored.group_by(_PAIR).aggregate(
        _old_value=stored.value.argmax(_reading_order(stored.updated_at, stored.value)),
        _latest=stored.updated_at.max(),
        _first=stored.updated_at.min(),
        _first_value=stored.value.argmin(stored.updated_at),
        _n_undated=stored.updated_at.isnull().sum().fill_null(0),
    )


def _reading_order(at: ibis.Value, value: ibis.Value) -> ibis.Value:
    """The order in which features prefer stored rows: dated over undated, later, greater."""
    epoch = ibis.timestamp("1970-01-01 00:00:00")
    return ibis.struct({"dated": at.notnull(), "at": at.fill_null(epoch), "value": value})


def _first_rows(rows: ibis.Table) -> ibis.Table:
    """The earliest row of each pair of ``rows``."""
    ranked = rows.mutate(
        _segmint_rank=ibis.row_number().over(group_by=_PAIR, order_by=[rows.updated_at, rows[ROW]])
    )
    return ranked.filter(ranked._segmint_rank == 0)


def _per_name(
    first: ibis.Table, example: Callable[[dict[str, Any]], str]
) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Per name of ``first`` (one row per pair): how many customers, and ``example`` of the
    first few by id."""
    names = sorted(str(n) for n in first.select("name").distinct().name.execute())
    found: dict[str, tuple[int, tuple[str, ...]]] = {}
    for name in names:
        of_name = first.filter(first.name == name)
        some = of_name.order_by("customer_id").limit(EXAMPLES).execute()
        found[name] = (count(of_name), tuple(example(r) for r in some.to_dict("records")))
    return found


def _changes(appended: ibis.Table) -> dict[str, Changed]:
    """Per name, the customers ``appended`` rows change, with the first change of the first
    few (by id) as examples."""
    found = _per_name(
        _first_rows(appended), lambda r: f"{r['customer_id']}: {r['_before']} → {r['value']}"
    )
    return {name: Changed(n, examples) for name, (n, examples) in found.items()}


def _earlier(older: ibis.Table) -> dict[str, Earlier]:
    """Per name, the customers ``older`` rows (dated before their pair's first stored row)
    go back with, with the earliest added value of the first few (by id) as examples."""

    def example(r: dict[str, Any]) -> str:
        return (
            f"{r['customer_id']}: {r['value']} from {_day(r['updated_at'])}, "
            f"then the mart's {r['_first_value']} from {_day(r['_first'])}"
        )

    found = _per_name(_first_rows(older), example)
    return {name: Earlier(n, examples) for name, (n, examples) in found.items()}


def _day(at: Any) -> str:
    """``2024-01-05`` of a timestamp (its text up to the day)."""
    return str(at)[:10]


def _conflicts(mart: Mart, earlier: ibis.Table) -> dict[str, StoredConflicts]:
    """Per name, the customers of ``earlier`` (values that neither extend their pair's
    history nor go back with it: see the module docstring) with a value other than the
    mart's then: the first such value."""
    stored = mart.table("customer_attributes")
    rows = stored.select(
        _customer=stored.customer_id, _name=stored.name, _at=stored.updated_at, _then=stored.value
    )
    known = (rows._at <= earlier.updated_at) | rows._at.isnull() | earlier.updated_at.isnull()
    same = [earlier.customer_id == rows._customer, earlier.name == rows._name]
    matched = earlier.inner_join(rows, [*same, known])
    then = matched.group_by([ROW, *_PAIR]).aggregate(
        _then=matched._then.argmax(_reading_order(matched._at, matched._then))
    )
    compared = earlier.inner_join(then, [ROW, *_PAIR])
    differ = compared.filter(compared.value != compared._then.strip())
    first = differ.mutate(
        _segmint_rank=ibis.row_number().over(
            group_by=_PAIR, order_by=[differ.updated_at, differ[ROW]]
        )
    )
    first = temp(mart, first.filter(first._segmint_rank == 0).mutate(_old_value=first._then))
    names = sorted(str(n) for n in first.select("name").distinct().name.execute())
    return {
        n: value_conflicts(first.filter(first.name == n), "customer_id", "value") for n in names
    }
