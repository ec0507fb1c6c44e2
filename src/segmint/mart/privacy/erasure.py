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
* the files registered as exports that hold them, or may, are listed for purging (the
  audit journal of a server is collected first, so its downloads are among them);
* the id, e-mails and order ids go to the suppression list as keyed hashes, so no later
  load brings them back (:mod:`segmint.mart.privacy.suppression`);
* the erasure is recorded in the audit log, subjects by pseudonym.

What it does not reach: copies outside the mart (listed, not deleted), a serving snapshot a
running server still holds open (it switches to the new one within a second), backups, and
the old file's blocks on the disk itself (see ``docs/privacy.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import ibis.expr.types as ir
import sqlglot.expressions as sge

from segmint.exceptions import SegmintError
from segmint.mart.connection import Mart
from segmint.mart.customer_ids import CustomerId, customer_id_texts
from segmint.mart.privacy import audit
from segmint.mart.privacy._engine import (
    bound,
    column,
    delete_where,
    execute,
    in_scratch,
    table_ref,
    utcnow,
)
from segmint.mart.privacy.coverage import SUBJECT, TableRule, erasure_plan, subject_text
from segmint.mart.privacy.exports import ExportRecord, exports_holding
from segmint.mart.privacy.journal import collect_journal
from segmint.mart.privacy.keys import PrivacyKey, privacy_key
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonymise
from segmint.mart.privacy.refits import RefitFlag, first_seen, flag_refits
from segmint.mart.privacy.removal import cascade, redact, scrub_quarantine, tombstone, tombstone_map
from segmint.mart.privacy.rewrite import RewriteResult, rewrite_mart
from segmint.mart.privacy.spelling import other_spellings
from segmint.mart.privacy.suppression import check_key, suppress
from segmint.mart.schema import PRIVACY_REQUESTS
from segmint.mart.scratch import scratch
from segmint.mart.snapshot import discard_warm_state


class ErasureError(SegmintError):
    """An erasure that cannot run as asked (no ids, no reason, a reason naming the person)."""


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


def forget(
    mart: Mart,
    customer_ids: Iterable[CustomerId],
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
        mart: open for writing; after a rewrite its connection is new (build expressions anew).
        customer_ids: the people to forget, ids as in the mart (numbers as ingest writes them).
        reason: why (e.g. "GDPR art. 17 request 2026-014"); kept, so it must not name them.
        actor: who asks (a token's label or ``cli:<user>``; default the shell's user).
        keep_orders: keep orders and lines for accounting, detached from the person.
        key: the privacy key; default ``SEGMINT_PRIVACY_KEY``.
        rewrite: rewrite the file afterwards (pass False only to rewrite once after several).
        now: the time to record (default: now, UTC).

    Raises:
        ErasureError: no ids, an empty id, no reason, a reason naming a person forgotten, or
            an id the mart holds only in another spelling (nothing is erased then).
        TypeError, InputError: an id that is neither text nor a number, or a missing one (NaN).
        PrivacyKeyError: no privacy key, or not the key of the suppression list.
        MartError / MartBusyError: an id with control characters (nothing erased), or the
            rewrite failed (rows deleted, bytes left until :func:`rewrite_mart` succeeds).
    """
    ids = _checked_ids(customer_ids)
    resolved = privacy_key(key)
    check_key(mart, resolved)
    collect_journal(mart, key=resolved)  # downloads a server handed out become exports here
    subjects = scratch(mart, {SUBJECT: ids}, {SUBJECT: "string"})
    contacts = _contacts(mart, subjects)
    _check_reason(reason, ids, contacts)
    job = _Job(ids, subjects, contacts, erasure_plan(mart, keep_orders=keep_orders), reason)
    found = _found(mart, subjects, job.plan)
    _refuse_other_spellings(mart, [i for i in ids if i not in found])
    exports = exports_holding(mart, subjects)
    at = now or utcnow()
    with mart.transaction():
        done = _erase(mart, job, resolved, at)
        entry = audit.record(
            mart,
            actor or audit.cli_actor(),
            "forget",
            pseudonyms=pseudonymise(ids, key=resolved, label=AUDIT_LABEL),
            details=_details(job, keep_orders, done, found, exports),
            now=at,
        )
    discard_warm_state(mart.path)  # the servers' copies of the 360° view hold the people
    rewritten = rewrite_mart(mart) if rewrite and mart.path != ":memory:" else None
    return ForgetResult(
        tuple(ids), tuple(i for i in ids if i not in found), done.deleted, done.tombstoned,
        done.redacted, done.quarantine_removed, done.suppressed, done.refits, exports,
        done.requests_closed, entry.seq, rewritten,
    )  # fmt: skip


def _details(
    job: _Job, keep_orders: bool, done: _Done, found: set[str], exports: list[ExportRecord]
) -> dict[str, object]:
    """The audit entry's facts about an erasure (counts, never the people)."""
    return {
        "reason": job.reason.strip(),
        "n_subjects": len(job.ids),
        "n_not_found": len(job.ids) - len(found),
        "keep_orders": keep_orders,
        "deleted": done.deleted,
        "tombstoned_orders": done.tombstoned,
        "quarantine_removed": done.quarantine_removed,
        "refits": len(done.refits),
        "exports_to_purge": [e.export_id for e in exports],
    }


@dataclass(frozen=True)
class _Job:
    """What one erasure works on: the ids (also as a scratch table), their e-mails and
    phones as ``(value, kind)``, the table rules and the reason."""

    ids: list[str]
    subjects: ir.Table
    contacts: list[tuple[str, str]]
    plan: list[TableRule]
    reason: str


@dataclass
class _Done:
    """What :func:`_erase` changed."""

    suppressed: int = 0
    refits: list[RefitFlag] = field(default_factory=list)
    requests_closed: int = 0
    deleted: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)
    tombstoned: int = 0
    quarantine_removed: int = 0


