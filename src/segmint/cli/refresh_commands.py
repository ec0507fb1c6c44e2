"""The ``refresh`` command: bring every stored segmentation and score to a new date."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from segmint.cli._clv_options import MaxIterOption, StrictOption
from segmint.cli._options import AsOfOption, FormatOption, MartOption, OutputFormat
from segmint.cli._output import out, steps, user_errors
from segmint.cli._warnings import iterations_flag
from segmint.scoring.option_defaults import MAX_ITER

if TYPE_CHECKING:
    from segmint.workflows.refresh import RefreshRun


@user_errors
@iterations_flag("--max-iter")
def refresh(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    strict: StrictOption = False,
    max_iter: MaxIterOption = MAX_ITER,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """After a load: store the features, every segmentation (stored cluster models applied,
    not refitted), churn, intent and CLV scores and value tiers as of the new date."""
    from segmint.mart import connect
    from segmint.workflows.refresh import refresh as refresh_all

    with connect(mart) as m, steps("refresh") as step:
        run = refresh_all(m, as_of, step=step, strict=strict, max_iter=max_iter)
    _show(run, format_)


def summary(run: RefreshRun) -> dict[str, Any]:
    """What the run stored, as plain data."""
    scores = run.scores
    return {
        "as_of": run.as_of.isoformat(),
        "customers": run.features.rows,
        "segmentations": run.segmentations,
        "scores": []
        if scores is None
        else [p.target.name for p in scores.predictions]
        + (["clv"] if scores.clv is not None else []),
        "skipped": run.skipped,
    }


def _show(run: RefreshRun, format_: OutputFormat) -> None:
    from segmint.cli._clv_output import show_notes

    data = summary(run)
    for prediction in [] if run.scores is None else run.scores.predictions:
        show_notes(prediction.notes)
    if format_ is OutputFormat.json:
        out.print_json(json.dumps(data))
        return
    if format_ is OutputFormat.csv:
        import pandas as pd

        from segmint.mart import csv_safety

        rows = [(name, kind, "refreshed") for name, kind in run.segmentations.items()]
        rows += [(name, "", "skipped") for name in run.skipped]
        frame = pd.DataFrame(rows, columns=["name", "kind", "status"])
        typer.echo(csv_safety.to_csv(frame), nl=False)
        return
    view = Table("stored", "as of", "status", title=f"refreshed as of {data['as_of']}")
    view.add_row("features", data["as_of"], f"{run.features.rows:,} customers")
    for name, kind in run.segmentations.items():
        view.add_row(f"{name} ({kind})", data["as_of"], "refreshed")
    for target in data["scores"]:
        view.add_row(f"{target} scores", data["as_of"], "refreshed")
    for name, why in run.skipped.items():
        view.add_row(name, "", f"skipped: {why}")
    out.print(view)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(refresh)
