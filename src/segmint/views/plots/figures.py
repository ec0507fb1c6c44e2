"""Plotly figures as plain JSON-ready dicts (``{"data": [...], "layout": {...}}``).

Built without ``plotly.graph_objects`` so a page costs microseconds, not the tens of
milliseconds its validation takes; plotly.js draws them in the browser. Every axis is
labelled and every number formatted for people.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from segmint.features import labels
from segmint.insight.migration import ENTERED, LEFT
from segmint.insight.profile import period_text
from segmint.mart.currency import amount_digits, heading, with_currency

Figure = dict[str, Any]

PALETTE = [
    *("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777"),
    *("#92400e", "#65a30d", "#1e3a8a", "#f472b6", "#0f766e", "#a78bfa", "#ea580c"),
]
"""Colours of categories (segments, channels), told apart up to 14 of them: an RFM
segmentation has 12 segments, and a chart that repeated a colour would show two segments
as one."""
OUTSIDE = "#9ca3af"
"""The colour of customers outside the base at one of two dates (entered or left)."""
CATEGORY_TICKS = {"autotickangles": [-30, -60, -90]}
"""Category labels slanted 30 degrees, more when a narrow chart (a phone) would overlap them."""
LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"}
FONT = {"family": "Inter, system-ui, -apple-system, Segoe UI, sans-serif", "size": 13}
BLUES = [[0.0, "#dbeafe"], [1.0, "#1e3a8a"]]
"""A colour scale from light (least) to dark (most) blue. Spelled out, because plotly.js's
named scales do not agree on a direction: its "Blues" runs from dark to light, its "Reds"
from light to dark."""
REDS = [[0.0, "#fee2e2"], [1.0, "#991b1b"]]
"""The same from light to dark red, for counts that call for attention."""


def _layout(title: str = "", **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "font": FONT,
        "margin": {"l": 60, "r": 20, "t": 70 if title else 16, "b": 50},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": PALETTE,
        "hoverlabel": {"font": FONT},
    }
    layout.update(extra)
    return layout


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "gridcolor": "#e5e7eb",
        "zeroline": False,
        "automargin": True,
        **extra,
    }


def _list(values: Any) -> list[Any]:
    """Plain Python values (NaN as None) for JSON."""
    array = pd.Series(values).astype("object")
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in array.tolist()]


def segment_link(segmentation: str, day: dt.date) -> str:
    """The start of a link to one of ``segmentation``'s segments as of ``day``: the segment's
    name, encoded by :func:`link_to`, completes it. Names are encoded (``Top & #1 ?a=b``
    stays one name), never pasted into the URL as they are."""
    return f"/segments/{quote(segmentation, safe='')}?as_of={day.isoformat()}&segment="


def link_to(link: str, name: str) -> str:
    """``link`` followed by ``name`` encoded as a URL query value (or path segment)."""
    return link + quote(name, safe="")


def _links(link: str | None, names: list[Any]) -> list[str] | None:
    """The customdata of points that open a segment: one encoded link per name."""
    return [link_to(link, str(n)) for n in names] if link else None


def segment_shares(
    segments: pd.DataFrame, link: str | None = None, kind: str | None = None
) -> Figure:
    """Share of customers, revenue and profit per segment, side by side (size vs value);
    without profit when no segment's is known (no unit costs): a legend entry without bars
    reads as a profit of nothing. Segments read their labels, as in :func:`segment_treemap`."""
    names = _list(segments.segment.astype(str))
    bars = [
        ("Customers", "share_of_base", PALETTE[0]),
        ("Revenue", "revenue_share", PALETTE[1]),
        ("Profit", "profit_share", PALETTE[2]),
    ]
    if segments["profit_share"].isna().all():
        bars.pop()
    data = [
        {
            "type": "bar",
            "name": label,
            "x": _segment_labels(names, kind),
            "y": _list(segments[column].astype("float64")),
            "marker": {"color": color},
            "hovertemplate": "%{x}<br>" + label + ": %{y:.1%}<extra></extra>",
            "customdata": _links(link, names),
        }
        for label, column, color in bars
    ]
    return {
        "data": data,
        "layout": _layout(
            "Share of customers, revenue and profit by segment"
            if len(bars) == 3
            else "Share of customers and revenue by segment",
            barmode="group",
            xaxis=_axis("Segment", **CATEGORY_TICKS),
            yaxis=_axis("Share of total", tickformat=".0%"),
            legend=LEGEND,
        ),
    }


def buyer_trend(trend: pd.DataFrame) -> Figure:
    """Customers with a purchase per month."""
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Buyers",
                "x": [m.strftime("%Y-%m-%d") for m in pd.to_datetime(trend.month)],
                "y": _list(trend.buyers.astype("int64")),
                "line": {"color": PALETTE[0], "width": 3},
                "cliponaxis": False,  # the first and last months' markers drawn whole
                "fill": "tozeroy",
                "fillcolor": "rgba(37,99,235,0.08)",
                "hovertemplate": "%{x|%b %Y}: %{y:,} buyers<extra></extra>",
            }
        ],
        "layout": _layout(
            "Active customers: buyers per month",
            xaxis=_axis("Month", tickformat="%b %Y"),
            yaxis=_axis("Customers with an order", rangemode="tozero", tickformat=",d"),
        ),
    }


UNDER_THE_PLOT = {"orientation": "h", "x": 0, "xanchor": "left", "len": 1, "thickness": 12}
"""A colour bar lying under the plot, as wide as it: the treemap's and the heatmaps' (each
places it against what lies above it)."""

TREEMAP_COLORBAR = {**UNDER_THE_PLOT, "tickformat": ",.0f", "y": -0.04, "yanchor": "top"}
"""The treemap's colour bar lies under the tiles, as wide as them: standing beside them it
took half of a phone's width (390 px) from the tiles; under them it takes none, on any
screen. Its title, naming the currency and the days of orders, is :func:`_colorbar`'s."""


