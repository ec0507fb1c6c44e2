"""The calibration curves of a churn or intent model and its BTYD baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go


def calibration_figure(validation: dict[str, dict[str, Any]], title: str) -> go.Figure:
    """One curve per scorer (mean predicted against observed rate per bin) and the diagonal.

    Args:
        validation: per scorer, the metrics of :func:`segmint.models.propensity.evaluate`
            (``auc``, ``brier`` and the ``calibration`` bins).
        title: the chart's title.
    """
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line={"dash": "dot"})
    )
    for name, m in validation.items():
        points = m["calibration"]
        figure.add_trace(
            go.Scatter(
                x=[p["mean_predicted"] for p in points],
                y=[p["observed_rate"] for p in points],
                mode="lines+markers",
                name=f"{name} (AUC {m['auc']:.3f}, Brier {m['brier']:.3f})",
                text=[f"{p['n']} customers" for p in points],
            )
        )
    figure.update_layout(
        title=title, xaxis_title="mean predicted probability", yaxis_title="observed rate"
    )
    return figure


def write_calibration_chart(validation: dict[str, dict[str, Any]], title: str, path: Path) -> Path:
    """The calibration curves as one HTML file (plotly.js inlined, no network needed)."""
    calibration_figure(validation, title).write_html(path, include_plotlyjs=True)
    return path
