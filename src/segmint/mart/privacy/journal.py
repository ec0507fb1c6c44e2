"""Audit entries from processes that only read the mart: a journal beside it.

A dashboard server reads a snapshot of the mart and never writes the mart itself (see
:mod:`segmint.mart.serving`: a writer there would block every load), yet every read of
personal data through its API and pages, and every audience it hands out, belongs in the
audit log. So it appends them to a journal beside the mart, ``<mart>.audit-journal.jsonl``
(mode 0600): one JSON object a line, written whole under an exclusive lock (several server
processes may append), each line chained to the one before it by a SHA-256 hash, as the
audit log itself is. Subjects are audit pseudonyms already (the server needs the privacy
key; without it, it does not show personal data at all).

Whoever next writes the audit log moves the journal into it with :func:`collect_journal`:
every erasure does so first (so an audience downloaded before is listed for the person),
and so does ``segmint audit``. Lines are appended to ``audit_log`` in the journal's order,
with the time they happened; a line whose chain is broken is still moved, and the audit log
then also records where the journal was tampered with. A line describing a download also
registers an export (:func:`segmint.mart.privacy.register_export`) with its members. The
journal names those members by audit pseudonym too, never by customer id (it is a plain
file beside the mart, which an erasure's rewrite does not reach); the collection finds the
ids back by computing the pseudonyms of the mart's customers
(:func:`segmint.mart.privacy.journal_members.resolve_members`), and registers the export
as one that may hold anybody when some cannot be found or no key is at hand.
Each moved line keeps its hash in the entry's details (``journal``), so a collection that
stopped half-way (a crash between committing and emptying the journal) never moves a line
twice.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segmint.mart.connection import Mart
from segmint.mart.privacy import audit
from segmint.mart.privacy._engine import utcnow
from segmint.mart.privacy.exports import register_export
from segmint.mart.privacy.journal_members import resolve_members
from segmint.mart.privacy.keys import PrivacyKey, sha256_hex
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonymise
from segmint.mart.snapshot import FILE_MODE
from segmint.mart.tokens import TOKEN_PREFIX

SUFFIX = ".audit-journal.jsonl"
GENESIS = audit.GENESIS
_TAIL = re.compile(rb'"hash":\s*"([0-9a-f]{64})"\}\s*$')


def journal_path(mart: Path | str) -> Path:
    """Where the audit journal of the mart file ``mart`` lives."""
    return Path(f"{mart}{SUFFIX}")


@dataclass(frozen=True)
class ExportNote:
    """A download a server handed out, registered as an export when collected.

    Attributes:
        path: what was downloaded (e.g. ``download:/api/v1/audiences/rfm/Champions``).
        kind: ``audience``, ``recommendations``…
        members: the customer ids in it (given to :func:`append`); in a journalled line,
            their audit pseudonyms (``pseudonymised``).
        description: what it holds.
        pseudonymised: True when ``members`` are audit pseudonyms (every line written by
            :func:`append`; False only for a line of a journal written before pseudonyms).
    """

    path: str
    kind: str
    members: tuple[str, ...]
    description: str = ""
    pseudonymised: bool = False


@dataclass(frozen=True)
class JournalLine:
    """One journalled entry, as written."""

    at: dt.datetime
    actor: str
    action: str
    subjects: tuple[str, ...]
    details: dict[str, Any]
    export: ExportNote | None
    prev: str
    hash: str


@dataclass(frozen=True)
class Collected:
    """What :func:`collect_journal` moved into the audit log.

    Attributes:
        n_entries: journal lines moved (skipped ones not counted).
        n_exports: of those, downloads registered as exports.
        n_skipped: lines already in the log (a collection stopped half-way before).
        problems: breaks found in the journal's chain (also recorded in the log).
    """

    n_entries: int = 0
    n_exports: int = 0
    n_skipped: int = 0
    problems: list[str] = field(default_factory=list)


def append(
    mart: Path | str,
    actor: str,
    action: str,
    *,
    subjects: Iterable[str] = (),
    details: Mapping[str, Any] | None = None,
    export: ExportNote | None = None,
    key: PrivacyKey | str | None = None,
    now: dt.datetime | None = None,
) -> JournalLine:
    """Append one audit entry to the journal of the mart file ``mart``.

    Args:
        mart: the mart's path (not the snapshot's).
        actor: who acted: a token's label or a session user's label; never a token.
        action: what was done (``pii_read``, ``export``…).
        subjects: customer ids concerned; written as audit pseudonyms.
        details: JSON-ready facts. Never personal data (no ids, no e-mails).
        export: a download to register as an export when the journal is collected.
        key: the privacy key; default ``SEGMINT_PRIVACY_KEY``.
        now: the time to record (default: now, UTC).

    Raises:
        AuditError: empty actor or action, or an actor that is a token.
        PrivacyKeyError: no privacy key (the caller must then not show the data).
        OSError: the journal cannot be written (idem).
    """
    actor = _checked(actor, action)
    ids = [str(s) for s in subjects]
    named = sorted(set(pseudonymise(ids, key=key, label=AUDIT_LABEL))) if ids else []
    at = (now or utcnow()).replace(tzinfo=None)
    if export is not None:
        members = export.members
        if not export.pseudonymised:
            members = tuple(pseudonymise(list(members), key=key, label=AUDIT_LABEL))
        export = ExportNote(
            export.path, export.kind, tuple(sorted(set(members))), export.description, True
        )
    body: dict[str, Any] = {
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action.strip(),
        "subjects": named,
        "details": dict(details or {}),
        "export": _export_body(export),
    }
    with _locked(journal_path(mart), create=True) as fd:
        prev = _last_hash(fd)
        content = _canonical(body)
        digest = sha256_hex(prev + content)
        line = json.dumps({**body, "prev": prev, "hash": digest}, default=str)
        os.lseek(fd, 0, os.SEEK_END)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    return _line({**body, "prev": prev, "hash": digest})


def _checked(actor: str, action: str) -> str:
    actor = actor.strip()
    if not actor or actor.startswith(TOKEN_PREFIX):
        raise audit.AuditError(
            "a journal entry needs an actor: a token's label or a user's label, never a token"
        )
    if not action.strip():
        raise audit.AuditError("a journal entry needs an action, e.g. 'pii_read'")
    return actor


def pending(mart: Path | str) -> list[JournalLine]:
    """The journal's lines not yet collected, oldest first."""
    path = journal_path(mart)
    if not path.exists():
        return []
    with _locked(path, create=False) as fd:
        return _parsed(_read_lines(fd))[0]


