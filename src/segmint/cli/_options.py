"""Options shared by many commands, so each has one spelling and one help text."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

MartOption = Annotated[
    Path | None,
    typer.Option(
        "--mart", help="The mart's DuckDB file. Default: $SEGMINT_MART or ./segmint.duckdb."
    ),
]

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Compute as of the end of this day (YYYY-MM-DD). Default: the last day with orders.",
    ),
]

NameOption = Annotated[
    str | None, typer.Option("--name", help="Store under this name instead of the default.")
]


class OutputFormat(StrEnum):
    """How a command prints its result: Rich tables for people, JSON or CSV for scripts."""

    human = "human"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="Output: human (tables), json or csv.")
]
