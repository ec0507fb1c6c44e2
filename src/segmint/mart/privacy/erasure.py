"""Forgetting people: erasure that cascades over every table and leaves no bytes behind.

:func:`forget` removes everything the mart holds about the given customers, in one
transaction, then rewrites the mart file (:mod:`segmint.mart.privacy.rewrite`):

* every table with a ``customer_id`` column loses their rows: the declared tables
  (``customers``, ``customer_pii``, ``customer_attributes``, ``consents``, ``events``,
  ``orders``, ``campaign_members``, ``assignments``, ``scores``, ``export_members``) and any
  other in the engine's catalogue (``features``, and tables added later), found when the
  erasure runs, not from a list;
* declared tables that refer to such a table (``order_lines`` → ``orders``) lose the rows
  of the deleted parents;
* with ``keep_orders`` (a business that must keep order records for its accounts), orders
  and their lines stay but are detached from the person: the customer id becomes a random
  tombstone (``erased-`` and 32 hex digits, one per person, derived from nothing), and an
  order id made from the customer id (``<customer_id>@<time>``, see
  :mod:`segmint.mart.transactions`) is rewritten the same way;
* ``privacy_requests`` keep the request (it must be answered and shown to be) but lose the
  customer id; the keyed pseudonym stays;
* quarantined rows whose raw content or reason holds the person's id, e-mail or phone are
  deleted;
* models whose fit could include the person (fitted as of a date on or after the person
  was first seen) are flagged for refit in ``refit_flags``;
* the files registered as exports that hold them, or may, are listed for purging;
* the id, e-mails and order ids go to the suppression list as keyed hashes, so no later
  load brings them back (:mod:`segmint.mart.privacy.suppression`);
* the erasure is recorded in the audit log, subjects by pseudonym.

What it does not reach: copies outside the mart (listed, not deleted), a serving snapshot a
running server still holds open (it switches to the new one within a second), backups, and
the old file's blocks on the disk itself (see ``docs/privacy.md``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import sqlglot.expressions as sge

from segmint.exceptions import SegmintError
from segmint.mart.connection import Mart
from segmint.mart.privacy import audit
from segmint.mart.privacy._engine import (
    bound,
    column,
    columns_of,
    delete_where,
    execute,
    in_scratch,
    mart_tables,
    name_of,
    scratch,
    select_column,
    table_ref,
    update_from,
    utcnow,
)
from segmint.mart.privacy.exports import ExportRecord, exports_holding
from segmint.mart.privacy.keys import PrivacyKey, privacy_key
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonymise
from segmint.mart.privacy.rewrite import RewriteResult, rewrite_mart
from segmint.mart.privacy.suppression import check_key, suppress
from segmint.mart.schema import PRIVACY_REQUESTS, REFIT_FLAGS, TABLES

SUBJECT = "customer_id"
TOMBSTONE_PREFIX = "erased-"
"""Start of the customer id of orders kept for accounting after their customer was forgotten."""
CLUSTER_MODELS = "cluster_models"
"""Where segmentation stores fitted cluster models (outside the declared schema)."""

REDACTED = {PRIVACY_REQUESTS.name: SUBJECT}
"""Tables whose rows outlive the person: the customer id is emptied, the row kept."""

HOLDS_NO_SUBJECT_DATA: dict[str, str] = {
    "products": "the catalogue",
    "campaigns": "campaign definitions",
    "ingests": "counts, file paths and checksums of loads",
    "quarantine": "scrubbed on its own: rows whose raw content or reason holds the person",
    "segmentations": "segmentation definitions",
    "model_runs": "fitted parameters and metrics; fits that included the person are flagged",
    "api_tokens": "hashes of access tokens",
    "suppression": "keyed hashes of forgotten people, made by the erasure itself",
    "audit_log": "subjects by keyed pseudonym only",
    "retention_policy": "retention periods",
    "exports": "file paths; the ones holding the person are listed for purging",
    "refit_flags": "models to refit, by run",
}
"""Declared tables without customer data, and why. A new declared table must either hold
``customer_id``, refer to a table that does, or be listed here (a test checks)."""


class ErasureError(SegmintError):
    """An erasure that cannot run as asked (no ids, no reason, a reason naming the person)."""


@dataclass(frozen=True)
class TableRule:
    """How an erasure treats one table.

    Attributes:
        table: the table.
        action: ``delete`` (rows of the person), ``tombstone`` (orders kept, detached),
            ``redact`` (customer id emptied, row kept) or ``cascade`` (rows whose
            ``column`` refers to deleted rows of ``parent``).
        column: the referring column (cascade).
        parent: the referred table (cascade).
        parent_key: the referred column of ``parent`` (cascade).
    """

    table: str
    action: str
    column: str = SUBJECT
    parent: str = ""
    parent_key: str = ""


@dataclass(frozen=True)
class RefitFlag:
    """A model whose fit could include a forgotten person."""

    source: str
    run_id: int | None
    model: str
    as_of: dt.date
    n_subjects: int


@dataclass(frozen=True)
class ForgetResult:
    """What :func:`forget` did.

    Attributes:
        customer_ids: the ids asked for.
        not_found: those the mart held nothing of (they are suppressed all the same).
        deleted: rows deleted per table.
        tombstoned_orders: orders kept for accounting, detached from the person.
        redacted: rows kept with the customer id emptied, per table.
        quarantine_removed: quarantined rows removed because they held the person.
        suppressed: new keyed hashes in the suppression list.
        refits: models flagged for refit.
        exports: registered files that hold (or may hold) the people: purge them.
        requests_closed: open erasure requests of these people marked done.
        audit_seq: the audit log entry of this erasure.
        rewrite: the file rewrite (None when not rewritten: an in-memory mart, or asked).
    """

    customer_ids: tuple[str, ...]
    not_found: tuple[str, ...]
    deleted: dict[str, int]
    tombstoned_orders: int
    redacted: dict[str, int]
    quarantine_removed: int
    suppressed: int
    refits: list[RefitFlag]
    exports: list[ExportRecord]
    requests_closed: int
    audit_seq: int
    rewrite: RewriteResult | None = field(default=None)


def erasure_plan(mart: Mart, *, keep_orders: bool = False) -> list[TableRule]:
    """The rule for every table an erasure touches, cascades first (they need the parents).

    Tables are found in the engine's catalogue: every table with a ``customer_id`` column,
    and every declared table that refers to one of them.
    """
    present = mart_tables(mart)
    with_subject = {name for name in present if SUBJECT in columns_of(mart, name)}
    cascades: list[TableRule] = []
    for name in present:
        declared = TABLES.get(name)
        if declared is None or name in with_subject:
            continue
        for col, parent in declared.references.items():
            if parent in with_subject and parent != "customers":
                key = TABLES[parent].key[0] if parent in TABLES else col
                cascades.append(TableRule(name, "cascade", col, parent, key))
    direct: list[TableRule] = []
    for name in sorted(with_subject):
        if name in REDACTED:
            direct.append(TableRule(name, "redact"))
        elif name == "orders" and keep_orders:
            direct.append(TableRule(name, "tombstone"))
        else:
            direct.append(TableRule(name, "delete"))
    return cascades + direct


def coverage_gaps() -> list[str]:
    """Declared tables an erasure would not reach and that are not listed as holding no
    customer data: a new table must be one or the other."""
    with_subject = {n for n, t in TABLES.items() if SUBJECT in t.column_names}
    reached = with_subject | {
        n for n, t in TABLES.items() if any(p in with_subject for p in t.references.values())
    }
    return sorted(set(TABLES) - reached - set(HOLDS_NO_SUBJECT_DATA))


def forget(
    mart: Mart,
    customer_ids: Iterable[str],
    reason: str,
    *,
    actor: str | None = None,
    keep_orders: bool = False,
    key: PrivacyKey | str | None = None,
    rewrite: bool = True,
    now: dt.datetime | None = None,
) -> ForgetResult:
    """Erase everything the mart holds about ``customer_ids`` (see the module docstring).

    Args:
        mart: the mart, open for writing. After a rewrite its connection is a new one:
            build expressions anew.
        customer_ids: the people to forget, ids exactly as in the mart.
        reason: why (e.g. "GDPR art. 17 request 2026-014"); kept in the audit log and the
            refit flags, so it must not name the person.
        actor: who asks (a token's label or ``cli:<user>``; default the shell's user).
        keep_orders: keep orders and lines for accounting, detached from the person.
        key: the privacy key; default ``SEGMINT_PRIVACY_KEY``.
        rewrite: rewrite the mart file afterwards (the default; only a caller forgetting
            in several steps and rewriting once at the end should pass False).
        now: the time to record (default: now, UTC).

    Raises:
        ErasureError: no ids, an empty id, no reason, or a reason naming a person forgotten.
        PrivacyKeyError: no privacy key, or not the key of the suppression list.
        MartError / MartBusyError: the rewrite failed (the rows are deleted all the same,
            but their bytes remain until :func:`rewrite_mart` succeeds).
    """
    ids = _checked_ids(customer_ids)
    resolved = privacy_key(key)
    check_key(mart, resolved)
    now = now or utcnow()
    who = actor or audit.cli_actor()
    subjects = scratch(mart, {SUBJECT: ids}, {SUBJECT: "string"})
    contacts = _contacts(mart, subjects)
    _check_reason(reason, ids, contacts)
    plan = erasure_plan(mart, keep_orders=keep_orders)
    found = _found(mart, subjects, plan)
    orders = _orders_of(mart, subjects)
    first_seen = _first_seen(mart, subjects)
    exports = exports_holding(mart, subjects)
    pseudonyms = pseudonymise(ids, key=resolved, label=AUDIT_LABEL)
    deleted: dict[str, int] = {}
    redacted: dict[str, int] = {}
    tombstoned = 0
    with mart.transaction():
        emails = [e for e, kind in contacts if kind == "email"]
        n_suppressed = suppress(
            mart,
            customer_ids=ids,
            emails=emails,
            order_ids=[o for o, _ in orders],
            key=resolved,
            now=now,
        )
        refits = _flag_refits(mart, first_seen, reason, now)
        closed = _close_requests(mart, subjects, now)
        tombstones = _tombstone_map(mart, orders) if keep_orders else None
        for rule in plan:
            if rule.action == "cascade":
                n = _cascade(mart, rule, subjects, plan, tombstones)
                if n:
                    deleted[rule.table] = n
            elif rule.action == "tombstone" and tombstones is not None:
                tombstoned = _tombstone(mart, tombstones)
            elif rule.action == "redact":
                n = _redact(mart, rule, subjects)
                if n:
                    redacted[rule.table] = n
            elif rule.action == "delete":
                n = delete_where(mart, rule.table, in_scratch(column(SUBJECT), subjects, SUBJECT))
                if n:
                    deleted[rule.table] = n
        removed = _scrub_quarantine(mart, ids, [c for c, _ in contacts])
        entry = audit.record(
            mart,
            who,
            "forget",
            pseudonyms=pseudonyms,
            details={
                "reason": reason.strip(),
                "n_subjects": len(ids),
                "n_not_found": len(ids) - len(found),
                "keep_orders": keep_orders,
                "deleted": deleted,
                "tombstoned_orders": tombstoned,
                "quarantine_removed": removed,
                "refits": len(refits),
                "exports_to_purge": [e.export_id for e in exports],
            },
            now=now,
        )
    rewritten = rewrite_mart(mart) if rewrite and mart.path != ":memory:" else None
    return ForgetResult(
        tuple(ids),
        tuple(i for i in ids if i not in found),
        deleted,
        tombstoned,
        redacted,
        removed,
        n_suppressed,
        refits,
        exports,
        closed,
        entry.seq,
        rewritten,
    )


def _checked_ids(customer_ids: Iterable[str]) -> list[str]:
    ids: list[str] = []
    for value in customer_ids:
        text = str(value)
        if not text.strip():
            raise ErasureError("an empty customer id cannot be forgotten; remove it from the list")
        if text not in ids:
            ids.append(text)
    if not ids:
        raise ErasureError("no customer ids to forget: give at least one")
    return ids


def _check_reason(reason: str, ids: list[str], contacts: list[tuple[str, str]]) -> None:
    """The reason is kept after the erasure: it must exist and must not name the person."""
    if not reason.strip():
        raise ErasureError(
            "an erasure needs a reason (e.g. 'GDPR art. 17 request 2026-014'); it goes to the "
            "audit log"
        )
    folded = reason.casefold()
    named = [v for v in [*ids, *(c for c, _ in contacts)] if len(v) >= 3 and v.casefold() in folded]
    if named:
        raise ErasureError(
            "the reason names a person being forgotten (their id, e-mail or phone); it is kept "
            "in the audit log after the erasure, so give a reference instead (e.g. a request "
            "number)"
        )


def _contacts(mart: Mart, subjects: ir.Table) -> list[tuple[str, str]]:
    """(value, kind) of the people's e-mail addresses and phone numbers."""
    pii = mart.table("customer_pii").semi_join(subjects, SUBJECT)
    rows = pii.select("email", "phone").to_pyarrow().to_pylist()
    found: set[tuple[str, str]] = set()
    for row in rows:
        for kind in ("email", "phone"):
            value = row[kind]
            if value is not None and str(value).strip():
                found.add((str(value), kind))
    return sorted(found)


