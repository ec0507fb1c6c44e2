"""Privacy use cases: forget people, answer subject access, read and verify the audit trail,
keep data no longer than the retention policy says, track requests, and write exports that
respect consent and erasure.

``segmint forget|subject-access|audit|retention|requests``, the export options of other
commands, the API and pages (their reads of personal data and the audiences they hand out)
and :class:`segmint.workspace.Workspace` call these; the work itself is in
:mod:`segmint.mart.privacy` (see ``docs/privacy.md``).

Every export of customer data goes through :func:`write_export` (a file) or
:func:`segmint.mart.privacy.prepare_export` (rows handed out otherwise, e.g. an API
download): the list of forgotten people, and for a contact channel the do-not-contact table
``suppressions`` and the latest consent on it at export time, optional
keyed pseudonyms, and an entry in the export registry.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ibis.expr.types as ir

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.mart import privacy as core
from segmint.mart.csv_safety import neutralise_table
from segmint.mart.customer_ids import CustomerId
from segmint.mart.privacy import journal
from segmint.mart.privacy.pseudonyms import EXPORT_LABEL
from segmint.mart.privacy.refit_status import PendingRefit, clear_refitted, pending_refits
from segmint.mart.privacy.retention import RetentionPolicy, proposed_policy
from segmint.mart.private_files import private_file

EXPORT_SUFFIXES = (".csv", ".parquet")
MAX_IDS_IN_FILE = 1_000_000
"""Most customer ids a ``--file`` of ids may hold (a larger one is certainly a mistake)."""


# --- forgetting -----------------------------------------------------------------------


@dataclass(frozen=True)
class ForgetOptions:
    """What ``segmint forget`` was asked.

    Attributes:
        customer_ids: ids given one by one.
        id_file: a file of ids: a CSV with a ``customer_id`` column, or one id a line.
        reason: why (kept in the audit log; must not name the person).
        keep_orders: keep orders for accounting, detached from the person.
        actor: who asks (default ``cli:<user>``).
    """

    customer_ids: tuple[str, ...] = ()
    id_file: Path | None = None
    reason: str = ""
    keep_orders: bool = False
    actor: str | None = None


def read_ids(path: Path) -> list[str]:
    """Customer ids from a file: a CSV whose header has ``customer_id``, or one id a line.

    Raises:
        InputError: the file cannot be read, has a header without ``customer_id``, or holds
            more than :data:`MAX_IDS_IN_FILE` ids.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the ids in {path}: {exc}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    if len(header) > 1 and "customer_id" not in header:
        raise InputError(
            f"{path} has several columns but none called customer_id (found {rows[0]}); "
            "give a CSV with a customer_id column, or one id a line"
        )
    column = header.index("customer_id") if "customer_id" in header else 0
    body = rows[1:] if "customer_id" in header else rows
    ids = [row[column].strip() for row in body if len(row) > column and row[column].strip()]
    if len(ids) > MAX_IDS_IN_FILE:
        raise InputError(f"{path} holds {len(ids):,} ids; at most {MAX_IDS_IN_FILE:,} at once")
    return ids


def forget(mart: Mart, options: ForgetOptions) -> core.ForgetResult:
    """Forget the people given by id and in ``options.id_file`` (see :func:`core.forget`).

    Raises:
        InputError: no id at all, or an unreadable id file.
        ErasureError, PrivacyKeyError, MartError: as :func:`segmint.mart.privacy.forget`.
    """
    ids = list(options.customer_ids)
    if options.id_file is not None:
        ids += read_ids(options.id_file)
    if not ids:
        raise InputError("give the customer ids to forget, or --file with a list of them")
    return core.forget(
        mart,
        ids,
        options.reason,
        actor=options.actor or core.cli_actor(),
        keep_orders=options.keep_orders,
    )


def register_files(
    mart: Mart,
    paths: Iterable[Path],
    kind: str,
    description: str,
    *,
    members: Iterable[str] | None = None,
    actor: str | None = None,
) -> list[core.ExportRecord]:
    """Register files a command wrote from customer data (a report, plots, a subject's
    answer) in the export registry, so that an erasure lists them for purging.

    Without ``members`` the registry does not know who is in a file: every later erasure
    lists it (a report's tables and charts are drawn from every customer's results).
    """
    who = actor or core.cli_actor()
    ids = None if members is None else list(members)
    return [
        core.register_export(
            mart, Path(path).resolve(), kind, actor=who, description=description, members=ids
        )
        for path in paths
    ]


@dataclass(frozen=True)
class RefitReport:
    """Models flagged by erasures and not refitted since, and flags the refits cleared."""

    pending: list[PendingRefit]
    n_cleared: int


def refits(mart: Mart) -> RefitReport:
    """The models to refit after erasures (``segmint refits``). Flags of models refitted
    since their erasure (or no longer stored) are deleted first, when the mart is writable."""
    cleared = clear_refitted(mart)
    return RefitReport(pending_refits(mart), cleared)


