"""Options shared by many commands, so each has one spelling and one help text."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

MartOption = Annotated[
    Path | None,
    typer.Option(
        "--mart",
        help="The mart: its DuckDB file, or its warehouse folder on Spark (--engine pyspark). "
        "Default: $SEGMINT_MART or ./segmint.duckdb.",
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

ChannelOption = Annotated[
    str | None,
    typer.Option(
        "--channel",
        help="For contacting people on this channel (email, sms…): only those whose latest "
        "consent there grants it and who are not on the suppressions table for it. "
        "Default: an export for analysis (no consent filter).",
    ),
]

PseudonymiseOption = Annotated[
    bool,
    typer.Option(
        "--pseudonymise",
        help="Replace customer ids by keyed pseudonyms (stable while SEGMINT_PRIVACY_KEY "
        "stays), for data that leaves for analysis.",
    ),
]
