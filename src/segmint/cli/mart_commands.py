"""Commands that create and fill the mart: init, tables, ingest, load.

``ingest`` and ``load`` are adapters over :mod:`segmint.workflows.load`; what a load left
out is listed by ``quarantine`` and ``ingests`` (:mod:`segmint.cli.quarantine_commands`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from segmint.cli._mart_output import report
from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, steps, user_errors
from segmint.exceptions import SchemaError
from segmint.mart import TABLES, connect
from segmint.mart.ingest import INGEST_TARGETS, IngestOptions
from segmint.workflows import load as loading

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
        result = loading.ingest(m, table, file, options, on_step=step)
    report([result], format_)


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
    plan = loading.plan_folder(folder)
    for path in plan.skipped:
        err.print(f"[yellow]skipped[/] {path.name}: no mart table of that name")
    options = IngestOptions(
        date_formats=tuple(date_format or ()), encoding=encoding, create_customers=create_customers
    )
    human = format_ == OutputFormat.human
    with connect(mart) as m, steps("loading") as step:
        results = loading.load_folder(
            m,
            plan,
            options,
            on_file=lambda path: lambda what: step(f"{path.name}: {what}"),
            on_loaded=(lambda result: report([result], format_)) if human else None,
        )
    if not human:
        report(results, format_)


def _parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise SchemaError(f"--map {pair}: expected target=source, e.g. --map customer_id=Cust")
        mapping[target.strip()] = source.strip()
    return mapping


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(init)
    app.command()(tables)
    app.command("ingest")(ingest_command)
    app.command()(load)
