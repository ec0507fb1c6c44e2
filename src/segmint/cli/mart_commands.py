"""Commands that create and fill the mart: init, tables, ingest, load, quarantine, ingests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, steps, user_errors
from segmint.exceptions import SchemaError
from segmint.mart import TABLES, connect, csv_safety
from segmint.mart.folder import files_to_load
from segmint.mart.ingest import INGEST_TARGETS, IngestOptions, IngestResult, ingest
from segmint.mart.quarantine import history, quarantined, reasons

MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Rename a column: --map target=source (repeatable), e.g. --map customer_id=Cust.",
    ),
]
DateFormatOption = Annotated[
    list[str] | None,
    typer.Option(
        "--date-format", help="strftime format of dates in the file, e.g. %Y%m%d (repeatable)."
    ),
]
DelimiterOption = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        help="Column separator of text files; 'whitespace' for runs of spaces. Detected.",
    ),
]
EncodingOption = Annotated[str, typer.Option("--encoding", help="Text encoding of the file.")]
CreateOption = Annotated[
    bool,
    typer.Option(
        "--create-customers", help="Create customers an orders file refers to but the mart lacks."
    ),
]


@user_errors
def init(mart: MartOption = None) -> None:
    """Create the mart file and every table in it (safe to run again)."""
    with connect(mart) as m:
        out.print(f"mart {m.path}: {len(TABLES)} tables ready")


@user_errors
def tables(mart: MartOption = None) -> None:
    """List the mart's tables with their row counts."""
    with connect(mart, read_only=True) as m:
        view = Table("table", "rows", title=f"mart {m.path}")
        for name in TABLES:
            view.add_row(name, f"{m.count(name):,}")
        out.print(view)


@user_errors
def ingest_command(
    table: Annotated[str, typer.Argument(help=f"Target: {', '.join(INGEST_TARGETS)}.")],
    file: Annotated[
        Path, typer.Argument(help="CSV/TSV/TXT (gzip ok), Parquet or JSON Lines file.")
    ],
    mart: MartOption = None,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = "utf-8",
    create_customers: CreateOption = False,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Load one file into a mart table, quarantining bad rows with their reasons."""
    options = IngestOptions(
        mapping=_parse_mapping(map_ or []),
        date_formats=tuple(date_format or ()),
        delimiter=delimiter,
        encoding=encoding,
        create_customers=create_customers,
    )
    with connect(mart) as m, steps(f"loading {file.name}") as step:
        result = ingest(m, table, file, options, on_step=step)
    _report([result], format_)


@user_errors
def load(
    folder: Annotated[
        Path, typer.Argument(help="Folder of files named after mart tables (orders.csv, …).")
    ],
    mart: MartOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = "utf-8",
    create_customers: CreateOption = False,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Load every file of a folder named after a mart table, parents before children."""
    plan, unmatched = files_to_load(folder)
    for path in unmatched:
        err.print(f"[yellow]skipped[/] {path.name}: no mart table of that name")
    options = IngestOptions(
        date_formats=tuple(date_format or ()), encoding=encoding, create_customers=create_customers
    )
    results = []
    with connect(mart) as m:
        for table, path in plan:
            with steps(f"loading {path.name}") as step:
                result = ingest(m, table, path, options, on_step=step)
            if format_ == "human":
                _report([result], format_)
            results.append(result)
    if format_ != "human":
        _report(results, format_)


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
    format_: FormatOption = OutputFormat.human,
) -> None:
    """List rejected rows with their reasons and raw content."""
    with connect(mart, read_only=True) as m:
        rows = quarantined(m, ingest_id, reason)
        total = int(rows.count().execute())
        shown = (rows.limit(limit) if limit else rows).execute()
        if format_ == "json":
            out.print_json(shown.to_json(orient="records"))
            return
        if format_ == "csv":
            typer.echo(csv_safety.to_csv(shown), nl=False)
            return
        summary = Table("reason", "rows", title="quarantined rows by reason")
        for kind, n in reasons(m, ingest_id).execute().itertuples(index=False):
            summary.add_row(str(kind), f"{n:,}")
        out.print(summary)
        view = Table(
            "load", "row", "reason", "raw", title=f"{len(shown):,} of {total:,} rejected rows"
        )
        for r in shown.itertuples(index=False):
            view.add_row(str(r.ingest_id), str(r.row_number), r.reason, r.raw)
        out.print(view)


@user_errors
def ingests(mart: MartOption = None, format_: FormatOption = OutputFormat.human) -> None:
    """List every load with its reconciliation."""
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


def _parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise SchemaError(f"--map {pair}: expected target=source, e.g. --map customer_id=Cust")
        mapping[target.strip()] = source.strip()
    return mapping


def _report(results: list[IngestResult], format_: str) -> None:
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


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(init)
    app.command()(tables)
    app.command("ingest")(ingest_command)
    app.command()(load)
    app.command()(quarantine)
    app.command()(ingests)