def _colorbar(currency: str | None, history_days: int | None) -> dict[str, Any]:
    """The treemap's colour bar, its title naming ``currency`` when the shop has one and the
    days of orders when fewer than a year's (:func:`segmint.insight.profile.period_text`):
    "Revenue / member over 181 days (EUR)", as the segment's KPI says it, since "Revenue per
    member over 181 days (EUR)" is wider than the chart on a phone (390 px)."""
    text = period_text(history_days, "Revenue per member / year", "Revenue / member")
    title = {"text": heading(text, currency), "side": "top"}
    return {**TREEMAP_COLORBAR, "title": title}


def heatmap_colorbar(title: str, tickformat: str) -> dict[str, Any]:
    """A heatmap's colour bar: horizontal, as wide as the cells, at the foot of the chart.

    Standing beside the cells, plotly.js's default, it took a third of a phone's width
    (390 px) and squeezed the grid into the rest. Under them it takes none, on any screen.
    It is placed against the chart's foot (``yref="container"``), so plotly.js reserves its
    room below the x axis's labels and title however tall they are; its title goes under
    it (a title on top overlapped the bar in that placement).
    """
    return {
        **UNDER_THE_PLOT,
        "title": {"text": title, "side": "bottom"},
        "tickformat": tickformat,
        "xpad": 0,
        "y": 0,
        "yref": "container",
        "yanchor": "bottom",
        "ypad": 0,
    }


def _segment_labels(names: list[str], kind: str | None) -> list[str]:
    """What people read for each of ``names``, segments of a segmentation of ``kind``."""
    return [labels.segment_label(name, kind) for name in names]


def segment_treemap(
    segments: pd.DataFrame,
    link: str | None = None,
    kind: str | None = None,
    currency: str | None = None,
    history_days: int | None = None,
) -> Figure:
    """Segments as tiles sized by members and coloured by revenue per member (in the shop's
    ``currency``, when set); click opens one. Tiles read the segments' labels
    (:func:`segmint.features.labels.segment_label` for a segmentation of ``kind``); links
    keep the stored names. ``history_days`` (:attr:`SegmentProfile.history_days`) makes the
    colour bar say the values are over those days, not a year."""
    names = _list(segments.segment.astype(str))
    return {
        "data": [
            {
                "type": "treemap",
                "labels": _segment_labels(names, kind),
                "parents": [""] * len(names),
                "values": _list(segments.members.astype("int64")),
                "customdata": _links(link, names),
                "marker": {
                    "colors": _list(segments.revenue_per_member.astype("float64").fillna(0)),
                    "colorscale": BLUES,
                    "showscale": True,
                    "colorbar": _colorbar(currency, history_days),
                    # the tiles fill the plot: no frame of the implicit root around them
                    # (plotly.js draws it dark), and gaps in the page's colour between them
                    "pad": {"t": 0, "r": 0, "b": 0, "l": 0},
                    "line": {"color": "#ffffff", "width": 2},
                },
                "texttemplate": "<b>%{label}</b><br>%{value:,} customers",
                "hovertemplate": "<b>%{label}</b><br>%{value:,} customers<br>"
                + with_currency(f"%{{color:,.{amount_digits(currency)}f}}", currency)
                + " revenue per member<extra></extra>",
            }
        ],
        "layout": _layout(
            "Segment size (area) and value per member (colour)",
            margin={"l": 8, "r": 8, "t": 70, "b": 80},  # no axes: the tiles take the width
        ),
    }