def collect_journal(mart: Mart, *, key: PrivacyKey | str | None = None) -> Collected:
    """Move the journal of ``mart`` into its audit log and empty the journal.

    Call it with the mart open for writing and outside any transaction of the caller.
    ``key`` (default ``SEGMINT_PRIVACY_KEY``) finds the customer ids of downloads back
    from their pseudonyms.
    """
    if mart.read_only or mart.path == ":memory:":
        return Collected()
    path = journal_path(mart.path)
    if not path.exists():
        return Collected()
    with _locked(path, create=False) as fd:
        lines, problems = _parsed(_read_lines(fd))
        if not lines and not problems:
            return Collected()
        problems += _chain_problems(lines)
        done = _already_moved(mart, min(line.at for line in lines)) if lines else set()
        fresh = [line for line in lines if line.hash not in done]
        n_exports = _move(mart, fresh, key)
        if problems:
            audit.record(
                mart,
                "segmint",
                "audit_journal_broken",
                details={"journal": str(path), "problems": problems},
            )
        os.ftruncate(fd, 0)
        os.fsync(fd)
    return Collected(len(fresh), n_exports, len(lines) - len(fresh), problems)


def _move(mart: Mart, lines: list[JournalLine], key: PrivacyKey | str | None) -> int:
    """Append ``lines`` to the audit log in order: plain entries in batches, downloads as
    registered exports; the number of exports."""
    batch: list[audit.PendingEntry] = []
    n_exports = 0
    for line in lines:
        details = {**line.details, "journal": line.hash}
        if line.export is None:
            batch.append((line.actor, line.action, list(line.subjects), details, line.at))
            continue
        if batch:
            audit.append_entries(mart, batch)
            batch = []
        note = line.export
        ids = resolve_members(mart, note.members, key) if note.pseudonymised else note.members
        register_export(
            mart,
            note.path,
            note.kind,
            actor=line.actor,
            description=note.description,
            members=None if ids is None else list(ids),
            n_rows=len(note.members),
            details=details if ids is not None else {**details, "members_unresolved": True},
            now=line.at,
        )
        n_exports += 1
    if batch:
        audit.append_entries(mart, batch)
    return n_exports


