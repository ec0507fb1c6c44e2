"""Options shared by many commands, so each has one spelling and one help text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

MartOption = Annotated[
    Path | None,
    typer.Option(
        "--mart", help="The mart's DuckDB file. Default: $SEGMINT_MART or ./segmint.duckdb."
    ),
]
