"""Diagnostic plots of a CLV fit: does the model describe the customers it was fitted on?

The four plots Fader, Hardie & Lee (2005, "Counting Your Customers the Easy Way",
Marketing Science 24(2), figures 1-4) use to validate the BG/NBD, for any transaction
model:

* tracking: cumulative repeat transactions of the cohort by week, actual against the
  model's E[X(t)] summed over customers (each from their own first purchase), through the
  calibration period and on into the holdout;
* histogram: customers by number of repeat transactions in the calibration period, actual
  against the expected count, the sum over customers of P(X(T) = k);
* conditional expectations: for each calibration frequency, the mean holdout purchases
  actually made against the mean predicted, E[Y(t) | x, t_x, T];
* P(alive) over frequency x recency for a customer of a given age.

Every function takes a fitted model (:class:`segmint.scoring.clv_fit.ClvFit`) and a
split and returns a Plotly figure; models never import plotting. :func:`write_diagnostics`
saves them as one interactive HTML file (plotly.js inlined, no network needed) and, when
the ``kaleido`` package is installed, as PNG files.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped]

from segmint.exceptions import InputError
from segmint.features.btyd_split import CalibrationHoldout
from segmint.scoring.clv_fit import ClvFit, holdout_purchases

MAX_COUNT = 7
"""Frequencies from this one up are pooled as ``7+`` in the histogram and the expectations."""

ACTUAL, MODEL = "#1f3b73", "#e07b39"
HTML_NAME = "clv_diagnostics.html"


def _layout(figure: go.Figure, title: str, x: str, y: str) -> go.Figure:
    figure.update_layout(
        title=title, xaxis_title=x, yaxis_title=y, template="plotly_white", legend_x=0.01
    )
    return figure


def expected_cumulative_repeat(split: CalibrationHoldout, fit: ClvFit) -> np.ndarray:
    """The model's cumulative repeat transactions of the cohort at the end of each week.

    Week k ends k weeks after the cohort's first day; a customer who first bought s weeks
    in contributes E[X(k - s)] once k > s. Customers are grouped by first-purchase week so
    E[X(t)] is evaluated once per distinct start.
    """
    starts = split.calibration_weeks - split.frame["T"].to_numpy(dtype=np.float64)
    distinct, counts = np.unique(np.round(starts, 9), return_counts=True)
    weeks = split.weekly_repeat.index.to_numpy(dtype=np.float64)
    ages = np.maximum(weeks[:, None] - distinct[None, :], 0.0)
    expected = fit.transactions.expected_purchases_new_customer(ages.ravel()).reshape(ages.shape)
    return np.asarray(expected @ counts, dtype=np.float64)


def tracking_figure(split: CalibrationHoldout, fit: ClvFit) -> go.Figure:
    """Cumulative repeat transactions by week, actual vs model, calibration end marked."""
    weeks = split.weekly_repeat.index.to_numpy()
    figure = go.Figure()
    figure.add_scatter(x=weeks, y=split.weekly_repeat.cumsum(), name="actual", line_color=ACTUAL)
    figure.add_scatter(
        x=weeks,
        y=expected_cumulative_repeat(split, fit),
        name=fit.name,
        line={"color": MODEL, "dash": "dash"},
    )
    figure.add_vline(
        x=split.calibration_weeks,
        line_dash="dot",
        annotation_text=f"calibration end {split.calibration_end}",
    )
    return _layout(
        figure,
        "Tracking cumulative repeat transactions",
        f"week since {split.origin}",
        "cumulative repeat transactions",
    )


def _count_labels() -> list[str]:
    return [*(str(k) for k in range(MAX_COUNT)), f"{MAX_COUNT}+"]


def repeat_histogram(split: CalibrationHoldout, fit: ClvFit) -> tuple[np.ndarray, np.ndarray]:
    """Customers with 0, 1, …, 7+ calibration repeat transactions: (actual, expected)."""
    x = split.frame["frequency"].to_numpy(dtype=np.float64)
    actual = np.bincount(np.minimum(x, MAX_COUNT).astype(np.int64), minlength=MAX_COUNT + 1)
    ages, n_at_age = np.unique(split.frame["T"].to_numpy(dtype=np.float64), return_counts=True)
    k = np.arange(MAX_COUNT, dtype=np.float64)[:, None]
    below = fit.transactions.probability_of_purchases(k, ages[None, :]) @ n_at_age
    expected = np.append(below, x.size - below.sum())
    return actual.astype(np.float64), np.asarray(expected, dtype=np.float64)


def histogram_figure(split: CalibrationHoldout, fit: ClvFit) -> go.Figure:
    """Customers by calibration repeat transactions, actual vs expected."""
    actual, expected = repeat_histogram(split, fit)
    labels = _count_labels()
    figure = go.Figure()
    figure.add_bar(x=labels, y=actual, name="actual", marker_color=ACTUAL)
    figure.add_bar(x=labels, y=expected, name=fit.name, marker_color=MODEL)
    return _layout(
        figure,
        "Repeat transactions in the calibration period",
        "repeat transactions",
        "customers",
    )


def conditional_expectations(
    split: CalibrationHoldout, fit: ClvFit
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per calibration frequency 0 … 7+: (customers, mean actual, mean predicted holdout purchases)."""
    group = np.minimum(split.frame["frequency"].to_numpy(), MAX_COUNT).astype(np.int64)
    n = np.bincount(group, minlength=MAX_COUNT + 1).astype(np.float64)
    actual = np.bincount(group, split.frame["holdout_purchases"], minlength=MAX_COUNT + 1)
    predicted = np.bincount(group, holdout_purchases(fit, split), minlength=MAX_COUNT + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return n, actual / n, predicted / n


def conditional_figure(split: CalibrationHoldout, fit: ClvFit) -> go.Figure:
    """Mean holdout purchases by calibration frequency, actual vs predicted."""
    _, actual, predicted = conditional_expectations(split, fit)
    labels = _count_labels()
    figure = go.Figure()
    figure.add_scatter(x=labels, y=actual, name="actual", line_color=ACTUAL)
    figure.add_scatter(x=labels, y=predicted, name=fit.name, line={"color": MODEL, "dash": "dash"})
    return _layout(
        figure,
        f"Holdout purchases ({split.holdout_weeks:.0f} weeks) by calibration frequency",
        "repeat transactions in the calibration period",
        "mean holdout purchases",
    )


def p_alive_figure(fit: ClvFit, max_frequency: int, T: float, n_recency: int = 40) -> go.Figure:
    """Heatmap of P(alive) over frequency 0..max_frequency and recency 0..T, at age T."""
    if max_frequency < 1 or not T > 0:
        raise InputError(
            f"the P(alive) matrix needs max_frequency >= 1 and T > 0; got {max_frequency} and {T}"
        )
    frequency = np.arange(max_frequency + 1, dtype=np.float64)
    recency = np.linspace(0.0, T, n_recency)
    x, t_x = np.meshgrid(frequency, recency, indexing="ij")
    t_x = np.where(x == 0, 0.0, t_x)  # no repeat purchase: recency is 0 by definition
    alive = fit.transactions.probability_alive(x.ravel(), t_x.ravel(), np.full(x.size, T))
    figure = go.Figure(
        go.Heatmap(
            z=alive.reshape(x.shape),
            x=recency,
            y=frequency,
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            colorbar_title="P(alive)",
        )
    )
    return _layout(
        figure,
        f"P(alive) of a customer aged {T:.0f} weeks",
        "recency: age at last repeat purchase (weeks)",
        "repeat purchases",
    )


def diagnostic_figures(split: CalibrationHoldout, fit: ClvFit) -> dict[str, go.Figure]:
    """The four diagnostics of ``fit`` (fitted on ``split``'s calibration period), by file stem."""
    x = split.frame["frequency"]
    return {
        "clv_tracking": tracking_figure(split, fit),
        "clv_repeat_histogram": histogram_figure(split, fit),
        "clv_conditional_expectations": conditional_figure(split, fit),
        "clv_p_alive": p_alive_figure(
            fit, max(int(np.quantile(x, 0.99)), 1), float(split.frame["T"].max())
        ),
    }


def png_available() -> bool:
    """True when plotly can write PNG files (the optional ``kaleido`` package is installed)."""
    return importlib.util.find_spec("kaleido") is not None


def write_diagnostics(
    figures: dict[str, go.Figure], directory: Path, *, png: bool = False
) -> list[Path]:
    """Write the figures to ``directory``: one HTML page with all of them, and PNGs if asked.

    Raises:
        InputError: PNG asked for but ``kaleido`` is not installed.
    """
    if png and not png_available():
        raise InputError(
            "writing PNG plots needs the kaleido package: `pip install kaleido`; "
            "the interactive HTML page needs nothing more"
        )
    directory.mkdir(parents=True, exist_ok=True)
    parts = [  # plotly.js inlined once, with the first figure: the page works offline
        figure.to_html(full_html=False, include_plotlyjs=(i == 0))
        for i, figure in enumerate(figures.values())
    ]
    page = directory / HTML_NAME
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>CLV diagnostics</title>"
        "</head><body>" + "\n".join(parts) + "</body></html>",
        encoding="utf-8",
    )
    written = [page]
    if png:
        for stem, figure in figures.items():
            path = directory / f"{stem}.png"
            try:
                figure.write_image(path, width=900, height=550)
            except Exception as exc:  # kaleido reports a missing browser in several ways
                raise InputError(
                    f"writing {path} failed ({type(exc).__name__}: {exc}); PNG export drives a "
                    "Chromium or Chrome browser: install one (e.g. `apt-get install chromium`) "
                    "or pass --no-png (the HTML page is written)"
                ) from None
            written.append(path)
    return written