def _already_moved(mart: Mart, since: dt.datetime) -> set[str]:
    """Hashes of journal lines moved already (entries from ``since`` on that carry one)."""
    log = mart.table(audit.TABLE)
    recent = log.filter(log.at >= since).details.to_pyarrow().to_pylist()
    found: set[str] = set()
    for text in recent:
        moved = json.loads(text or "{}").get("journal")
        if isinstance(moved, str):
            found.add(moved)
    return found


def _parsed(texts: list[str]) -> tuple[list[JournalLine], list[str]]:
    """The readable lines, and one problem for each line that is not."""
    lines: list[JournalLine] = []
    problems: list[str] = []
    for number, text in enumerate(texts, start=1):
        try:
            lines.append(_line(json.loads(text)))
        except (ValueError, KeyError, TypeError, AttributeError):
            problems.append(f"journal line {number} is not a readable entry; it was dropped")
    return lines, problems


def _chain_problems(lines: list[JournalLine]) -> list[str]:
    problems: list[str] = []
    prev = GENESIS  # the journal starts afresh after every collection
    for number, line in enumerate(lines, start=1):
        body = {
            "at": line.at.isoformat(timespec="microseconds"),
            "actor": line.actor,
            "action": line.action,
            "subjects": list(line.subjects),
            "details": line.details,
            "export": _export_body(line.export),
        }
        if line.prev != prev:
            problems.append(f"journal line {number}: a line before it was removed or reordered")
        if sha256_hex(line.prev + _canonical(body)) != line.hash:
            problems.append(f"journal line {number}: its content does not match its hash")
        prev = line.hash
    return problems


def _export_body(export: ExportNote | None) -> dict[str, Any] | None:
    if export is None:
        return None
    members = "member_pseudonyms" if export.pseudonymised else "members"
    return {
        "path": export.path,
        "kind": export.kind,
        "description": export.description,
        members: list(export.members),
    }


def _canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _line(row: dict[str, Any]) -> JournalLine:
    export = row.get("export")
    note = (
        None
        if not export
        else ExportNote(
            str(export["path"]),
            str(export["kind"]),
            tuple(str(m) for m in export.get("member_pseudonyms", export.get("members", []))),
            str(export.get("description", "")),
            "member_pseudonyms" in export,
        )
    )
    return JournalLine(
        dt.datetime.fromisoformat(str(row["at"])),
        str(row["actor"]),
        str(row["action"]),
        tuple(str(s) for s in row.get("subjects", [])),
        dict(row.get("details") or {}),
        note,
        str(row.get("prev", "")),
        str(row.get("hash", "")),
    )


@contextmanager
def _locked(path: Path, *, create: bool) -> Iterator[int]:
    """The journal open for reading and appending, under an exclusive lock."""
    flags = os.O_RDWR | (os.O_CREAT if create else 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _last_hash(fd: int) -> str:
    """The hash of the journal's last line (:data:`GENESIS` when empty)."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return GENESIS
    start = max(0, size - 512)
    os.lseek(fd, start, os.SEEK_SET)
    tail = os.read(fd, size - start)
    found = _TAIL.search(tail)
    if found is None:  # a damaged last line: chain on its own hash, collection reports it
        return sha256_hex(tail.decode(errors="replace"))
    return found.group(1).decode()


def _read_lines(fd: int) -> list[str]:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return [text for text in b"".join(chunks).decode().splitlines() if text.strip()]
