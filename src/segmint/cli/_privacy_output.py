"""Printing an erasure (the audit trail and exports: :mod:`segmint.cli._audit_output`;
retention and requests: :mod:`segmint.cli._retention_output`). Tables for people on stdout (hints on stderr);
``--format json`` gives one JSON document for scripts. Nothing printed names a forgotten
person."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from segmint.cli._options import OutputFormat
from segmint.cli._output import err, out
from segmint.mart.privacy import ForgetResult
from segmint.workflows.privacy import RefitReport


def print_json(document: Any) -> None:
    """One JSON document on stdout (dates as ISO text)."""
    typer.echo(json.dumps(document, default=str, indent=2))


def forget_document(result: ForgetResult) -> dict[str, Any]:
    """What an erasure did, JSON-ready (ids asked for are not repeated: only counts)."""
    rewrite = result.rewrite
    return {
        "n_customers": len(result.customer_ids),
        "n_not_found": len(result.not_found),
        "deleted": result.deleted,
        "redacted": result.redacted,
        "tombstoned_orders": result.tombstoned_orders,
        "quarantine_removed": result.quarantine_removed,
        "suppressed": result.suppressed,
        "requests_closed": result.requests_closed,
        "exports_to_purge": [
            {
                "export_id": e.export_id,
                "path": e.path,
                "kind": e.kind,
                "created_at": e.created_at,
                "created_by": e.created_by,
                "members_known": e.members_known,
                "exists": e.exists,
            }
            for e in result.exports
        ],
        "refits": [
            {"source": f.source, "run_id": f.run_id, "model": f.model, "as_of": f.as_of}
            for f in result.refits
        ],
        "rewritten": None if rewrite is None else {"bytes_before": rewrite.bytes_before,
                                                   "bytes_after": rewrite.bytes_after},
        "audit_seq": result.audit_seq,
    }  # fmt: skip


def show_forget(result: ForgetResult, format_: OutputFormat) -> None:
    """Print what was removed per table, the exports to purge and the models to refit."""
    if format_ == OutputFormat.json:
        print_json(forget_document(result))
        return
    n, missing = len(result.customer_ids), len(result.not_found)
    found = n - missing
    headline = f"forgot {found:,} customer{'s' if found != 1 else ''}"
    if missing:  # kept out of future loads all the same
        verb = "is" if missing == 1 else "are"
        headline += (
            f"; {missing:,} of the {n:,} ids had no data in the mart and {verb} kept out of "
            "future loads"
        )
    out.print(headline, highlight=False)
    view = Table("table", "rows removed", title="removed")
    for table, count in sorted(result.deleted.items()):
        view.add_row(table, f"{count:,}")
    for table, count in sorted(result.redacted.items()):
        view.add_row(table, f"{count:,} kept, customer id emptied")
    if result.tombstoned_orders:
        view.add_row("orders", f"{result.tombstoned_orders:,} kept for accounting, detached")
    if result.quarantine_removed:
        view.add_row("quarantine", f"{result.quarantine_removed:,}")
    out.print(view)
    _show_exports(result)
    _show_refits(result)
    if result.rewrite is not None:
        out.print(
            f"mart file rewritten ({result.rewrite.bytes_before:,} → "
            f"{result.rewrite.bytes_after:,} bytes): the removed rows left no bytes behind",
            highlight=False,
        )
    out.print(f"audit entry {result.audit_seq}", highlight=False)


def _show_exports(result: ForgetResult) -> None:
    if not result.exports:
        out.print("exports to purge: none registered", highlight=False)
        return
    view = Table("export", "path", "kind", "written", "by", "holds them", title="exports to purge")
    for e in result.exports:
        where = e.path if e.exists or e.path.startswith("download:") else f"{e.path} (gone)"
        view.add_row(
            str(e.export_id),
            where,
            e.kind,
            f"{e.created_at:%Y-%m-%d %H:%M}",
            e.created_by,
            "yes" if e.members_known else "maybe (members unknown)",
        )
    out.print(view)


def _show_refits(result: ForgetResult) -> None:
    if not result.refits:
        out.print("models to refit: none", highlight=False)
        return
    view = Table("model", "kept in", "run", "fitted as of", title="models flagged for refit")
    for f in result.refits:
        view.add_row(f.model, f.source, "" if f.run_id is None else str(f.run_id), str(f.as_of))
    out.print(view)


def show_refits(report: RefitReport, format_: OutputFormat) -> None:
    """The models still to refit after erasures, and how many flags refits have cleared."""
    if format_ == OutputFormat.json:
        rows = [
            {"source": f.source, "run_id": f.run_id, "model": f.model, "as_of": f.as_of,
             "n_subjects": f.n_subjects, "flagged_at": f.flagged_at, "reason": f.reason}
            for f in report.pending
        ]  # fmt: skip
        print_json({"pending": rows, "count": len(rows), "cleared": report.n_cleared})
        return
    if report.n_cleared:
        err.print(f"{report.n_cleared:,} flags cleared: those models were refitted since")
    if not report.pending:
        out.print("models to refit: none", highlight=False)
        return
    view = Table("model", "kept in", "run", "fitted as of", "people", "flagged", "reason",
                 title="models to refit (fitted on data of people forgotten since)")  # fmt: skip
    for f in report.pending:
        view.add_row(
            f.model,
            f.source,
            "" if f.run_id is None else str(f.run_id),
            str(f.as_of),
            f"{f.n_subjects:,}",
            f"{f.flagged_at:%Y-%m-%d %H:%M}",
            f.reason,
        )
    out.print(view)
