"""Printing retention runs and privacy requests: tables for people on stdout (hints on
stderr), ``--format json`` for scripts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.table import Table

from segmint.cli._options import OutputFormat
from segmint.cli._output import err, out
from segmint.cli._privacy_output import print_json
from segmint.mart.privacy import HistoryResult, PrivacyRequest
from segmint.workflows.privacy import RetentionOutcome


def show_retention(outcome: RetentionOutcome, format_: OutputFormat) -> None:
    """Print the policy and what it deleted (or, on a dry run, would delete)."""
    result = outcome.result
    if format_ == OutputFormat.json:
        print_json(
            {
                "policy": dict(outcome.policy.specs),
                "stored": outcome.stored,
                "dry_run": result.dry_run,
                "events_cutoff": result.events_cutoff,
                "events_deleted": result.events_deleted,
                "pii_cutoff": result.pii_cutoff,
                "pii_deleted": result.pii_deleted,
                "history": _history_json(result.history),
            }
        )
        return
    specs = ", ".join(f"{rule} {spec}" for rule, spec in outcome.policy.specs) or "none"
    out.print(f"retention policy: {specs}{' (stored)' if outcome.stored else ''}", highlight=False)
    verb = "would delete" if result.dry_run else "deleted"
    view = Table("rule", "cut-off (UTC)", verb, title="dry run" if result.dry_run else "applied")
    view.add_row("events", _when(result.events_cutoff), f"{result.events_deleted:,} events")
    view.add_row(
        "pii_inactive", _when(result.pii_cutoff), f"{result.pii_deleted:,} personal-data rows"
    )
    history = result.history
    if history is None:
        view.add_row("history", "rule not set", "")
    else:
        cut = f"{history.days} days before each latest date"
        view.add_row("history", cut, f"{history.assignments_deleted:,} assignments rows")
        view.add_row("", "", f"{history.segment_runs_deleted:,} segment_runs rows")
        view.add_row("", "", f"{history.scores_deleted:,} scores rows")
        view.add_row("", "", f"{history.recommendations_deleted:,} recommendations rows")
    out.print(view)
    if result.dry_run:
        err.print("nothing was changed; run again without --dry-run to apply it")


def _history_json(history: HistoryResult | None) -> dict[str, Any] | None:
    """What the history rule deleted, JSON-ready (None: the rule is not set)."""
    if history is None:
        return None
    return {
        "days": history.days,
        "cutoffs": dict(history.cutoffs),
        "assignments_deleted": history.assignments_deleted,
        "segment_runs_deleted": history.segment_runs_deleted,
        "scores_deleted": history.scores_deleted,
        "recommendations_deleted": history.recommendations_deleted,
    }


def _when(moment: dt.datetime | None) -> str:
    return "rule not set" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def request_row(request: PrivacyRequest, today: dt.date) -> dict[str, Any]:
    """One request, JSON-ready, with its days left and whether it is overdue."""
    return {
        "request_id": request.request_id,
        "kind": request.kind,
        "law": request.law,
        "customer_id": request.customer_id,
        "received_at": request.received_at,
        "due_date": request.due_date,
        "days_left": request.days_left(today) if request.status == "open" else None,
        "overdue": request.overdue(today),
        "status": request.status,
        "note": request.note,
    }


def show_requests(requests: list[PrivacyRequest], format_: OutputFormat, today: dt.date) -> None:
    """Print requests soonest due first, with days left; overdue ones stand out."""
    rows = [request_row(r, today) for r in requests]
    if format_ == OutputFormat.json:
        print_json(rows)
        return
    columns = ("request", "kind", "law", "customer", "received", "due", "days left", "status")
    view = Table(*columns, title="access and erasure requests")
    for r in rows:
        left = "" if r["days_left"] is None else str(r["days_left"])
        style = "bold red" if r["overdue"] else None
        view.add_row(
            str(r["request_id"]),
            r["kind"],
            r["law"],
            r["customer_id"] or "(forgotten)",
            f"{r['received_at']:%Y-%m-%d}",
            str(r["due_date"]),
            left + (" OVERDUE" if r["overdue"] else ""),
            r["status"],
            style=style,
        )
    out.print(view)
    if not rows:
        err.print("no requests yet: record one with `segmint requests add CUSTOMER_ID`")
