"""Printing the audit trail and what an export wrote: tables for people on stdout, hints
on stderr, ``--format json`` for scripts."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text

from segmint.cli._options import OutputFormat
from segmint.cli._output import err, out
from segmint.cli._privacy_output import print_json
from segmint.mart.privacy import AuditEntry
from segmint.workflows.privacy import AuditReport, WrittenExport


def _entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "subjects": list(entry.subjects),
        "details": entry.details,
        "row_hash": entry.row_hash,
    }


def show_audit(report: AuditReport, format_: OutputFormat) -> None:
    """Print the audit entries and, when checked, whether the chain holds and its head."""
    checked = report.verification
    if format_ == OutputFormat.json:
        document: dict[str, Any] = {"entries": [_entry(e) for e in report.entries]}
        if checked is not None:
            seq, digest = checked.head
            document["verification"] = {
                "ok": checked.ok,
                "n_entries": checked.n_entries,
                "head": f"{seq}:{digest}",
                "problems": checked.problems,
            }
        print_json(document)
        return
    if report.collected.n_entries:
        err.print(f"moved {report.collected.n_entries:,} entries in from the servers' journal")
    view = Table("seq", "at (UTC)", "who", "what", "subjects", "details", title="audit log")
    for e in report.entries:
        details = json.dumps(e.details, default=str)
        view.add_row(
            str(e.seq),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            e.actor,
            e.action,
            str(len(e.subjects)),
            details[:80] + ("…" if len(details) > 80 else ""),
        )
    out.print(view)
    if checked is None:
        return
    seq, digest = checked.head
    if checked.ok:
        out.print(f"chain intact: {checked.n_entries:,} entries; head {seq}:{digest}")
        err.print("note the head elsewhere and pass it back later with --anchor")
    for problem in checked.problems:
        err.print(Text.assemble(("broken:", "bold red"), f" {problem}"), highlight=False)


def show_export(written: WrittenExport, rows: str = "rows") -> None:
    """Say what an export wrote (``rows``: what a row is, e.g. customers), who was left out
    and why, and its registry entry."""
    counts = written.counts
    err.print(
        f"wrote {written.n_rows:,} {rows} to {written.path}"
        f"{' with pseudonymised ids' if written.pseudonymised else ''}",
        highlight=False,
    )
    left = [
        f"{counts[name]:,} {what}"
        for name, what in (
            ("n_suppressed", "suppressed" if written.eligible.channel else "forgotten"),
            ("n_without_consent", f"without consent for {written.eligible.channel}"),
        )
        if counts.get(name)
    ]
    if left:
        err.print(f"left out: {', '.join(left)}", highlight=False)
    err.print(f"registered as export {written.record.export_id}", highlight=False)
