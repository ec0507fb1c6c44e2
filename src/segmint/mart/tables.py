"""Planning the load of a file into one mart table (customers, orders, events…).

Rows are parsed and checked (:mod:`segmint.mart.validation`), their references to parent
tables resolved, and their keys compared within the file and with the mart
(:mod:`segmint.mart.plan`). Orders whose customer is unknown are rejected unless the user
asks for the customers to be created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ibis

from segmint.mart.attribute_history import later_values
from segmint.mart.attribute_rows import (
    as_attribute_rows,
    first_values,
    melt,
    new_attributes,
)
from segmint.mart.columns import (
    ColumnUse,
    attribute_names,
    check_ignore,
    personal_data,
    pii_report,
    route,
)
from segmint.mart.connection import Mart
from segmint.mart.event_ids import derive_event_ids
from segmint.mart.plan import (
    LoadPlan,
    check_reference,
    count,
    rejected,
    split_duplicates,
    temp,
    working,
)
from segmint.mart.presets import Preset
from segmint.mart.privacy.suppression import mark_erased
from segmint.mart.schema import TABLES, Table
from segmint.mart.signups import derived_signups
from segmint.mart.staging import Stage
from segmint.mart.updates import fill_empty
from segmint.mart.validation import REASON, ROW, apply_mapping, check_rows

_CREATE_HINT = "not in customers; load customers first, or pass --create-customers"
FILLED_TABLES = frozenset({"customers", "products", "campaigns"})
"""Tables whose existing rows a later file completes: customers and products are created
from a transactions file with few columns (an id, a first order date), and a file that
describes them later fills their empty columns (:mod:`segmint.mart.updates`); a campaign
loaded without its dates or cost gets them from a later campaigns file the same way
(measuring it needs its start date)."""


@dataclass(frozen=True)
class TableOptions:
    """How to read a file for a mart table.

    Attributes:
        mapping: mart column → file column (given with ``--map`` or guessed).
        date_formats: strftime formats tried for dates before ISO form.
        create_customers: create unknown customers an orders file refers to.
        ignore: file columns to leave out (``--ignore``).
        excel_dates: numbers in date columns are Excel serial dates (the file is a workbook).
        cancel_prefix: an order id starting with this marks a cancellation (``C`` in the
            UCI Online Retail data); transactions files only.
        preset: the export's layout, when a preset is used: its other columns become
            attributes only when the preset says so.
        decimals: mart column → decimal separator (``.`` or ``,``) of numbers written as
            text (:mod:`segmint.mart.decimals`); a point where none is given.
    """

    mapping: dict[str, str]
    date_formats: tuple[str, ...] = ()
    create_customers: bool = False
    ignore: tuple[str, ...] = ()
    excel_dates: bool = False
    cancel_prefix: str | None = None
    preset: Preset | None = None
    decimals: dict[str, str] = field(default_factory=dict)

    def check(self, rows: ibis.Table, table: Table) -> ibis.Table:
        """``rows`` parsed and checked for ``table`` as these options read them."""
        return check_rows(
            rows, table, self.date_formats, excel_dates=self.excel_dates, decimals=self.decimals
        )


def plan_table(
    mart: Mart, table: Table, stage: Stage, source: str, options: TableOptions
) -> LoadPlan:
    """Work out what loading ``stage`` into ``table`` adds, duplicates and rejects.

    A customers file's columns that are not customers columns become customer attributes
    (see :mod:`segmint.mart.attribute_rows`); on other tables they are reported.
    """
    found = [c for c in stage.table.columns if c != ROW]
    check_ignore(options.ignore, found, source)
    staged = stage.table.drop(*options.ignore) if options.ignore else stage.table
    staged, mapping, note = _with_ids(staged, options.mapping, table)
    rows = apply_mapping(staged, mapping, table, source)
    uses, rest = route(found, options.mapping, table.name, table.column_names, options.ignore)
    attributes, other = _attribute_columns(table, rest)
    uses += [_use(c, table) for c in other]
    names = attribute_names(attributes)
    uses += [ColumnUse(c, "attribute", names[c]) for c in attributes]
    reported = [u.column for u in uses if u.fate == "reported"]
    plan = LoadPlan(ignored_columns=reported, notes=[note] if note else [])
    plan.columns = sorted(uses, key=lambda u: found.index(u.column))
    extras = {c: f"_segmint_x{i}" for i, c in enumerate(attributes)}
    checked = options.check(rows, table)
    if extras:
        carried = rows.select(ROW, **{alias: rows[c] for c, alias in extras.items()})
        checked = checked.inner_join(carried, ROW)
    checked = mark_erased(mart, checked)  # rows of forgotten people: quarantined, content withheld
    create = options.create_customers and "customer_id" in table.references
    for column, parent in table.references.items():
        if create and parent == "customers":
            continue
        parent_key = TABLES[parent].key[0]
        checked = check_reference(checked, column, mart.table(parent), parent_key, _hint(parent))
    checked = working(mart, checked)
    plan.quarantine.append(rejected(checked, stage.table))
    good = checked.filter(checked[REASON].isnull())
    new, conflicts, plan.n_duplicate, plan.n_loaded = split_duplicates(
        mart, good, table.key, mart.table(table.name), [*table.column_names, *extras.values()]
    )
    plan.quarantine.append(rejected(conflicts, stage.table))
    attribute_rows = None
    if table.name in FILLED_TABLES:
        kept = good.anti_join(conflicts.select(ROW), ROW)
        aliased = {alias: names[c] for c, alias in extras.items()}
        attribute_rows = _existing_rows(mart, plan, table, new, kept, aliased, Path(source).name)
    new = new.select(*table.column_names)
    if create:
        known = mart.table("customers").select("customer_id")
        unknown = new.select("customer_id").distinct().anti_join(known, "customer_id")
        plan.inserts.append(("customers", _created_customers(table, new, unknown)))
    plan.inserts.append((table.name, new))
    if attribute_rows is not None:
        plan.inserts.append(("customer_attributes", attribute_rows))
    return plan


def _with_ids(
    staged: ibis.Table, mapping: dict[str, str], table: Table
) -> tuple[ibis.Table, dict[str, str], str]:
    """For an events file without ids, the rows with ids derived from their content
    (:mod:`segmint.mart.event_ids`), the mapping reading them, and the note saying so."""
    if table.name != "events":
        return staged, mapping, ""
    return derive_event_ids(staged, mapping)


def _created_customers(table: Table, new: ibis.Table, unknown: ibis.Table) -> ibis.Table:
    """The rows of the customers ``--create-customers`` creates for ``table``'s new rows.

    Customers first seen in an events file get ``signup_date`` = the day of their earliest
    event in it (the day they first became known), as a transactions file dates them by
    their earliest order: without a date or an order a customer has no row in the feature
    table, so their visits and carts would count nowhere. Other files create ids only.
    """
    if table.name != "events":
        return unknown
    first = new.group_by("customer_id").aggregate(signup_date=new.event_ts.min().date())
    return first.semi_join(unknown, "customer_id")


def _attribute_columns(table: Table, rest: list[str]) -> tuple[list[str], list[str]]:
    """Of the columns no mapping placed: those that become attributes, and the others."""
    if table.name != "customers":
        return [], rest
    attributes = [c for c in rest if personal_data(c) is None]
    return attributes, [c for c in rest if c not in attributes]


def _use(column: str, table: Table) -> ColumnUse:
    """The report of a column that finds no place in ``table``."""
    if table.name == "customers":
        return pii_report(column)
    return ColumnUse(
        column,
        "reported",
        note=f"not a column of {table.name}; map it with --map <column>={column} "
        f"(columns: {', '.join(table.column_names)}) or drop it with --ignore {column}",
    )


def _existing_rows(
    mart: Mart,
    plan: LoadPlan,
    table: Table,
    new: ibis.Table,
    kept: ibis.Table,
    names: dict[str, str],
    source: str,
) -> ibis.Table | None:
    """The empty columns of existing rows of ``table`` (:data:`FILLED_TABLES`) the file fills
    (:mod:`segmint.mart.updates`), and a customers file's new attribute rows; conflicts
    with the mart's values go into the column report. Recounts ``plan``'s rows: a row is
    loaded when it adds a row or an attribute or fills a value, a duplicate when it adds
    nothing."""
    key = table.key[0]
    first = kept.mutate(_segmint_rank=ibis.row_number().over(group_by=key, order_by=ROW))
    first = temp(mart, first.filter(first._segmint_rank == 0).drop("_segmint_rank"))
    loaded = [new.select(ROW)]
    notes: dict[str, str] = {}
    columns = [u.target.split(".")[1] for u in plan.columns if u.fate == "loaded"]
    columns = [c for c in columns if c != key]
    derived = None
    if table.name == "customers" and "signup_date" in columns:
        derived = {"signup_date": derived_signups(mart)}
    update, filled = fill_empty(mart, first, table.name, key, columns, derived)
    notes.update({f"{table.name}.{c}": f.note() for c, f in filled.items()})
    if update is not None:
        plan.updates.append(update)
        loaded.append(first.semi_join(update.rows, key).select(ROW))
    attribute_rows = None
    if names:
        melted = temp(mart, melt(kept, names, source))
        attributes = new_attributes(mart, melted)
        later = later_values(mart, first_values(melted))
        loaded += [attributes.select(ROW), later.rows.select(ROW)]
        notes.update({name: later.note(name) for name in names.values()})
        attribute_rows = as_attribute_rows(attributes.union(later.rows))
    plan.columns = [_with_note(u, notes.get(u.target, "")) for u in plan.columns]
    total = plan.n_loaded + plan.n_duplicate
    union = loaded[0]
    for part in loaded[1:]:
        union = union.union(part, distinct=True)
    plan.n_loaded = count(union)
    plan.n_duplicate = total - plan.n_loaded
    return attribute_rows


def _with_note(use: ColumnUse, note: str) -> ColumnUse:
    """``use`` with ``note`` added to its own."""
    if not note:
        return use
    joined = "; ".join(p for p in (use.note, note) if p)
    return ColumnUse(use.column, use.fate, use.target, joined)


def _hint(parent: str) -> str:
    if parent == "customers":
        return _CREATE_HINT
    return f"not in {parent}; load {parent} first"
