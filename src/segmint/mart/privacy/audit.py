"""The audit trail: who did what to whose personal data, in an append-only hash chain.

Every row of ``audit_log`` holds who acted (a token's *label*, or ``cli:<user>``; never a
token), what they did, which subjects (as keyed pseudonyms, never customer ids: the log
outlives erasures), when, free details, the previous row's hash and its own hash::

    row_hash = SHA-256(JSON [seq, at, actor, action, subjects, details, prev_hash])

so changing any field of a row changes its hash, and the next row's ``prev_hash`` no longer
matches; removing a row leaves a gap in ``seq`` and a broken link; swapping two rows breaks
both. :func:`verify` walks the chain and names the first row where it breaks.

Limits: the mart file is the user's own, so someone who can write it can also rewrite the
whole chain from the tampered row on with fresh hashes, or cut rows off its end. Keep the
head (:attr:`AuditVerification.head`) somewhere else from time to time (a ticket, an
e-mail to the data protection officer) and pass it back as ``anchor``: a rewritten or
shortened chain then no longer contains it. The table has no triggers (DuckDB has none);
"append-only" is this module's promise, checked by :func:`verify`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis

from segmint.exceptions import SegmintError
from segmint.mart.connection import Mart
from segmint.mart.privacy._engine import utcnow
from segmint.mart.privacy.keys import PrivacyKey, sha256_hex
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonymise
from segmint.mart.schema import AUDIT_LOG
from segmint.mart.tokens import TOKEN_PREFIX, TOKENS_TABLE, hash_token

TABLE = AUDIT_LOG.name
GENESIS = "0" * 64
"""``prev_hash`` of the first row."""


class AuditError(SegmintError):
    """An audit entry that cannot be recorded as given (e.g. a token given as the actor)."""


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    subjects: tuple[str, ...]
    details: dict[str, Any]
    prev_hash: str
    row_hash: str


@dataclass(frozen=True)
class AuditVerification:
    """What :func:`verify` found.

    Attributes:
        n_entries: rows in the log.
        head: ``(seq, row_hash)`` of the last row (``(0, GENESIS)`` for an empty log).
        problems: one sentence per break found, first break first; empty when intact.
    """

    n_entries: int
    head: tuple[int, str]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is intact (and contains the anchor, when one was given)."""
        return not self.problems


def cli_actor() -> str:
    """``cli:<user>``: the actor of a command run from a shell."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"cli:{user}"


def row_hash(
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    subjects: str,
    details: str,
    prev_hash: str,
) -> str:
    """The hash of one row (see the module docstring); ``subjects`` and ``details`` as stored."""
    fields = [
        seq,
        at.isoformat(timespec="microseconds"),
        actor,
        action,
        subjects,
        details,
        prev_hash,
    ]
    return sha256_hex(json.dumps(fields, ensure_ascii=False, separators=(",", ":")))


def record(
    mart: Mart,
    actor: str,
    action: str,
    *,
    subjects: Iterable[str] = (),
    pseudonyms: Iterable[str] = (),
    details: Mapping[str, Any] | None = None,
    key: PrivacyKey | str | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    Args:
        mart: the mart, open for writing (inside the caller's transaction or not).
        actor: who acted: a token's label or :func:`cli_actor`; never the token itself.
        action: what was done, one word (``forget``, ``subject_access``, ``export``…).
        subjects: customer ids concerned; stored as audit pseudonyms (needs the privacy key).
        pseudonyms: subjects already pseudonymised (e.g. of a person already forgotten).
        details: JSON-ready facts: counts, reasons, paths. Never personal data.
        key: the privacy key; default ``SEGMINT_PRIVACY_KEY`` (only needed with subjects).
        now: the time to record (default: now, UTC).

    Raises:
        AuditError: ``actor`` or ``action`` is empty, or ``actor`` is a token.
        PrivacyKeyError: subjects are given and no privacy key is available.
    """
    ids = [str(s) for s in subjects]
    named = set(pseudonymise(ids, key=key, label=AUDIT_LABEL) if ids else []) | set(pseudonyms)
    at = (now or utcnow()).replace(tzinfo=None)
    return append_entries(mart, [(actor, action, sorted(named), dict(details or {}), at)])[0]


PendingEntry = tuple[str, str, list[str], dict[str, Any], dt.datetime]
"""``(actor, action, subject pseudonyms, details, at)`` of an entry still to be appended."""


