"""Printing loads: how each accounted for every row of its file."""

from __future__ import annotations

import json

import typer

from segmint.cli._output import out
from segmint.mart.ingest import IngestResult


def report(results: list[IngestResult], format_: str) -> None:
    """Print how each load accounted for its rows (a line per load, or JSON/CSV)."""
    if format_ == "json":
        typer.echo(json.dumps([_as_dict(r) for r in results]))
        return
    if format_ == "csv":
        keys = list(_as_dict(results[0]))
        typer.echo(",".join(keys))
        for r in results:
            typer.echo(",".join(str(v) for v in _as_dict(r).values()))
        return
    for r in results:
        colour = "green" if r.rows_quarantined == 0 else "yellow"
        out.print(f"[{colour}]{r.summary()}[/]", highlight=False)
        if r.written:
            out.print(
                "  wrote " + ", ".join(f"{n:,} {t}" for t, n in r.written.items() if n),
                highlight=False,
            )
        if r.ignored_columns:
            out.print(f"  columns not used: {', '.join(r.ignored_columns)}", highlight=False)
        if r.rows_quarantined:
            out.print(
                f"  see the rejected rows with: segmint quarantine --ingest {r.ingest_id}",
                highlight=False,
            )


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
