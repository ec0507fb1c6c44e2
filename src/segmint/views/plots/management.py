"""Figures of the management reports: campaign tracking, channel sales, segment sales.

Plain JSON-ready dicts like :mod:`segmint.views.plots.figures` (plotly.js draws them), from
the results of :mod:`segmint.scoring.campaigns` and :mod:`segmint.insight`, so the pages
and the report show the numbers the CLI prints.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segmint.mart.currency import amount_digits, heading, with_currency
from segmint.scoring.campaigns import ResponseCurve
from segmint.views.plots.figures import PALETTE, Figure, _axis, _layout, _list

GROUP_COLOURS = {"target": PALETTE[0], "control": "#6b7280"}


def response_curves(curve: ResponseCurve, title: str) -> Figure:
    """Cumulative response (share with a purchase since the start) by day, target vs control."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": group.capitalize(),
            "x": list(curve.day),
            "y": list(getattr(curve, f"{group}_response")),
            "line": {"color": GROUP_COLOURS[group], "width": 3 if group == "target" else 2},
            "hovertemplate": f"day %{{x}}: %{{y:.2%}} of {group} bought<extra></extra>",
        }
        for group in ("target", "control")
    ]
    return {
        "data": data,
        "layout": _layout(
            title,
            xaxis=_axis("Days since the start", tickformat=",d"),
            yaxis=_axis("Bought since the start", tickformat=".1%", rangemode="tozero"),
            legend={"orientation": "h", "x": 0, "y": -0.25},
        ),
    }


def lift_intervals(
    rows: list[dict[str, Any]], metric: str, label: str, currency: str | None = None
) -> Figure:
    """Each campaign's lift of ``metric`` with its 95% interval (Welch), as a forest plot;
    a lift in money marked with ``currency``."""
    measured = [r for r in rows if r.get(f"{metric}_abs") is not None]
    names = [str(r["campaign_id"]) for r in measured]
    lifts = [r[f"{metric}_abs"] for r in measured]
    low = [r[f"{metric}_low"] for r in measured]
    high = [r[f"{metric}_high"] for r in measured]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": lifts,
                "y": names,
                "marker": {"size": 10, "color": PALETTE[0]},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [h - v for h, v in zip(high, lifts, strict=True)],
                    "arrayminus": [v - lo for v, lo in zip(lifts, low, strict=True)],
                },
                "hovertemplate": f"%{{y}}: {_hover('x', metric, currency)}<extra></extra>",
            }
        ],
        "layout": _layout(
            f"{label}: lift with 95% interval",
            xaxis=_lift_axis(label, metric, currency),
            yaxis=_axis("", type="category", autorange="reversed"),
            showlegend=False,
        ),
    }


def segment_lifts(
    rows: list[dict[str, Any]],
    metric: str,
    label: str,
    segmentation: str,
    currency: str | None = None,
) -> Figure:
    """A campaign's lift of ``metric`` in each measured segment of ``segmentation``, as bars
    with 95% intervals (Welch); bars significant after Benjamini–Hochberg are coloured; a
    lift in money marked with ``currency``."""
    shown = [
        r
        for r in rows
        if r.get(f"{metric}_abs") is not None
        and r.get(f"{metric}_low") is not None
        and r.get(f"{metric}_high") is not None
    ]
    lifts = [r[f"{metric}_abs"] for r in shown]
    return {
        "data": [
            {
                "type": "bar",
                "x": [str(r["segment"]) for r in shown],
                "y": lifts,
                "marker": {
                    "color": [
                        PALETTE[0] if r[f"{metric}_significant"] else GROUP_COLOURS["control"]
                        for r in shown
                    ]
                },
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [r[f"{metric}_high"] - v for r, v in zip(shown, lifts, strict=True)],
                    "arrayminus": [
                        v - r[f"{metric}_low"] for r, v in zip(shown, lifts, strict=True)
                    ],
                },
                "customdata": [r[f"{metric}_q_value"] for r in shown],
                "hovertemplate": (
                    f"%{{x}}: {_hover('y', metric, currency)} (q = %{{customdata:.2g}})"
                    "<extra></extra>"
                ),
            }
        ],
        "layout": _layout(
            f"{label}: lift per {segmentation} segment with 95% interval",
            xaxis=_axis("", type="category"),
            yaxis=_lift_axis(label, metric, currency),
            showlegend=False,
        ),
    }


