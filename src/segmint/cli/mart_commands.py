"""Commands that create and fill the mart: init, tables, and ingest (an adapter over
:mod:`segmint.workflows.load`); ``load`` of a folder is :mod:`segmint.cli.load_commands`,
and ``quarantine`` and ``ingests`` list what a load left out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from segmint.cli._ingest_options import (
    CreateOption,
    DateFormatOption,
    DecimalOption,
    DelimiterOption,
    DryRunOption,
    EncodingOption,
    GuessOption,
    IgnoreOption,
    MapOption,
    PresetOption,
    SheetOption,
    parse_mapping,
    target_mart,
)
from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import out, steps, user_errors
from segmint.mart.targets import INGEST_TARGETS


@user_errors
def init(mart: MartOption = None) -> None:
    """Create the mart file and every table in it (safe to run again)."""
    from segmint.mart import TABLES, connect

    with connect(mart) as m:
        out.print(f"mart {m.path}: {len(TABLES)} tables ready")


@user_errors
def tables(mart: MartOption = None) -> None:
    """List the mart's tables and row counts: the data model's, then those commands write."""
    from segmint.mart import TABLES, connect

    with connect(mart, read_only=True) as m:
        view = Table("table", "rows", title=f"mart {m.path}")
        for name in [*TABLES, *sorted(set(m.con.list_tables()) - set(TABLES))]:
            view.add_row(name, f"{m.count(name):,}")
        out.print(view)


@user_errors
def ingest_command(
    table: Annotated[str, typer.Argument(help=f"Target: {', '.join(INGEST_TARGETS)}.")],
    file: Annotated[
        Path,
        typer.Argument(help="CSV/TSV/TXT (gzip ok), Parquet, JSON Lines or Excel (.xlsx) file."),
    ],
    mart: MartOption = None,
    map_: MapOption = None,
    preset: PresetOption = None,
    sheet: SheetOption = None,
    ignore: IgnoreOption = None,
    dry_run: DryRunOption = False,
    guess: GuessOption = True,
    date_format: DateFormatOption = None,
    decimal: DecimalOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = "utf-8",
    create_customers: CreateOption = False,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Load one file into a mart table, quarantining bad rows with their reasons.

    Columns not given with --map are guessed from their names and content; the mapping
    used is printed as --map flags. Every column is accounted for: loaded, made a customer
    attribute, ignored (--ignore) or reported with the reason.
    """
    from segmint.cli._mart_output import report
    from segmint.mart.ingest import IngestOptions
    from segmint.workflows import load as loading

    options = IngestOptions(
        mapping=parse_mapping(map_ or []),
        date_formats=tuple(date_format or ()),
        decimal=decimal,
        delimiter=delimiter,
        encoding=encoding,
        create_customers=create_customers,
        ignore=tuple(ignore or ()),
        preset=preset,
        sheet=sheet,
        guess=guess,
        dry_run=dry_run,
    )
    with target_mart(mart, dry_run) as m, steps(f"loading {file.name}") as step:
        result = loading.ingest(m, table, file, options, on_step=step)
    report([result], format_)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(init)
    app.command()(tables)
    app.command("ingest")(ingest_command)