def _found(mart: Mart, subjects: ir.Table, plan: list[TableRule]) -> set[str]:
    """The ids that have rows in any table with a customer id."""
    found: set[str] = set()
    for rule in plan:
        if rule.action == "cascade":
            continue
        table = mart.table(rule.table)
        hits = subjects.semi_join(table, SUBJECT)
        found |= set(hits[SUBJECT].to_pyarrow().to_pylist())
    return found


def _orders_of(mart: Mart, subjects: ir.Table) -> list[tuple[str, str]]:
    """(order_id, customer_id) of the people's orders."""
    orders = mart.table("orders").semi_join(subjects, SUBJECT).select("order_id", SUBJECT)
    return [(str(r["order_id"]), str(r[SUBJECT])) for r in orders.to_pyarrow().to_pylist()]


def _first_seen(mart: Mart, subjects: ir.Table) -> list[dt.date]:
    """The first date each person appears (signup, order or event); unknown ones left out."""
    customers = mart.table("customers").semi_join(subjects, SUBJECT)
    orders = mart.table("orders").semi_join(subjects, SUBJECT)
    events = mart.table("events").semi_join(subjects, SUBJECT)
    dates = (
        customers.select(SUBJECT, day=customers.signup_date)
        .union(orders.select(SUBJECT, day=orders.order_ts.date()))
        .union(events.select(SUBJECT, day=events.event_ts.date()))
    )
    dates = dates.filter(dates.day.notnull())
    first = dates.group_by(SUBJECT).aggregate(day=dates.day.min())
    return [row["day"] for row in first.to_pyarrow().to_pylist()]


