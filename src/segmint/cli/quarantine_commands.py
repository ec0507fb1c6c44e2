"""``segmint quarantine`` (rejected rows with their reasons) and ``segmint ingests`` (every load)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import out, user_errors

if TYPE_CHECKING:
    from segmint.mart import Mart


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
            "row for another reason) or resolved (it let the row in), with that load.",
        ),
    ] = False,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """List rejected rows with their reasons and raw content.

    Each row of a file shows its current entry, none once a later load let the row in (with
    --ingest, every entry of that load)."""
    from segmint.mart import connect, csv_safety
    from segmint.mart.quarantine import quarantined, reasons

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
        if ingest_id is None and not superseded:
            _not_shown(m)
        let_in = "let_in_by" in shown.columns
        view = Table(
            "load",
            "row",
            "reason",
            "raw",
            *(["let in by load"] if let_in else []),
            title=f"{len(shown):,} of {total:,} rejected rows",
        )
        for r in shown.to_dict("records"):
            by = [_load_id(r["let_in_by"])] if let_in else []
            view.add_row(str(r["ingest_id"]), str(r["row_number"]), r["reason"], r["raw"], *by)
        out.print(view)


def _load_id(value: object) -> str:
    """A load id read back from a nullable column, blank when NULL (None or NaN)."""
    return "" if value is None or value != value else str(int(value))  # type: ignore[call-overload]


def _not_shown(m: Mart) -> None:
    """Say how many entries the listing of current entries leaves out, and why."""
    from segmint.mart.quarantine import n_resolved, n_superseded

    for hidden, why in (
        (n_superseded(m), "a later load of the same file rejected the row for another reason"),
        (n_resolved(m), "a later load of the same file let the row in"),
    ):
        if hidden:
            entries = "entry is" if hidden == 1 else "entries are"
            out.print(f"{hidden:,} earlier {entries} not shown: {why} (--superseded shows them)")


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
