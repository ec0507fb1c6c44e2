"""Printing a migration: the from → to matrix with row shares, and the largest moves."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from rich.table import Table

from segmint.cli._money_output import fmt
from segmint.cli._output import out
from segmint.cli._profile_output import records
from segmint.features.labels import segment_label
from segmint.insight import Migration


def migration_document(result: Migration, top: int = 5) -> dict[str, Any]:
    """The migration as one JSON-ready document (matrix as nested objects from → to)."""

    def nested(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
        return {
            str(row): {str(c): _number(frame.loc[row, c]) for c in frame.columns}
            for row in frame.index
        }

    return {
        "segmentation": result.segmentation,
        "from_date": result.from_date.isoformat(),
        "to_date": result.to_date.isoformat(),
        "entered": result.entered,
        "left": result.left,
        "counts": nested(result.counts),
        "row_shares": nested(result.row_shares),
        "revenue": nested(result.revenue),
        "flows": records(result.flows),
        "top_flows": result.top_flows(top),
    }


def _number(value: Any) -> float | int | None:
    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() else number


def print_migration(result: Migration, top: int, kind: str | None = None) -> None:
    """The matrix (customers and row shares) and the ``top`` largest moves, for people:
    segments read as the pages show them for a segmentation of ``kind``
    (:func:`segmint.features.labels.segment_label`: a value tier's ``unassigned`` is "no CLV
    score (no purchase yet)"); the JSON and CSV answers keep the stored names."""
    counts, shares = result.counts, result.row_shares
    title = f"{result.segmentation}: {result.from_date} → {result.to_date} (customers, row %)"
    view = Table(title=title)
    view.title_justify = "left"
    view.add_column("from \\ to")
    for column in counts.columns:
        view.add_column(segment_label(column, kind), justify="right")
    view.add_column("total", justify="right")
    for row in counts.index:
        cells = [
            f"{int(counts.loc[row, c]):,} {fmt(shares.loc[row, c], '.0%')}" for c in counts.columns
        ]
        view.add_row(segment_label(row, kind), *cells, f"{int(counts.loc[row].sum()):,}")
    view.add_section()
    view.add_row("total", *(f"{int(counts[c].sum()):,}" for c in counts.columns), "")
    out.print(view)
    out.print(f"{result.entered:,} entered the base, {result.left:,} left it.")
    for sentence in result.top_flows(top, kind):
        out.print(f"• {sentence}")


def print_moves(result: Migration, stored: list[str], top: int = 5) -> None:
    """The largest moves of ``result`` as sentences, after a line saying which
    segmentations were ``stored`` as of its earlier date, and the command for the table."""
    out.print(
        f"{', '.join(stored)} also stored as of {result.from_date}; the largest moves of "
        f"{result.segmentation} since then (`segmint migration {result.segmentation} --from "
        f"{result.from_date} --to {result.to_date}` for the whole table):",
        highlight=False,
    )
    for sentence in result.top_flows(top):
        out.print(f"• {sentence}", highlight=False)