def subject_access(
    mart: Mart, customer_id: CustomerId, out: Path, *, actor: str | None = None
) -> core.AccessResult:
    """Everything held about ``customer_id``, written to the new folder ``out``."""
    return core.subject_access(mart, customer_id, out, actor=actor or core.cli_actor())


# --- the audit trail ------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReport:
    """The audit trail as ``segmint audit`` shows it.

    Attributes:
        entries: the entries asked for, oldest first.
        collected: what was moved in from the servers' journal first.
        verification: the chain's check (None unless asked).
    """

    entries: list[core.AuditEntry]
    collected: core.Collected
    verification: core.AuditVerification | None = None


def parse_anchor(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` (as ``segmint audit --verify`` prints the head) as a pair.

    Raises:
        InputError: anything else.
    """
    seq, _, digest = text.partition(":")
    if not seq.strip().isdigit() or len(digest.strip()) != 64:
        raise InputError(
            f"an anchor is SEQ:HASH as `segmint audit --verify` prints the head, e.g. "
            f"'42:{'0' * 64}'; got {text!r}"
        )
    return int(seq), digest.strip().lower()


def audit_trail(
    mart: Mart,
    *,
    since: dt.datetime | None = None,
    action: str | None = None,
    verify: bool = False,
    anchor: tuple[int, str] | None = None,
) -> AuditReport:
    """The audit log (from ``since``, of one ``action``), after collecting the servers'
    journal; with ``verify``, the whole chain checked (against ``anchor`` when given)."""
    collected = core.collect_journal(mart)
    found = core.entries(mart, since=since, action=action)
    checked = core.verify(mart, anchor=anchor) if verify or anchor is not None else None
    return AuditReport(found, collected, checked)


def audit_read(
    mart_path: Path | str, actor: str, customer_ids: Iterable[str], *, view: str, via: str
) -> str | None:
    """Journal a server's read of personal data (see :mod:`segmint.mart.privacy.journal`).

    Returns:
        None when recorded; otherwise why it could not be (no privacy key, the journal not
        writable): the caller must then not show the personal data.
    """
    try:
        journal.append(
            mart_path, actor, "pii_read", subjects=customer_ids, details={"view": view, "via": via}
        )
    except (core.PrivacyKeyError, OSError) as exc:
        return f"Personal data is hidden: reads of it are audited, and the audit failed ({exc})"
    return None


def audit_download(
    mart_path: Path | str,
    actor: str,
    members: Iterable[str],
    *,
    path: str,
    kind: str,
    description: str,
    details: Mapping[str, Any],
) -> None:
    """Journal an export a server handed out (registered as an export when collected).

    Raises:
        PrivacyKeyError, OSError: it could not be journalled (the caller must not hand it out).
    """
    note = journal.ExportNote(path, kind, tuple(members), description)
    journal.append(mart_path, actor, "export", export=note, details=dict(details))


# --- retention ------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionOptions:
    """What ``segmint retention`` was asked: new periods (None keeps a rule, ``off`` removes
    it), a dry run, who asks."""

    events: str | None = None
    pii_inactive: str | None = None
    dry_run: bool = False
    actor: str | None = None
    history: str | None = None


@dataclass(frozen=True)
class RetentionOutcome:
    """The policy in force (or proposed, on a dry run) and what it deleted (or would)."""

    policy: RetentionPolicy
    result: core.RetentionResult
    stored: bool = False


def retention(mart: Mart, options: RetentionOptions) -> RetentionOutcome:
    """Store new periods and apply the policy now; with ``dry_run``, store nothing and count
    what the same policy would delete (the counts a real run then deletes).

    Raises:
        RetentionError: a period cannot be read.
    """
    actor = options.actor or core.cli_actor()
    periods = {
        "events": options.events,
        "pii_inactive": options.pii_inactive,
        "history": options.history,
    }
    if options.dry_run:
        policy = proposed_policy(mart, **periods)
        counted = core.apply_retention(mart, dry_run=True, policy=policy)
        return RetentionOutcome(policy, _with_history(mart, policy, counted, dry_run=True))
    stored = any(spec is not None for spec in periods.values())
    if stored:
        core.set_retention(
            mart,
            events=options.events,
            pii_inactive=options.pii_inactive,
            history=options.history,
            actor=actor,
        )
    policy = core.retention_policy(mart)
    deleted = core.apply_retention(mart, policy=policy, actor=actor)
    return RetentionOutcome(policy, _with_history(mart, policy, deleted, actor=actor), stored)


def apply_stored_retention(
    mart: Mart, *, actor: str | None = None, history: bool = False
) -> core.RetentionResult | None:
    """The refresh hook: apply the stored retention policy; None when there is none.

    Called first by every command that builds features or scores
    (:func:`segmint.workflows.features.current`, ``refresh_features``,
    :func:`segmint.workflows.predict.refresh_scores`), so nothing is computed from data the
    policy no longer keeps. A run that deleted events or personal data rewrites the mart
    file. The ``history`` rule (``history=True``: :func:`segmint.workflows.refresh.refresh`
    only) trims the stored assignments, scores and recommendations without a rewrite; it is storage, not
    what a computation may read, so a segmentation command does not pay its scan.
    """
    policy = core.retention_policy(mart)
    if mart.read_only or not policy.specs:
        return None
    who = actor or core.cli_actor()
    deleted = core.apply_retention(mart, policy=policy, actor=who)
    return _with_history(mart, policy, deleted, actor=who) if history else deleted


def _with_history(
    mart: Mart,
    policy: RetentionPolicy,
    result: core.RetentionResult,
    *,
    dry_run: bool = False,
    actor: str | None = None,
) -> core.RetentionResult:
    """``result`` with what the policy's ``history`` rule deleted (or would), when it is set."""
    if policy.history_days is None:
        return result
    from segmint.segmentation.history import apply_history  # pandas: only with the rule

    trimmed = apply_history(mart, policy.history_days, dry_run=dry_run, actor=actor)
    return replace(result, history=trimmed)


# --- requests -------------------------------------------------------------------------


def record_request(
    mart: Mart,
    customer_id: str,
    kind: str,
    law: str,
    *,
    received: dt.date | None = None,
    note: str = "",
    actor: str | None = None,
) -> core.PrivacyRequest:
    """Record an access or erasure request with its due date (GDPR one month, CCPA 45 days)."""
    at = None if received is None else dt.datetime.combine(received, dt.time())
    return core.record_request(
        mart, customer_id, kind, law, actor=actor or core.cli_actor(), received_at=at, note=note
    )


def requests(mart: Mart, *, open_only: bool = False) -> list[core.PrivacyRequest]:
    """The requests, soonest due first (only the open ones with ``open_only``)."""
    return core.list_requests(mart, status="open" if open_only else None)


def close_request(
    mart: Mart, request_id: int, *, note: str | None = None, actor: str | None = None
) -> core.PrivacyRequest:
    """Mark a request done by hand (answered another way, or refused: say why in ``note``)."""
    return core.close_request(mart, request_id, actor=actor or core.cli_actor(), note=note)


# --- exports --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportOptions:
    """How an export leaves: for contacting people on ``channel`` (their latest consent
    there applies) or for analysis (None); with customer ids replaced by keyed pseudonyms
    (``pseudonymise``, under ``label``: a new label rotates them)."""

    channel: str | None = None
    pseudonymise: bool = False
    label: str = EXPORT_LABEL


@dataclass(frozen=True)
class WrittenExport:
    """What :func:`write_export` wrote and registered."""

    path: Path
    n_rows: int
    eligible: core.Eligible
    record: core.ExportRecord
    pseudonymised: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def check_export_path(out_file: Path) -> str:
    """The file's suffix in lower case, when it is one an export can write; its folder is
    made when missing (as a user naming ``exports/june/rfm.csv`` expects).

    Raises:
        InputError: another file type, a folder where the file should be, or a folder that
            cannot be made.
    """
    suffix = out_file.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InputError(f"--out {out_file}: use a .csv or .parquet file name")
    if out_file.is_dir():
        raise InputError(f"--out {out_file} is a folder; name the file to write in it")
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out_file}: cannot make its folder ({exc.strerror})") from None
    return suffix


def write_export(
    mart: Mart,
    rows: ir.Table,
    out_file: Path,
    *,
    kind: str,
    description: str,
    options: ExportOptions | None = None,
    actor: str | None = None,
) -> WrittenExport:
    """Write ``rows`` (with a ``customer_id`` column) to a ``.csv`` or ``.parquet`` file: the
    list of forgotten people and, for a channel, the do-not-contact table ``suppressions``
    and the latest consent applied; ids pseudonymised when
    asked; CSV cells safe for spreadsheets; the file registered as an export (who is in it),
    which writes an audit entry.

    Raises:
        InputError: another file type. PrivacyKeyError: pseudonyms (or a suppression list)
            without the privacy key. ConsentError: an empty channel, or one the mart records
            no consent on at all (nothing is written).
    """
    options = options or ExportOptions()
    suffix = check_export_path(out_file)
    prepared = core.prepare_export(
        mart,
        rows,
        channel=options.channel,
        pseudonymise=options.pseudonymise,
        label=options.label,
    )
    counted = prepared.eligible
    if counted.channel is not None:
        core.refuse_unrecorded_channel(
            mart,
            counted.channel,
            counted.n_without_consent,
            f"the {description} are exported for contact by {counted.channel} (--channel)",
            f"the {counted.n_candidates - counted.n_suppressed:,} customers in them",
        )
    written = prepared.rows.order_by(list(prepared.rows.columns))  # one order, every engine
    with private_file(out_file):
        if suffix == ".csv":
            neutralise_table(written).to_csv(out_file)
        else:
            written.to_parquet(out_file)
    n_rows = int(written.count().execute())
    counts = prepared.eligible.counts()
    record = core.register_export(
        mart,
        out_file.resolve(),
        kind,
        actor=actor or core.cli_actor(),
        description=description,
        members=prepared.members,
        n_rows=n_rows,
        details={**counts, "channel": options.channel, "pseudonymised": options.pseudonymise},
    )
    return WrittenExport(out_file, n_rows, prepared.eligible, record, options.pseudonymise, counts)
