"""The options of commands that read files (``ingest``, ``load``, ``quickstart``), spelled once,
and the mart they load into."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from segmint.config import get_settings
from segmint.exceptions import SchemaError
from segmint.mart.presets import PRESETS

if TYPE_CHECKING:
    from segmint.mart import Mart

MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Say which file column is a mart column: --map target=source (repeatable), e.g. "
        "--map customer_id=Cust. Columns not mapped are guessed from their names and content.",
    ),
]
DateFormatOption = Annotated[
    list[str] | None,
    typer.Option(
        "--date-format", help="strftime format of dates in the file, e.g. %Y%m%d (repeatable)."
    ),
]
DecimalOption = Annotated[
    str | None,
    typer.Option(
        "--decimal",
        help="Decimal separator of numbers in the file: . or , (e.g. --decimal , for 1.234,56). "
        "Decided per column from its values when not given.",
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
PresetOption = Annotated[
    str | None,
    typer.Option(
        "--preset",
        help=f"The file is a known export: {', '.join(PRESETS)} (its columns are mapped for you).",
    ),
]
SheetOption = Annotated[
    str | None,
    typer.Option("--sheet", help="The sheet of an Excel workbook to read. Default: the first."),
]
IgnoreOption = Annotated[
    list[str] | None,
    typer.Option("--ignore", help="Leave this file column out (repeatable)."),
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Show the mapping, the counts and what would be quarantined and why; write nothing.",
    ),
]
GuessOption = Annotated[
    bool,
    typer.Option("--guess/--no-guess", help="Guess the mapping of columns not given with --map."),
]


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``--map target=source`` pairs as a dict.

    Raises:
        SchemaError: a pair is not ``target=source``.
    """
    mapping = {}
    for pair in pairs:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise SchemaError(f"--map {pair}: expected target=source, e.g. --map customer_id=Cust")
        mapping[target.strip()] = source.strip()
    return mapping


def target_mart(path: Path | None, dry_run: bool) -> Mart:
    """The mart to load into: read-only for a dry run (an empty one in memory when the
    file does not exist yet), so a dry run can never write."""
    from segmint.mart import connect

    if not dry_run:
        return connect(path)
    target = path if path is not None else get_settings().mart
    if Path(target).exists():
        return connect(target, read_only=True)
    return connect(":memory:", settings=replace(get_settings(), engine="duckdb"))


CurrencyOption = Annotated[
    str | None,
    typer.Option(
        "--currency",
        help="ISO 4217 code of the files' amounts (EUR, USD…), stored as `segmint currency` does.",
    ),
]
