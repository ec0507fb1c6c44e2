"""The ``segmint synth`` command: write a synthetic retailer's files, ready for ``segmint load``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from segmint.cli._output import err, out, progress, user_errors
from segmint.exceptions import InputError

if TYPE_CHECKING:
    from segmint.synth.writer import Format

DecemberPeak = Annotated[
    float | None,
    typer.Option(
        "--december-peak",
        help="Known seasonality: December's purchase rate is this many times every other "
        "month's (replaces the customer types' own seasonality), e.g. 2.5.",
    ),
]
OnlyType = Annotated[
    str | None,
    typer.Option(
        "--only-type",
        help="Every customer of this latent type (e.g. steady_regular): one gamma and one "
        "beta distribution, on which the BTYD models are correctly specified.",
    ),
]


@user_errors
def synth(
    customers: Annotated[
        int, typer.Option("--customers", "-n", help="Number of customers.")
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the files to.")] = Path(
        "synth"
    ),
    fmt: Annotated[str, typer.Option("--format", help="File format: parquet or csv.")] = "parquet",
    dirty: Annotated[
        float,
        typer.Option(
            "--dirty",
            help="Share of bad rows to add (bad dates, negative prices, duplicates…), e.g. 0.02.",
        ),
    ] = 0.0,
    start: Annotated[
        str, typer.Option(help="First day of the history, YYYY-MM-DD.")
    ] = "2023-01-01",
    years: Annotated[int, typer.Option(help="Length of the history in years.")] = 3,
    december_peak: DecemberPeak = None,
    only_type: OnlyType = None,
) -> None:
    """Generate a synthetic retailer with a known true answer (one file per mart table)."""
    from segmint.synth import synthesize
    from segmint.synth.writer import FORMATS, MANIFEST_NAME

    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    try:
        first_day = dt.date.fromisoformat(start)
    except ValueError:
        raise InputError(f"--start must be a date like 2023-01-01; got {start!r}.") from None
    file_format: Format = "csv" if fmt == "csv" else "parquet"
    with progress(f"generating {customers:,} customers", total=customers) as update:
        result = synthesize(
            out_dir,
            customers,
            seed=seed,
            start=first_day,
            years=years,
            dirty_rate=dirty,
            fmt=file_format,
            on_progress=update,
            december_peak=december_peak,
            only_type=only_type,
        )
    view = Table("file", "rows", title=f"{result.out_dir} ({result.seconds:.1f} s)")
    for name, rows in result.rows.items():
        view.add_row(f"{name}.{file_format}", f"{rows:,}")
    out.print(view)
    if result.dirt:
        added = sum(sum(kinds.values()) for kinds in result.dirt.values())
        err.print(f"{added:,} bad rows added; see {result.out_dir / MANIFEST_NAME}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(synth)
