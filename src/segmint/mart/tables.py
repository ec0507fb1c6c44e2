"""Planning the load of a file into one mart table (customers, orders, events…).

Rows are parsed and checked (:mod:`segmint.mart.validation`), their references to parent
tables resolved, and their keys compared within the file and with the mart
(:mod:`segmint.mart.plan`). Orders whose customer is unknown are rejected unless the user
asks for the customers to be created.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmint.mart.connection import Mart
from segmint.mart.plan import LoadPlan, check_reference, rejected, split_duplicates, temp
from segmint.mart.privacy.suppression import mark_erased
from segmint.mart.schema import TABLES, Table
from segmint.mart.staging import Stage
from segmint.mart.validation import REASON, ROW, apply_mapping, check_rows

_CREATE_HINT = "not in customers; load customers first, or pass --create-customers"


@dataclass(frozen=True)
class TableOptions:
    """How to read a file for a mart table."""

    mapping: dict[str, str]
    date_formats: tuple[str, ...] = ()
    create_customers: bool = False


def plan_table(
    mart: Mart, table: Table, stage: Stage, source: str, options: TableOptions
) -> LoadPlan:
    """Work out what loading ``stage`` into ``table`` adds, duplicates and rejects."""
    rows = apply_mapping(stage.table, options.mapping, table, source)
    plan = LoadPlan(
        ignored_columns=[c for c in rows.columns if c != ROW and c not in table.column_names]
    )
    checked = check_rows(rows, table, options.date_formats)
    checked = mark_erased(mart, checked)  # rows of forgotten people: quarantined, content withheld
    create = options.create_customers and "customer_id" in table.references
    for column, parent in table.references.items():
        if create and parent == "customers":
            continue
        parent_key = TABLES[parent].key[0]
        checked = check_reference(checked, column, mart.table(parent), parent_key, _hint(parent))
    checked = temp(mart, checked)
    plan.quarantine.append(rejected(checked, stage.table))
    good = checked.filter(checked[REASON].isnull())
    new, conflicts, plan.n_duplicate, plan.n_loaded = split_duplicates(
        mart, good, table.key, mart.table(table.name), table.column_names
    )
    plan.quarantine.append(rejected(conflicts, stage.table))
    new = new.select(*table.column_names)
    if create:
        known = mart.table("customers").select("customer_id")
        unknown = new.select("customer_id").distinct().anti_join(known, "customer_id")
        plan.inserts.append(("customers", unknown))
    plan.inserts.append((table.name, new))
    return plan


def _hint(parent: str) -> str:
    if parent == "customers":
        return _CREATE_HINT
    return f"not in {parent}; load {parent} first"
