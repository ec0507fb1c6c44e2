"""The elbow and silhouette plots of the choice of k, as CSV plus SVG files.

The numbers go to ``k_selection.csv`` for any other tool; the two charts are Plotly line
charts written as SVG (any browser opens them), with the chosen k marked in red.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from segmint.mart import csv_safety
from segmint.views.plots.files import write_images

WIDTH, HEIGHT = 420, 260
LINE, CHOSEN = "#2c3e50", "#c0392b"
CHARTS = (
    ("inertia", "Elbow: mean squared distance to centroid", "elbow.svg"),
    ("silhouette", "Silhouette (higher is better)", "silhouette.svg"),
)
"""Column of the selection table, chart title and file of each chart."""


def selection_figure(table: pd.DataFrame, column: str, chosen: int, title: str) -> go.Figure:
    """``column`` of the k-selection table over k, the point at ``chosen`` marked."""
    ks = table["k"].tolist()
    figure = go.Figure(
        go.Scatter(
            x=ks,
            y=table[column].tolist(),
            mode="lines+markers",
            line={"color": LINE, "width": 2},
            marker={
                "color": [CHOSEN if k == chosen else LINE for k in ks],
                "size": [10 if k == chosen else 6 for k in ks],
            },
            showlegend=False,
        )
    )
    figure.update_layout(
        title={"text": title, "font": {"size": 13}, "x": 0.5},
        xaxis={"title": "k", "tickvals": ks},
        template="plotly_white",
        margin={"l": 48, "r": 24, "t": 40, "b": 40},
    )
    return figure


def write_selection_plots(table: pd.DataFrame, chosen: int, folder: Path) -> list[Path]:
    """Write ``k_selection.csv``, ``elbow.svg`` and ``silhouette.svg`` to ``folder``.

    Raises:
        InputError: the SVG files cannot be rendered (``kaleido`` or a browser missing).
    """
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "k_selection.csv"
    csv_safety.to_csv(table, csv)
    charts = {
        folder / file: selection_figure(table, column, chosen, title)
        for column, title, file in CHARTS
    }
    written = write_images(
        charts, width=WIDTH, height=HEIGHT, instead=f"use the numbers in {csv} (written)"
    )
    return [csv, *written]
