"""Options of the ``predict`` group and ``score`` (:mod:`.predict_commands`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

HorizonOption = Annotated[
    int | None,
    typer.Option(
        "--horizon-days",
        min=1,
        help="Days ahead the label looks (default: 90 for churn, 30 for intent).",
    ),
]
PlotOption = Annotated[
    Path | None,
    typer.Option("--plot", help="Write the calibration curve as an interactive HTML chart here."),
]
