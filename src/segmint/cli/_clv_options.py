"""Options shared by the ``clv`` commands, and the parser of ``--window``."""

from __future__ import annotations

from typing import Annotated

import typer

from segmint.exceptions import InputError

Opt = typer.Option
PenalizerOption = Annotated[
    float,
    Opt(
        "--penalizer",
        min=0.0,
        help="L2 penalty on the log-parameters (0 = plain MLE; 0.001-0.1 for a few hundred customers).",
    ),
]
MaxIterOption = Annotated[
    int,
    Opt(
        "--max-iter",
        min=1,
        help="Iteration limit of each fit's optimiser; a fit that reaches it keeps where it "
        "stopped and warns.",
    ),
]
ChunkSizeOption = Annotated[
    int,
    Opt(
        "--chunk-size",
        min=1,
        help="Customers scored at a time by the models scored in Python (the Pareto/NBD, plain or seasonal).",
    ),
]
StrictOption = Annotated[
    bool,
    Opt(
        "--strict",
        help="Refuse a fit whose maximum is on the boundary, instead of fitting its limit "
        "(the NBD without dropout) or a penalty chosen by held-out likelihood.",
    ),
]
CovariateOption = Annotated[
    str | None,
    Opt(
        "--covariate",
        help="Split the purchase and dropout rates by a customers column "
        "(acquisition_channel, region, country, city, gender) or segment:NAME; with "
        "--model auto each model is compared with and without it.",
    ),
]
PngOption = Annotated[
    bool | None,
    Opt(
        "--png/--no-png",
        help="Also write PNG files (drives Chromium). Default: when they can be rendered.",
    ),
]


def parse_window(text: str) -> tuple[float, float]:
    """``START-END`` months as a pair of floats, 0 <= START < END."""
    start, sep, end = text.partition("-")
    try:
        window = (float(start), float(end))
    except ValueError:
        window = (-1.0, -1.0)
    if not sep or not 0 <= window[0] < window[1]:
        raise InputError(f"--window takes months as START-END, e.g. 12-36; got {text!r}")
    return window