def _erase(mart: Mart, job: _Job, key: PrivacyKey, now: dt.datetime) -> _Done:
    """Every change of an erasure but the audit entry, inside the caller's transaction."""
    orders = _orders_of(mart, job.subjects)
    seen = first_seen(mart, job.subjects)
    keep_orders = any(rule.action == "tombstone" for rule in job.plan)
    done = _Done()
    done.suppressed = suppress(
        mart,
        customer_ids=job.ids,
        emails=[e for e, kind in job.contacts if kind == "email"],
        order_ids=[o for o, _ in orders],
        key=key,
        now=now,
    )
    done.refits = flag_refits(mart, seen, job.reason, now)
    done.requests_closed = _close_requests(mart, job.subjects, now)
    tombstones = tombstone_map(mart, orders) if keep_orders else None
    for rule in job.plan:
        if rule.action == "cascade":
            n = cascade(mart, rule, job.subjects, job.plan, tombstones)
        elif rule.action == "tombstone" and tombstones is not None:
            done.tombstoned = tombstone(mart, tombstones)
            continue
        elif rule.action == "redact":
            done.redacted[rule.table] = redact(mart, rule, job.subjects)
            continue
        else:
            condition = in_scratch(subject_text(), job.subjects, SUBJECT)
            n = delete_where(mart, rule.table, condition)
        if n:
            done.deleted[rule.table] = n
    done.redacted = {table: n for table, n in done.redacted.items() if n}
    done.quarantine_removed = scrub_quarantine(mart, job.ids, [c for c, _ in job.contacts])
    return done


def _checked_ids(customer_ids: Iterable[CustomerId] | CustomerId) -> list[str]:
    """The ids as the mart's text (numbers as ingest writes them), each once, none empty."""
    ids: list[str] = []
    for text in customer_id_texts(customer_ids):  # one id is one, not its characters
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


def _refuse_other_spellings(mart: Mart, missing: list[str]) -> None:
    """Refuse ids the mart holds only as another spelling: erasing them would erase nobody."""
    near = other_spellings(mart, missing, complete=True)
    if near:
        fixes = "; ".join(f"{i!r}: the mart holds {', '.join(held)}" for i, held in near.items())
        raise ErasureError(
            f"these ids match no customer as written, and the mart holds them in another "
            f"spelling ({fixes}). Ids are matched exactly, case and spaces included; nothing "
            "was erased. Write the ids as the mart holds them and run the erasure again."
        )


def _found(mart: Mart, subjects: ir.Table, plan: list[TableRule]) -> set[str]:
    """The ids that have rows in any table with a customer id."""
    found: set[str] = set()
    for rule in plan:
        if rule.action == "cascade":
            continue
        table = mart.table(rule.table)
        hits = subjects.semi_join(table, subjects[SUBJECT] == table[SUBJECT].cast("string"))
        found |= set(hits[SUBJECT].to_pyarrow().to_pylist())
    return found


def _orders_of(mart: Mart, subjects: ir.Table) -> list[tuple[str, str]]:
    """(order_id, customer_id) of the people's orders."""
    orders = mart.table("orders").semi_join(subjects, SUBJECT).select("order_id", SUBJECT)
    return [(str(r["order_id"]), str(r[SUBJECT])) for r in orders.to_pyarrow().to_pylist()]


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
