"""Printing stored segmentations: sizes and shares, and value tiers.

Tables go to stdout with Rich; ``--format json|csv`` prints the sizes for scripts. A cluster
run prints through :mod:`segmint.cli._cluster_output`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from segmint.cli._options import OutputFormat
from segmint.cli._output import out
from segmint.features.labels import segment_label
from segmint.mart import csv_safety
from segmint.segmentation.lifecycle import Thresholds
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
        out.print(Text(in_words(run.details), style="dim"), highlight=False)


def in_words(details: Mapping[str, Any]) -> str:
    """The parameters a run used, as a sentence with the options that change them (RFM's
    bins, lifecycle's thresholds, value tiers' sources, a clustering's size); parameters
    of another run as ``name=value``."""
    d = {k: _fmt(v) for k, v in details.items()}
    if d.keys() == {"bins"}:
        return f"R, F and M each scored 1-{d['bins']} by quantiles of the buyers (--bins)"
    if d.keys() == LIFECYCLE:
        return (
            f"new: first order within {d['new_days']} days (--new-days); loyal: "
            f"{d['loyal_orders']}+ orders while active (--loyal-orders); active up to "
            f"{d['active_after']}×, at risk up to {d['lapsed_after']}×, lapsed up to "
            f"{d['churned_after']}× a customer's usual gap since the last order, churned beyond "
            f"(--active-after, --lapsed-after, --churned-after); a one-order customer's usual "
            f"gap is {d['typical_cadence_days']} days"
        )
    if d.keys() == {"model", "risk"}:
        return f"tiers by the CLV of {d['model']}; risk: {d['risk']}"
    if d.keys() == {"algorithm", "k", "clustered", "prospects", "cancelled_only"}:
        cancelled = int(details["cancelled_only"])
        also = f" and {cancelled:,} who cancelled every order (cancelled only)" if cancelled else ""
        return (
            f"{d['algorithm']} with k = {d['k']} on {int(details['clustered']):,} buyers; "
            f"{int(details['prospects']):,} prospects (no order yet){also} kept apart"
        )
    return ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in details.items()
    )


LIFECYCLE = {f.name for f in fields(Thresholds)}
"""The thresholds a lifecycle run reports."""


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
