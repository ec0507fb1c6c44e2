"""Printing loads: how each accounted for every row and every column of its file."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.text import Text

from segmint.cli._output import out
from segmint.mart.columns import FATES
from segmint.mart.ingest import IngestResult


def report(results: list[IngestResult], format_: str) -> None:
    """Print how each load accounted for its rows (a line per load, or JSON/CSV)."""
    if format_ == "json":
        typer.echo(json.dumps([{**_as_dict(r), **_details(r)} for r in results]))
        return
    if format_ == "csv":
        import pandas as pd

        from segmint.mart import csv_safety

        frame = pd.DataFrame([_as_dict(r) for r in results])
        typer.echo(csv_safety.to_csv(frame), nl=False)
        return
    for r in results:
        colour = "green" if r.rows_quarantined == 0 else "yellow"
        out.print(Text(r.summary(), style=colour), highlight=False)
        _print_written(r)
        _print_columns(r)
        for note in r.notes:
            out.print(f"  {note}", highlight=False)
        if r.dry_run:
            for reason, n in r.reasons:
                out.print(f"  would quarantine {n:,}: {reason}", highlight=False)
        elif r.rows_quarantined:
            out.print(
                f"  see the rejected rows with: segmint quarantine --ingest {r.ingest_id}",
                highlight=False,
            )


def _print_written(r: IngestResult) -> None:
    """The rows each table received (would receive, in a dry run); nothing when none."""
    written = ", ".join(f"{n:,} {t}" for t, n in r.written.items() if n)
    if written:
        out.print(f"  {'would write' if r.dry_run else 'wrote'} {written}", highlight=False)


def _print_columns(r: IngestResult) -> None:
    """Where each column went, and the guessed mapping as flags to paste."""
    if r.guessed:
        out.print(f"  mapping guessed; to repeat it: {r.map_flags}", highlight=False)
    if r.readings:
        out.print(f"  values read: {'; '.join(r.readings)}", highlight=False, soft_wrap=True)
    if not r.columns:
        return
    counts = {fate: sum(u.fate == fate for u in r.columns) for fate in FATES}
    out.print(
        f"  columns: {len(r.columns)} in = {counts['loaded']} loaded + {counts['attribute']} "
        f"attributes + {counts['ignored']} ignored + {counts['reported']} not loaded",
        highlight=False,
    )
    for use in r.columns:
        out.print(f"    {use.describe()}", highlight=False, soft_wrap=True)
    if r.ignored_columns:
        out.print(f"  columns not used: {', '.join(r.ignored_columns)}", highlight=False)


def _details(r: IngestResult) -> dict[str, object]:
    """The parts of a result JSON gives beyond the counts."""
    return {
        "dry_run": r.dry_run,
        "mapping": r.mapping,
        "guessed": r.guessed,
        "map_flags": r.map_flags,
        "columns": [asdict(u) for u in r.columns],
        "written": r.written,
        "notes": list(r.notes),
        "readings": list(r.readings),
        "quarantine_reasons": [{"reason": k, "rows": n} for k, n in r.reasons],
    }


def _as_dict(r: IngestResult) -> dict[str, object]:
    return {
        "ingest_id": r.ingest_id,
        "table": r.table,
        "source": r.source,
        "rows_read": r.rows_read,
        "rows_loaded": r.rows_loaded,
        "rows_duplicate": r.rows_duplicate,
        "rows_quarantined": r.rows_quarantined,
        "already_loaded": r.already_loaded,
    }