def value_per_member(
    segments: pd.DataFrame,
    link: str | None = None,
    kind: str | None = None,
    currency: str | None = None,
    history_days: int | None = None,
) -> Figure:
    """Revenue and profit per member per year, one bar pair per segment (named by its label,
    as in :func:`segment_treemap`), in the shop's ``currency`` when set; over
    ``history_days`` (:attr:`SegmentProfile.history_days`), and titled so, when the orders
    cover less than the year."""
    names = _list(segments.segment.astype(str))
    data = [
        {
            "type": "bar",
            "name": label,
            "x": _segment_labels(names, kind),
            "y": _list(segments[column].astype("float64")),
            "customdata": _links(link, names),
            "hovertemplate": "%{x}<br>"
            + label
            + ": "
            + with_currency(f"%{{y:,.{amount_digits(currency)}f}}", currency)
            + "<extra></extra>",
        }
        for label, column in (
            ("Revenue per member", "revenue_per_member"),
            ("Profit per member", "profit_per_member"),
        )
    ]
    return {
        "data": data,
        "layout": _layout(
            period_text(history_days, "Value per member per year", "Value per member"),
            barmode="group",
            xaxis=_axis("Segment", **CATEGORY_TICKS),
            yaxis=_axis(
                heading(period_text(history_days, "Per member per year", "Per member"), currency),
                tickformat=",.0f",
            ),
            legend=LEGEND,
        ),
    }


def distinguishing(rows: pd.DataFrame) -> Figure:
    """Index against the base (100 = base average) of a segment's most distinctive features,
    each named by its label (:func:`segmint.features.labels.label`)."""
    ordered = rows.iloc[::-1]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": _list(ordered["index"].astype("float64")),
                "y": [labels.label(str(name)) for name in ordered.feature],
                "marker": {
                    "color": [PALETTE[1] if v >= 0 else PALETTE[3] for v in ordered.smd.fillna(0)]
                },
                "hovertemplate": "%{y}: index %{x:.0f}<extra></extra>",
            }
        ],
        "layout": _layout(
            "What sets the segment apart (index, base = 100)",
            xaxis=_axis("Index against all customers (100 = average)"),
            yaxis=_axis(""),
            shapes=[
                {
                    "type": "line",
                    "x0": 100,
                    "x1": 100,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"dash": "dot", "color": "#6b7280"},
                }
            ],
        ),
    }


def mix(rows: pd.DataFrame, title: str, axis: str) -> Figure:
    """Shares of a segment's customers, orders or revenue by one dimension."""
    ordered = rows.sort_values("share").tail(10)
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": _list(ordered.share.astype("float64")),
                "y": _list(ordered.value.astype(str)),
                "marker": {"color": PALETTE[0]},
                "hovertemplate": "%{y}: %{x:.1%}<extra></extra>",
            }
        ],
        "layout": _layout(title, xaxis=_axis(axis, tickformat=".0%"), yaxis=_axis("")),
    }


def rfm_heatmap(grid: pd.DataFrame, measure: str) -> Figure:
    """Recency score (rows) × frequency score (columns), coloured by ``measure``."""
    r = sorted(int(v) for v in grid.r_score.unique())
    f = sorted(int(v) for v in grid.f_score.unique())
    table = grid.pivot(index="r_score", columns="f_score", values=measure).reindex(
        index=r, columns=f
    )
    label = {"customers": "Customers", "monetary_mean": "Mean spend to date"}[measure]
    fmt = ",d" if measure == "customers" else ",.0f"
    z = [[None if pd.isna(v) else float(v) for v in row] for row in table.to_numpy()]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": [f"F{v}" for v in f],
                "y": [f"R{v}" for v in r],
                "z": z,
                "colorscale": BLUES,
                "colorbar": heatmap_colorbar(label, fmt),
                "texttemplate": "%{z:" + fmt + "}",
                "hovertemplate": "%{y} × %{x}<br>" + label + ": %{z:" + fmt + "}<extra></extra>",
            }
        ],
        "layout": _layout(
            f"RFM grid: {label.lower()} by recency and frequency score",
            xaxis=_axis("Frequency score (5 = most orders)"),
            yaxis=_axis("Recency score (5 = most recent)"),
        ),
    }


