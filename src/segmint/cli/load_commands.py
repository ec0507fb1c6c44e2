"""``segmint load FOLDER``: every file of a folder named after a mart table, parents before
children (an adapter over :func:`segmint.workflows.load.load_folder`); one file at a time
is ``segmint ingest`` (:mod:`segmint.cli.mart_commands`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from segmint.cli._ingest_options import (
    CreateOption,
    CurrencyOption,
    DateFormatOption,
    DecimalOption,
    DryRunOption,
    EncodingOption,
    GuessOption,
    IgnoreOption,
    PresetOption,
    SheetOption,
    target_mart,
)
from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, steps, user_errors

if TYPE_CHECKING:
    from segmint.mart import Mart


@user_errors
def load(
    folder: Annotated[
        Path, typer.Argument(help="Folder of files named after mart tables (orders.csv, …).")
    ],
    mart: MartOption = None,
    preset: PresetOption = None,
    sheet: SheetOption = None,
    ignore: IgnoreOption = None,
    dry_run: DryRunOption = False,
    guess: GuessOption = True,
    date_format: DateFormatOption = None,
    decimal: DecimalOption = None,
    encoding: EncodingOption = "utf-8",
    create_customers: CreateOption = False,
    currency: CurrencyOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Load every file of a folder named after a mart table, parents before children.

    --preset applies to the transactions file; --ignore to any file that has the column;
    --currency sets the shop's currency with the load, as `segmint currency` does.
    """
    from segmint.cli._mart_output import report
    from segmint.mart.currency import check_currency
    from segmint.mart.ingest import IngestOptions
    from segmint.workflows import load as loading

    code = None if currency is None else check_currency(currency)  # refused before loading
    plan = loading.plan_folder(folder)
    for path in plan.skipped:
        err.print(Text.assemble(("skipped", "yellow"), f" {path.name}: no mart table of that name"))
    options = IngestOptions(
        date_formats=tuple(date_format or ()),
        decimal=decimal,
        encoding=encoding,
        create_customers=create_customers,
        ignore=tuple(ignore or ()),
        preset=preset,
        sheet=sheet,
        guess=guess,
        dry_run=dry_run,
    )
    human = format_ == OutputFormat.human
    with target_mart(mart, dry_run) as m, steps("loading") as step:
        results = loading.load_folder(
            m,
            plan,
            options,
            on_file=lambda path: lambda what: step(f"{path.name}: {what}"),
            on_loaded=(lambda result: report([result], format_)) if human else None,
            on_step=step,
        )
        if code is not None:
            _store_currency(m, code, dry_run)
    if not human:
        report(results, format_)


def _store_currency(mart: Mart, code: str, dry_run: bool) -> None:
    """Store ``code`` as the shop's currency once the files are loaded, recorded in the
    audit trail as ``segmint currency`` records it; a dry run stores nothing and says so."""
    from segmint.mart.privacy.audit import cli_actor
    from segmint.mart.shop_settings import set_currency

    if dry_run:
        err.print(f"currency {code} not stored: dry run", highlight=False)
        return
    set_currency(mart, code, cli_actor())
    err.print(f"currency set to {code}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``load`` to ``app``."""
    app.command()(load)
