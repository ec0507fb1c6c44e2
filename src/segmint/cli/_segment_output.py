"""Printing stored segmentations: sizes and shares, and value tiers.

Tables go to stdout with Rich; ``--format json|csv`` prints the sizes for scripts. A cluster
run prints through :mod:`segmint.cli._cluster_output`.
"""

from __future__ import annotations

import typer
from rich.table import Table

from segmint.cli._options import OutputFormat
from segmint.cli._output import out
from segmint.features.labels import segment_label
from segmint.mart import csv_safety
from segmint.workflows.segment import SegmentationRun
from segmint.workflows.value import ValueRun


def show_run(
    run: SegmentationRun, format_: OutputFormat = OutputFormat.human, kind: str | None = None
) -> None:
    """Print a stored run: segment sizes and shares (a table, or JSON/CSV for scripts). The
    table reads each segment's label for a segmentation of ``kind``
    (:func:`segmint.features.labels.segment_label`); JSON and CSV keep the stored names."""
    total = int(run.sizes.sum())
    if format_ != OutputFormat.human:
        frame = run.sizes.rename("members").reset_index()
        frame["share"] = frame["members"] / max(total, 1)
        typer.echo(
            frame.to_json(orient="records")
            if format_ == OutputFormat.json
            else csv_safety.to_csv(frame)
        )
        return
    title = f"{run.name} v{run.version} as of {run.as_of.isoformat()}: {total:,} customers"
    view = Table("segment", "members", "share", "", title=title)
    for segment, members in run.sizes.items():
        share = members / max(total, 1)
        view.add_row(
            segment_label(segment, kind),
            f"{members:,}",
            f"{share:6.1%}",
            "█" * max(1, round(share * 40)) if members else "",
        )
    out.print(view)
    if run.details:
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in run.details.items())
        out.print(f"[dim]{shown}[/]", highlight=False)


def _fmt(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def show_value(run: ValueRun, format_: OutputFormat = OutputFormat.human) -> None:
    """Print value tiers and the value x churn-risk grid (tiers alone as JSON/CSV)."""
    if format_ != OutputFormat.human:
        show_run(SegmentationRun(run.name, run.version, run.as_of, run.sizes), format_)
        return
    details = {"model": run.model, "risk": run.risk_source}
    show_run(SegmentationRun(run.name, run.version, run.as_of, run.sizes, details), kind="value")
    view = Table(
        "value tier", *run.grid.columns, "total", title="customers by value and churn risk"
    )
    for tier, row in run.grid.iterrows():
        view.add_row(str(tier), *(f"{v:,}" for v in row), f"{row.sum():,}")
    out.print(view)
