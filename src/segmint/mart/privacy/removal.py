"""The statements that take a person out of tables: redaction, tombstones, cascades, and
the scrubbing of quarantined rows. Called by :func:`segmint.mart.privacy.forget` inside its
transaction; the people are a scratch table with one column, ``customer_id``.
"""

from __future__ import annotations

import secrets

import ibis
import ibis.expr.types as ir
import sqlglot.expressions as sge

from segmint.mart.connection import Mart
from segmint.mart.privacy._engine import (
    column,
    delete_where,
    execute,
    in_scratch,
    name_of,
    select_column,
    table_ref,
    update_from,
)
from segmint.mart.privacy.coverage import SUBJECT, TableRule, subject_text
from segmint.mart.scratch import scratch

TOMBSTONE_PREFIX = "erased-"
"""Start of the customer id of orders kept for accounting after their customer was forgotten."""


def redact(mart: Mart, rule: TableRule, subjects: ir.Table) -> int:
    statement = sge.Update(
        this=table_ref(rule.table),
        expressions=[sge.EQ(this=column(rule.column), expression=sge.null())],
        where=sge.Where(this=in_scratch(column(rule.column), subjects, SUBJECT)),
    )
    return execute(mart, statement)


def tombstone_map(mart: Mart, orders: list[tuple[str, str]]) -> ir.Table:
    """Scratch table: old order id, new order id and tombstone of every order of the people.

    One random tombstone per person; an order id derived from the customer id
    (``<customer_id>@<time>``) gets the tombstone in its place.
    """
    tombstone = {cid: TOMBSTONE_PREFIX + secrets.token_hex(16) for cid in {c for _, c in orders}}
    old, new, stones = [], [], []
    for order_id, cid in orders:
        stone = tombstone[cid]
        old.append(order_id)
        derived = order_id.startswith(cid + "@")
        new.append(stone + order_id[len(cid) :] if derived else order_id)
        stones.append(stone)
    return scratch(
        mart,
        {"old_order_id": old, "new_order_id": new, "tombstone": stones},
        {"old_order_id": "string", "new_order_id": "string", "tombstone": "string"},
    )


def tombstone(mart: Mart, tombstones: ir.Table) -> int:
    """Detach the people's orders: tombstone as customer id, derived order ids rewritten."""
    return update_from(
        mart,
        "orders",
        {SUBJECT: column("tombstone", "s"), "order_id": column("new_order_id", "s")},
        name_of(tombstones),
        column("order_id", "orders").eq(column("old_order_id", "s")),
    )


def cascade(
    mart: Mart,
    rule: TableRule,
    subjects: ir.Table,
    plan: list[TableRule],
    tombstones: ir.Table | None,
) -> int:
    """Rows of ``rule.table`` referring to the people's rows of ``rule.parent``: deleted, or,
    when the parent is kept as a tombstone, re-pointed at the parent's new id."""
    parent_rule = next(r for r in plan if r.table == rule.parent and r.action != "cascade")
    if parent_rule.action == "tombstone" and tombstones is not None:
        update_from(
            mart,
            rule.table,
            {rule.column: column("new_order_id", "s")},
            name_of(tombstones),
            sge.and_(
                column(rule.column, rule.table).eq(column("old_order_id", "s")),
                column("old_order_id", "s").neq(column("new_order_id", "s")),
            ),
        )
        return 0
    if parent_rule.action == "redact":
        return 0
    parents = select_column(
        rule.parent, rule.parent_key, in_scratch(subject_text(), subjects, SUBJECT)
    )
    return delete_where(mart, rule.table, column(rule.column).isin(query=parents))


_QUARANTINE_HITS = """
CREATE OR REPLACE TEMP TABLE _segmint_forget_hits AS
WITH q AS (
    SELECT rowid AS rid, raw, coalesce(reason, '') AS reason, try_cast(raw AS JSON) AS doc
    FROM main.quarantine
),
json_values AS (
    SELECT rid, unnest(json_extract_string(doc, '$.*')) AS value
    FROM q WHERE doc IS NOT NULL AND json_type(doc) = 'OBJECT'
),
line_values AS (
    SELECT rid, unnest(regexp_split_to_array(raw, '[,;|\\t]')) AS value
    FROM q WHERE doc IS NULL AND raw IS NOT NULL
),
all_values AS (
    SELECT rid, lower(trim(value, ' "''')) AS value FROM json_values
    UNION ALL
    SELECT rid, lower(trim(value, ' "''')) AS value FROM line_values
)
SELECT v.rid FROM all_values v JOIN _segmint_forget_needles n ON v.value = n.needle
UNION
SELECT q.rid FROM q JOIN _segmint_forget_needles n
    ON n.kind = 'contact' AND contains(lower(coalesce(q.raw, '') || ' ' || q.reason), n.needle)
UNION
SELECT q.rid FROM q JOIN _segmint_forget_needles n
    ON n.kind = 'id' AND contains(lower(q.reason), '''' || n.needle || '''')
"""


def scrub_quarantine(mart: Mart, ids: list[str], contacts: list[str]) -> int:
    """Delete quarantined rows holding one of the people: a field equal to their id, e-mail or
    phone, their e-mail or phone anywhere in the row, or their id quoted in the reason.

    Matching is wide on purpose (a rejected row of someone else with a field equal to the
    id goes too): quarantine keeps rejected rows for inspection, and an erased person's
    data must not survive there.
    """
    needles = [(v.strip().lower(), "id") for v in ids] + [
        (v.strip().lower(), "contact") for v in contacts
    ]
    mart.create_table(
        "_segmint_forget_needles",
        ibis.memtable(
            {"needle": [n for n, _ in needles], "kind": [k for _, k in needles]},
            schema={"needle": "string", "kind": "string"},
        ),
        temp=True,
    )
    mart.raw.execute(_QUARANTINE_HITS)
    hits = mart.raw.execute("SELECT count(*) FROM _segmint_forget_hits").fetchone()
    if not hits or not hits[0]:
        return 0
    return delete_where(
        mart,
        "quarantine",
        sge.column("rowid").isin(query=sge.select("rid").from_(table_ref("_segmint_forget_hits"))),
    )
