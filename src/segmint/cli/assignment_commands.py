"""``segmint segmentations`` (what is stored) and ``segmint assignments`` (export one)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from segmint.cli._options import AsOfOption, FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, user_errors
from segmint.mart import connect, csv_safety
from segmint.workflows import assignments as stored


@user_errors
def segmentations(mart: MartOption = None, format_: FormatOption = OutputFormat.human) -> None:
    """List stored segmentations with their versions and dates."""
    with connect(mart, read_only=True) as m:
        frame = stored.segmentations(m)
    if format_ == OutputFormat.json:
        typer.echo(frame.to_json(orient="records", date_format="iso"))
        return
    if format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(frame), nl=False)
        return
    view = Table(
        "segmentation",
        "version",
        "kind",
        "dates",
        "latest as_of",
        "segments",
        title="segmentations",
    )
    for r in frame.itertuples(index=False):
        view.add_row(
            str(r.segmentation),
            str(r.version),
            str(r.kind),
            str(r.n_as_of),
            str(r.last_as_of)[:10],
            str(r.n_segments),
        )
    out.print(view)
    if frame.empty:
        err.print("none yet: try `segmint segment rfm`")


@user_errors
def assignments(
    segmentation: Annotated[str, typer.Argument(help="Segmentation name, e.g. rfm.")],
    out_file: Annotated[
        Path,
        typer.Option("--out", help="Write customer_id, segment to this .csv or .parquet file."),
    ],
    mart: MartOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Write a segmentation's customer_id, segment pairs to a CSV or Parquet file."""
    stored.check_export_path(out_file)
    with connect(mart, read_only=True) as m:
        n = stored.export_assignments(m, segmentation, out_file, as_of)
    err.print(f"wrote {n:,} customers to {out_file}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(segmentations)
    app.command()(assignments)
