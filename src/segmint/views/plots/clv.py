"""The four diagnostic plots of a CLV fit (Fader, Hardie & Lee 2005, figures 1-4), drawn from
the numbers of :func:`segmint.insight.clv_diagnostics.diagnose`.

:func:`write_diagnostics` saves them as one interactive HTML file (plotly.js inlined, no
network needed) and, when asked, as PNG files.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from segmint.insight.clv_diagnostics import ClvDiagnostics, PAliveGrid, count_labels
from segmint.views.plots.figures import heatmap_colorbar
from segmint.views.plots.files import images_available, write_images, write_page

ACTUAL, MODEL = "#1f3b73", "#e07b39"
HTML_NAME = "clv_diagnostics.html"
PNG_SIZE = (900, 550)

__all__ = ["HTML_NAME", "diagnostic_figures", "png_available", "write_diagnostics"]


def _layout(figure: go.Figure, title: str, x: str, y: str) -> go.Figure:
    figure.update_layout(
        title=title, xaxis_title=x, yaxis_title=y, template="plotly_white", legend_x=0.01
    )
    return figure


def tracking_figure(d: ClvDiagnostics) -> go.Figure:
    """Cumulative repeat transactions by week, actual vs model, calibration end marked."""
    figure = go.Figure()
    figure.add_scatter(x=d.weeks, y=d.actual_cumulative, name="actual", line_color=ACTUAL)
    figure.add_scatter(
        x=d.weeks, y=d.expected_cumulative, name=d.model, line={"color": MODEL, "dash": "dash"}
    )
    figure.add_vline(
        x=d.calibration_weeks,
        line_dash="dot",
        annotation_text=f"calibration end {d.calibration_end}",
    )
    return _layout(
        figure,
        "Tracking cumulative repeat transactions",
        f"week since {d.origin}",
        "cumulative repeat transactions",
    )


def histogram_figure(d: ClvDiagnostics) -> go.Figure:
    """Customers by calibration repeat transactions, actual vs expected."""
    actual, expected = d.histogram
    labels = count_labels()
    figure = go.Figure()
    figure.add_bar(x=labels, y=actual, name="actual", marker_color=ACTUAL)
    figure.add_bar(x=labels, y=expected, name=d.model, marker_color=MODEL)
    return _layout(
        figure,
        "Repeat transactions in the calibration period",
        "repeat transactions",
        "customers",
    )


def conditional_figure(d: ClvDiagnostics) -> go.Figure:
    """Mean holdout purchases by calibration frequency, actual vs predicted."""
    _, actual, predicted = d.conditional
    labels = count_labels()
    figure = go.Figure()
    figure.add_scatter(x=labels, y=actual, name="actual", line_color=ACTUAL)
    figure.add_scatter(x=labels, y=predicted, name=d.model, line={"color": MODEL, "dash": "dash"})
    return _layout(
        figure,
        f"Holdout purchases ({d.holdout_weeks:.0f} weeks) by calibration frequency",
        "repeat transactions in the calibration period",
        "mean holdout purchases",
    )


def p_alive_figure(grid: PAliveGrid) -> go.Figure:
    """Heatmap of P(alive) over frequency and recency, at age ``grid.T``, its colour bar
    under the grid (:func:`~segmint.views.plots.figures.heatmap_colorbar`)."""
    figure = go.Figure(
        go.Heatmap(
            z=grid.alive,
            x=grid.recency,
            y=grid.frequency,
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            colorbar=heatmap_colorbar("P(alive)", ".1f"),
        )
    )
    return _layout(
        figure,
        f"P(alive) of a customer aged {grid.T:.0f} weeks"
        + (f" ({grid.group}, the largest group)" if grid.group else ""),
        "recency: age at last repeat purchase (weeks)",
        "repeat purchases",
    )


def diagnostic_figures(d: ClvDiagnostics) -> dict[str, go.Figure]:
    """The four diagnostics, by file stem."""
    return {
        "clv_tracking": tracking_figure(d),
        "clv_repeat_histogram": histogram_figure(d),
        "clv_conditional_expectations": conditional_figure(d),
        "clv_p_alive": p_alive_figure(d.p_alive),
    }


def png_available() -> bool:
    """True when plotly can write PNG files (the ``kaleido`` package is installed)."""
    return images_available()


def write_diagnostics(
    figures: dict[str, go.Figure], directory: Path, *, png: bool = False
) -> list[Path]:
    """Write the figures to ``directory``: one HTML page with all of them, and PNGs if asked.

    Raises:
        InputError: PNG asked for but ``kaleido`` is not installed, or it cannot render.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = [write_page(figures.values(), directory / HTML_NAME, "CLV diagnostics")]
    if png:
        images = {directory / f"{stem}.png": figure for stem, figure in figures.items()}
        width, height = PNG_SIZE
        written += write_images(
            images,
            width=width,
            height=height,
            instead="pass --no-png (the interactive HTML page needs nothing more)",
        )
    return written