def _flag_refits(
    mart: Mart, first_seen: list[dt.date], reason: str, now: dt.datetime
) -> list[RefitFlag]:
    """Flag every stored model fitted as of a day some person was already known."""
    if not first_seen:
        return []
    candidates: list[tuple[str, int | None, str, dt.date]] = []
    runs = mart.table("model_runs").select("run_id", "model", "as_of").to_pyarrow().to_pylist()
    candidates += [("model_runs", int(r["run_id"]), str(r["model"]), r["as_of"]) for r in runs]
    if CLUSTER_MODELS in mart_tables(mart):
        models = mart.table(CLUSTER_MODELS)
        rows = models.select("segmentation", "version", "fitted_as_of").to_pyarrow().to_pylist()
        candidates += [
            (CLUSTER_MODELS, None, f"{r['segmentation']} v{r['version']}", r["fitted_as_of"])
            for r in rows
        ]
    flags = []
    for source, run_id, model, as_of in candidates:
        if as_of is None:
            continue
        n = sum(1 for day in first_seen if day <= as_of)
        if n:
            flags.append(RefitFlag(source, run_id, model, as_of, n))
    if flags:
        rows_out = {
            "source": [f.source for f in flags],
            "run_id": [f.run_id for f in flags],
            "model": [f.model for f in flags],
            "as_of": [f.as_of for f in flags],
            "n_subjects": [f.n_subjects for f in flags],
            "flagged_at": [now] * len(flags),
            "reason": [reason.strip()] * len(flags),
        }
        mart.con.insert(REFIT_FLAGS.name, ibis.memtable(rows_out, schema=REFIT_FLAGS.ibis_schema()))
    return flags


