"""Options of the ``predict`` group and ``score`` (:mod:`.predict_commands`), and the
training windows they name."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from segmint.scoring.propensity import Split

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


class SplitChoice(StrEnum):
    """The training window of ``predict`` (``segmint.scoring.propensity.plan_split``)."""

    auto = "auto"
    seasonal = "seasonal"
    consecutive = "consecutive"


SPLITS: dict[SplitChoice, Split] = {
    SplitChoice.auto: "auto",
    SplitChoice.seasonal: "seasonal",
    SplitChoice.consecutive: "consecutive",
}
SplitOption = Annotated[
    SplitChoice,
    typer.Option(
        "--split",
        help=(
            "Training window: 'seasonal' (the same calendar weeks a year earlier), "
            "'consecutive' (the window before) or 'auto' (seasonal once the history allows)."
        ),
    ),
]
