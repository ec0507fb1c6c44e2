"""``segmint quickstart FILE``: one export in, segments with money and personas out.

An adapter over :func:`segmint.workflows.quickstart.quickstart`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli._clv_options import MaxIterOption
from segmint.cli._ingest_options import (
    CurrencyOption,
    DateFormatOption,
    DecimalOption,
    IgnoreOption,
    MapOption,
    PresetOption,
    SheetOption,
    parse_mapping,
)
from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import steps, user_errors
from segmint.cli._warnings import iterations_flag
from segmint.scoring.option_defaults import MAX_ITER


@user_errors
@iterations_flag("--max-iter")
def quickstart(
    file: Annotated[
        Path,
        typer.Argument(
            help="Your orders or invoice lines: CSV/TSV (gzip ok), Parquet, JSON Lines or .xlsx."
        ),
    ],
    mart: MartOption = None,
    map_: MapOption = None,
    preset: PresetOption = None,
    sheet: SheetOption = None,
    ignore: IgnoreOption = None,
    date_format: DateFormatOption = None,
    decimal: DecimalOption = None,
    max_iter: MaxIterOption = MAX_ITER,
    currency: CurrencyOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """The five-minute path: load one export, then RFM, lifecycle, CLV where the data
    allows, money per segment, persona cards, and what to run next.

    --currency sets the shop's currency once the export is loaded, as `segmint currency`
    does, and the money is shown in it (a currency set before is shown too)."""
    from segmint.cli._quickstart_output import show_quickstart
    from segmint.mart import connect
    from segmint.mart.currency import check_currency
    from segmint.mart.ingest import IngestOptions
    from segmint.mart.privacy.audit import cli_actor
    from segmint.mart.shop_settings import set_currency, shop_currency
    from segmint.workflows.quickstart import quickstart as run_quickstart

    code = None if currency is None else check_currency(currency)  # refused before loading

    options = IngestOptions(
        mapping=parse_mapping(map_ or []),
        date_formats=tuple(date_format or ()),
        decimal=decimal,
        ignore=tuple(ignore or ()),
        preset=preset,
        sheet=sheet,
    )
    with connect(mart) as m, steps(f"quickstart with {file.name}") as step:
        run = run_quickstart(m, file, options, on_step=step, max_iter=max_iter)
        if code is not None:
            set_currency(m, code, cli_actor())
        shown = shop_currency(m)
    show_quickstart(run, format_ == OutputFormat.human, shown)


def register(app: typer.Typer) -> None:
    """Add this module's command to ``app``."""
    app.command()(quickstart)