def _close_requests(mart: Mart, subjects: ir.Table, now: dt.datetime) -> int:
    """Mark the people's open erasure requests done (before their customer id is emptied)."""
    name = PRIVACY_REQUESTS.name
    condition = sge.and_(
        in_scratch(column(SUBJECT), subjects, SUBJECT),
        column("kind").eq(sge.convert("erasure")),
        column("status").eq(sge.convert("open")),
    )
    statement = sge.Update(
        this=table_ref(name),
        expressions=[
            sge.EQ(this=column("status"), expression=sge.convert("done")),
            sge.EQ(this=column("closed_at"), expression=bound()),
        ],
        where=sge.Where(this=condition),
    )
    return execute(mart, statement, [now])


def _redact(mart: Mart, rule: TableRule, subjects: ir.Table) -> int:
    statement = sge.Update(
        this=table_ref(rule.table),
        expressions=[sge.EQ(this=column(rule.column), expression=sge.null())],
        where=sge.Where(this=in_scratch(column(rule.column), subjects, SUBJECT)),
    )
    return execute(mart, statement)


def _tombstone_map(mart: Mart, orders: list[tuple[str, str]]) -> ir.Table:
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


def _tombstone(mart: Mart, tombstones: ir.Table) -> int:
    """Detach the people's orders: tombstone as customer id, derived order ids rewritten."""
    return update_from(
        mart,
        "orders",
        {SUBJECT: column("tombstone", "s"), "order_id": column("new_order_id", "s")},
        name_of(tombstones),
        column("order_id", "orders").eq(column("old_order_id", "s")),
    )


def _cascade(
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
        rule.parent, rule.parent_key, in_scratch(column(SUBJECT), subjects, SUBJECT)
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


def _scrub_quarantine(mart: Mart, ids: list[str], contacts: list[str]) -> int:
    """Delete quarantined rows holding one of the people: a field equal to their id, e-mail or
    phone, their e-mail or phone anywhere in the row, or their id quoted in the reason.

    Matching is wide on purpose (a rejected row of someone else with a field equal to the
    id goes too): quarantine keeps rejected rows for inspection, and an erased person's
    data must not survive there.
    """
    needles = [(v.strip().lower(), "id") for v in ids] + [
        (v.strip().lower(), "contact") for v in contacts
    ]
    mart.con.create_table(
        "_segmint_forget_needles",
        ibis.memtable(
            {"needle": [n for n, _ in needles], "kind": [k for _, k in needles]},
            schema={"needle": "string", "kind": "string"},
        ),
        temp=True,
        overwrite=True,
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
