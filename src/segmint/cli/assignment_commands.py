"""``segmint segmentations`` (what is stored) and ``segmint assignments`` (export one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from segmint.cli._options import (
    AsOfOption,
    ChannelOption,
    FormatOption,
    MartOption,
    OutputFormat,
    PseudonymiseOption,
)
from segmint.cli._output import err, out, steps, user_errors


@user_errors
def segmentations(mart: MartOption = None, format_: FormatOption = OutputFormat.human) -> None:
    """List stored segmentations with their versions and dates."""
    from segmint.mart import connect, csv_safety
    from segmint.serving.frames import records
    from segmint.workflows import assignments as stored

    with connect(mart, read_only=True) as m:
        frame = stored.segmentations(m)
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(records(frame)))  # dates as dates, as the API gives them
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
    channel: ChannelOption = None,
    pseudonymise: PseudonymiseOption = False,
) -> None:
    """Write a segmentation's customer_id, segment pairs to a CSV or Parquet file.

    Forgotten people are left out; with --channel, so is everyone on the mart's
    suppressions table for it and everyone whose latest consent there does not grant
    contact. The file is registered, so an erasure lists it."""
    from segmint.cli._audit_output import show_export
    from segmint.mart import connect
    from segmint.workflows import assignments as stored
    from segmint.workflows.privacy import ExportOptions

    stored.check_export_path(out_file)
    options = ExportOptions(channel, pseudonymise)
    with connect(mart, create=False) as m, steps(f"exporting {segmentation}"):
        written = stored.export_assignments(m, segmentation, out_file, as_of, options)
    show_export(written, "customers")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(segmentations)
    app.command()(assignments)
