"""``segmint quarantine`` (rejected rows with their reasons) and ``segmint ingests`` (every load)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import out, user_errors


@user_errors
def quarantine(
    mart: MartOption = None,
    ingest_id: Annotated[
        int | None, typer.Option("--ingest", help="Only rows of this load.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Only reasons containing this text.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows to show (0 for all).")] = 20,
    superseded: Annotated[
        bool,
        typer.Option(
            "--superseded",
            help="Also the entries a later load of the same file replaced (it rejected the "
            "row for another reason).",
        ),
    ] = False,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """List rejected rows with their reasons and raw content.

    Each row of a file shows its current entry (with --ingest, every entry of that load)."""
    from segmint.mart import connect, csv_safety
    from segmint.mart.quarantine import n_superseded, quarantined, reasons

    with connect(mart, read_only=True) as m:
        rows = quarantined(m, ingest_id, reason, superseded=superseded)
        total = int(rows.count().execute())
        shown = (rows.limit(limit) if limit else rows).execute()
        if format_ == "json":
            out.print_json(shown.to_json(orient="records"))
            return
        if format_ == "csv":
            typer.echo(csv_safety.to_csv(shown), nl=False)
            return
        summary = Table("reason", "rows", title="quarantined rows by reason")
        for kind, n in (
            reasons(m, ingest_id, superseded=superseded).execute().itertuples(index=False)
        ):
            summary.add_row(str(kind), f"{n:,}")
        out.print(summary)
        hidden = n_superseded(m) if ingest_id is None and not superseded else 0
        if hidden:
            entries = "entry is" if hidden == 1 else "entries are"
            out.print(
                f"{hidden:,} earlier {entries} not shown: a later load of the same file "
                "rejected the row for another reason (--superseded shows them)"
            )
        view = Table(
            "load", "row", "reason", "raw", title=f"{len(shown):,} of {total:,} rejected rows"
        )
        for r in shown.itertuples(index=False):
            view.add_row(str(r.ingest_id), str(r.row_number), r.reason, r.raw)
        out.print(view)


@user_errors
def ingests(mart: MartOption = None, format_: FormatOption = OutputFormat.human) -> None:
    """List every load with its reconciliation."""
    from segmint.mart import connect, csv_safety
    from segmint.mart.quarantine import history

    with connect(mart, read_only=True) as m:
        frame = history(m).execute()
    if format_ != "human":
        typer.echo(
            frame.to_json(orient="records", date_format="iso")
            if format_ == "json"
            else csv_safety.to_csv(frame)
        )
        return
    view = Table(
        "id", "table", "source", "read", "loaded", "duplicates", "quarantined", "finished (UTC)"
    )
    for r in frame.itertuples(index=False):
        view.add_row(
            str(r.ingest_id),
            r.table_name,
            r.source,
            f"{r.rows_read:,}",
            f"{r.rows_loaded:,}",
            f"{r.rows_duplicate:,}",
            f"{r.rows_quarantined:,}",
            str(r.finished_at)[:19],
        )
    out.print(view)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(quarantine)
    app.command()(ingests)