def append_entries(mart: Mart, pending: list[PendingEntry]) -> list[AuditEntry]:
    """Append several entries in one insert, chained in the order given; return them.

    :func:`record` appends one; :func:`segmint.mart.privacy.journal.collect_journal`
    appends what servers journalled. Subjects are pseudonyms already.

    Raises:
        AuditError: an actor or action is empty, or an actor is a token.
    """
    actors = {actor: _checked_actor(mart, actor) for actor in {p[0] for p in pending}}
    seq, prev = _head(mart)
    made: list[AuditEntry] = []
    for given, action, named, details, at in pending:
        actor = actors[given]
        if not action.strip():
            raise AuditError("an audit entry needs an action, e.g. 'forget' or 'export'")
        subjects_text = json.dumps(sorted(named))
        details_text = json.dumps(details, sort_keys=True, default=str)
        seq += 1
        digest = row_hash(seq, at, actor, action.strip(), subjects_text, details_text, prev)
        made.append(
            AuditEntry(
                seq,
                at,
                actor,
                action.strip(),
                tuple(sorted(named)),
                json.loads(details_text),
                prev,
                digest,
            )
        )
        prev = digest
    if made:
        rows = {
            "seq": [e.seq for e in made],
            "at": [e.at for e in made],
            "actor": [e.actor for e in made],
            "action": [e.action for e in made],
            "subjects": [json.dumps(list(e.subjects)) for e in made],
            "details": [json.dumps(e.details, sort_keys=True, default=str) for e in made],
            "prev_hash": [e.prev_hash for e in made],
            "row_hash": [e.row_hash for e in made],
        }
        mart.insert(TABLE, ibis.memtable(rows, schema=AUDIT_LOG.ibis_schema()))
    return made


def _checked_actor(mart: Mart, actor: str) -> str:
    actor = actor.strip()
    if not actor:
        raise AuditError("an audit entry needs an actor: a token's label or 'cli:<user>'")
    is_token = actor.startswith(TOKEN_PREFIX)
    if not is_token and mart.has_table(TOKENS_TABLE):
        tokens = mart.table(TOKENS_TABLE)
        is_token = bool(tokens.filter(tokens.token_hash == hash_token(actor)).count().execute())
    if is_token:
        raise AuditError(
            "the actor of an audit entry looks like an access token; record the token's "
            "label (who it is for) instead, never the token itself"
        )
    return actor


def _head(mart: Mart) -> tuple[int, str]:
    """``(seq, row_hash)`` of the last row; ``(0, GENESIS)`` when the log is empty."""
    log = mart.table(TABLE)
    last = log.order_by(ibis.desc("seq")).limit(1).select("seq", "row_hash").to_pyarrow()
    if not last.num_rows:
        return 0, GENESIS
    return int(last["seq"][0].as_py()), str(last["row_hash"][0].as_py())


def entries(
    mart: Mart, *, since: dt.datetime | None = None, action: str | None = None
) -> list[AuditEntry]:
    """The audit log in order, optionally from ``since`` (UTC) and of one ``action``."""
    log = mart.table(TABLE)
    if since is not None:
        log = log.filter(log.at >= ibis.literal(since, "timestamp"))
    if action is not None:
        log = log.filter(log.action == action)
    rows = log.order_by("seq").to_pyarrow().to_pylist()
    return [_entry(row) for row in rows]


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        int(row["seq"]),
        row["at"],
        str(row["actor"]),
        str(row["action"]),
        tuple(json.loads(row["subjects"] or "[]")),
        json.loads(row["details"] or "{}"),
        str(row["prev_hash"]),
        str(row["row_hash"]),
    )


def verify(mart: Mart, *, anchor: tuple[int, str] | None = None) -> AuditVerification:
    """Walk the chain and report every break: a changed, removed or reordered row.

    Args:
        mart: the mart.
        anchor: a ``(seq, row_hash)`` head noted earlier: the log must still contain it
            (detects a log cut short or rewritten from an earlier row on).
    """
    rows = mart.table(TABLE).order_by("seq").to_pyarrow().to_pylist()
    problems: list[str] = []
    prev = GENESIS
    for position, row in enumerate(rows, start=1):
        seq = int(row["seq"])
        if seq != position:
            problems.append(
                f"entry {position} is missing or out of place: found seq {seq} there "
                "(a row was removed or reordered)"
            )
        if row["prev_hash"] != prev:
            problems.append(
                f"entry {seq}: prev_hash does not match the hash of the entry before it "
                "(a row before it was removed, reordered or changed)"
            )
        expected = row_hash(
            seq,
            row["at"],
            str(row["actor"]),
            str(row["action"]),
            str(row["subjects"]),
            str(row["details"]),
            str(row["prev_hash"]),
        )
        if row["row_hash"] != expected:
            problems.append(f"entry {seq}: its content does not match its hash (it was changed)")
        prev = str(row["row_hash"])
    head = (int(rows[-1]["seq"]), str(rows[-1]["row_hash"])) if rows else (0, GENESIS)
    if anchor is not None:
        seq, digest = anchor
        kept = next((r for r in rows if int(r["seq"]) == seq), None)
        if kept is None or kept["row_hash"] != digest:
            problems.append(
                f"the anchor (entry {seq}, hash {digest[:12]}…) is not in the log: it was cut "
                "short or rewritten after the anchor was noted"
            )
    return AuditVerification(len(rows), head, problems)