def sankey(flows: pd.DataFrame, from_label: str, to_label: str, kind: str | None = None) -> Figure:
    """Customers flowing from each segment at the first date (left) to each at the second
    (right).

    Nodes are named by segment alone: the dates are in the title and in each band's hover,
    and a name with its date on both sides of a narrow chart (a phone) ran into the other
    side's. They read the segments' labels (:func:`segmint.features.labels.segment_label`
    for a segmentation of ``kind``: a value tier's ``unassigned`` is "no CLV score (no
    purchase yet)"). Those who entered or left the base are grey.
    """
    sources = [str(s) for s in flows.source]
    targets = [str(t) for t in flows.target]
    left, right = list(dict.fromkeys(sources)), list(dict.fromkeys(targets))
    starts = {n: i for i, n in enumerate(left)}
    ends = {n: len(left) + i for i, n in enumerate(right)}
    names = [n for n in dict.fromkeys([*sources, *targets]) if n not in (ENTERED, LEFT)]
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    colour.update({ENTERED: OUTSIDE, LEFT: OUTSIDE})
    return {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {
                    "label": _segment_labels(left + right, kind),
                    "pad": 12,
                    "thickness": 16,
                    "color": [colour[n] for n in left + right],
                },
                "link": {
                    "source": [starts[s] for s in sources],
                    "target": [ends[t] for t in targets],
                    "value": _list(flows.customers.astype("int64")),
                    "color": [colour[s] + "40" for s in sources],
                    "hovertemplate": f"%{{source.label}} ({from_label}) → "
                    f"%{{target.label}} ({to_label})<br>%{{value:,}} customers<extra></extra>",
                },
            }
        ],
        "layout": _layout(f"Customers moving between segments, {from_label} → {to_label}"),
    }


def clv_histogram(values: pd.Series, bins: int = 40, currency: str | None = None) -> Figure:
    """Distribution of predicted CLV (binned here, so the page stays small), in the shop's
    ``currency`` when set."""
    clean = values.dropna().to_numpy()
    top = float(np.quantile(clean, 0.99)) if len(clean) else 1.0
    counts, edges = np.histogram(np.clip(clean, None, top), bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    return {
        "data": [
            {
                "type": "bar",
                "x": centres.tolist(),
                "y": counts.tolist(),
                "width": float(edges[1] - edges[0]) if len(edges) > 1 else None,
                "marker": {"color": PALETTE[0]},
                "hovertemplate": "CLV ≈ "
                + with_currency("%{x:,.0f}", currency)
                + ": %{y:,} customers<extra></extra>",
            }
        ],
        "layout": _layout(
            "Predicted customer lifetime value (top 1% pooled in the last bar)",
            xaxis=_axis(heading("Predicted CLV", currency), tickformat=",.0f"),
            yaxis=_axis("Customers", tickformat=",d"),
            bargap=0.02,
        ),
    }


VALUE_TIER_TITLE = "Value tier<br>(by predicted CLV)"
"""The value × risk grid's y axis title, on two lines: on one it was taller than the five
rows of cells on a phone (390 px) and, centred on them, reached up to the chart's title."""


def value_risk_grid(grid: pd.DataFrame, tiers: tuple[str, ...], bands: tuple[str, ...]) -> Figure:
    """Customers per value tier (rows) × churn-risk band (columns)."""
    table = grid.pivot(index="tier", columns="band", values="customers")
    table = table.reindex(index=list(tiers), columns=list(bands)).fillna(0)
    return {
        "data": [
            {
                "type": "heatmap",
                "x": list(bands),
                "y": list(tiers),
                "z": table.astype("int64").to_numpy().tolist(),
                "colorscale": REDS,
                "colorbar": heatmap_colorbar("Customers", ",d"),
                "texttemplate": "%{z:,d}",
                "hovertemplate": "%{y}, risk %{x}: %{z:,d} customers<extra></extra>",
            }
        ],
        "layout": _layout(
            "Value × churn risk",
            xaxis=_axis("Churn risk"),
            yaxis=_axis(VALUE_TIER_TITLE, autorange="reversed"),
        ),
    }