SHARES = frozenset({"conversion"})
"""Metrics whose lift is a difference of shares, shown in percent as the tables show it."""


def _hover(axis: str, metric: str, currency: str | None) -> str:
    """The hover text of a lift of ``metric`` on ``axis``: percent for a share, else an
    amount marked with ``currency`` (two decimals more than its minor units)."""
    if metric in SHARES:
        return f"%{{{axis}:.2%}}"
    return with_currency(f"%{{{axis}:,.{amount_digits(currency, 4)}f}}", currency)


def _lift_axis(label: str, metric: str, currency: str | None) -> dict[str, Any]:
    """The lift's axis, zero marked; in percent for a share, else titled with ``currency``."""
    if metric in SHARES:
        return _axis(
            f"{label}, target minus control", zeroline=True, zerolinecolor="#9ca3af",
            tickformat=".1%",
        )  # fmt: skip
    title = heading(f"{label}, target minus control", currency)
    return _axis(title, zeroline=True, zerolinecolor="#9ca3af")


def _period_x(frame: pd.DataFrame) -> list[str]:
    return [pd.Timestamp(p).strftime("%Y-%m-%d") for p in frame["period"]]


def stacked_by(
    frame: pd.DataFrame, key: str, value: str, title: str, axis: str, currency: str | None = None
) -> Figure:
    """Bars of ``value`` (money, in ``currency``) per period, one stacked series per ``key``
    (channel or segment)."""
    data = []
    for number, (name, rows) in enumerate(frame.groupby(key, sort=True)):
        data.append(
            {
                "type": "bar",
                "name": str(name),
                "x": _period_x(rows),
                "y": _list(rows[value]),
                "marker": {"color": PALETTE[number % len(PALETTE)]},
                "hovertemplate": f"{name}, %{{x}}: "
                + with_currency("%{y:,.0f}", currency)
                + "<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            title,
            barmode="relative",
            xaxis=_axis("Period starting", type="date"),
            yaxis=_axis(heading(axis, currency), tickformat=",.0f"),
        ),
    }


def lines_by(
    frame: pd.DataFrame,
    key: str,
    value: str,
    title: str,
    axis: str,
    fmt: str = ",.2f",
    currency: str | None = None,
) -> Figure:
    """One line of ``value`` per ``key`` over the periods (AOV, share of the portfolio…);
    with a ``currency`` the values are money, to its minor units and marked with it."""
    if currency is not None:
        fmt = f",.{amount_digits(currency)}f"
    data = []
    for number, (name, rows) in enumerate(frame.groupby(key, sort=True)):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": str(name),
                "x": _period_x(rows),
                "y": _list(rows[value]),
                "line": {"color": PALETTE[number % len(PALETTE)]},
                "hovertemplate": f"{name}, %{{x}}: "
                + with_currency(f"%{{y:{fmt}}}", currency)
                + "<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            title,
            xaxis=_axis("Period starting", type="date"),
            yaxis=_axis(heading(axis, currency), tickformat=fmt),
        ),
    }


def channel_mix(mix: pd.DataFrame) -> Figure:
    """Each channel's revenue split by segment (100% bars)."""
    data = []
    for number, (segment, rows) in enumerate(mix.groupby("segment", sort=True)):
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": str(segment),
                "y": _list(rows["channel"].astype(str)),
                "x": _list(rows["revenue_share"]),
                "marker": {"color": PALETTE[number % len(PALETTE)]},
                "hovertemplate": f"{segment}: %{{x:.1%}} of %{{y}} revenue<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            "Segment mix of each channel (share of its revenue)",
            barmode="stack",
            xaxis=_axis("Share of the channel's revenue", tickformat=".0%"),
            yaxis=_axis("", type="category"),
        ),
    }
