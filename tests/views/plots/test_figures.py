"""Dashboard figures: valid plotly, strict JSON (no NaN), hand-checked numbers and encoded links."""

from __future__ import annotations

import datetime as dt
import json
import math
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd
import plotly.graph_objects as go
import pytest

from segmint.features.labels import NO_CLV_SCORE
from segmint.insight.migration import ENTERED, LEFT
from segmint.views.plots import figures as fig
from segmint.views.scores import RISK_LABELS, VALUE_TIERS

HOSTILE = "Top & #1 ?a=b/c"

SEGMENTS = pd.DataFrame(
    {
        "segment": ["Champions", HOSTILE, "Lost"],
        "members": [10, 20, 5],
        "share_of_base": [0.2857, 0.5714, 0.1429],
        "revenue_share": [0.7, 0.3, 0.0],
        "profit_share": [0.8, 0.25, -0.05],
        "revenue_per_member": [100.0, 20.0, math.nan],
        "profit_per_member": [40.0, 5.0, math.nan],
    }
)


def strict(figure: fig.Figure) -> fig.Figure:
    """The figure as plotly.js gets it: valid for plotly and strict JSON (NaN is not JSON)."""
    go.Figure(figure)  # raises on an unknown property or a wrong value
    return json.loads(json.dumps(figure, allow_nan=False))


def test_segment_link_encodes_the_names() -> None:
    link = fig.segment_link("rfm 2/x", dt.date(2024, 6, 30))
    url = fig.link_to(link, HOSTILE)
    parts = urlsplit(url)
    assert parts.path == "/segments/rfm%202%2Fx"
    assert unquote(parts.path.rsplit("/", 1)[1]) == "rfm 2/x"
    assert parse_qs(parts.query) == {"as_of": ["2024-06-30"], "segment": [HOSTILE]}
    assert "#" not in url


def test_segment_shares_side_by_side_with_links() -> None:
    figure = strict(fig.segment_shares(SEGMENTS, fig.segment_link("rfm", dt.date(2024, 6, 30))))
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["Customers", "Revenue", "Profit"]
    assert figure["data"][2]["y"] == [0.8, 0.25, -0.05]
    assert figure["data"][0]["x"] == ["Champions", HOSTILE, "Lost"]
    links = figure["data"][0]["customdata"]
    assert parse_qs(urlsplit(links[1]).query)["segment"] == [HOSTILE]


def test_segment_shares_without_known_profit_draw_no_profit() -> None:
    unknown = SEGMENTS.assign(profit_share=math.nan)
    figure = strict(fig.segment_shares(unknown))
    assert [trace["name"] for trace in figure["data"]] == ["Customers", "Revenue"]
    assert "profit" not in figure["layout"]["title"]["text"]


def test_no_link_means_no_customdata() -> None:
    assert fig.segment_shares(SEGMENTS)["data"][0]["customdata"] is None


def test_missing_values_become_null_not_nan() -> None:
    figure = strict(fig.value_per_member(SEGMENTS))
    assert figure["data"][0]["y"] == [100.0, 20.0, None]
    treemap = strict(fig.segment_treemap(SEGMENTS))
    assert treemap["data"][0]["values"] == [10, 20, 5]
    assert treemap["data"][0]["marker"]["colors"] == [100.0, 20.0, 0.0]


def test_buyer_trend_dates_as_text() -> None:
    trend = pd.DataFrame(
        {"month": pd.date_range("2024-01-01", periods=3, freq="MS"), "buyers": [3, 0, 7]}
    )
    figure = strict(fig.buyer_trend(trend))
    assert figure["data"][0]["x"] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert figure["data"][0]["y"] == [3, 0, 7]


def test_distinguishing_reverses_order_and_colours_by_sign() -> None:
    rows = pd.DataFrame({"feature": ["a", "b"], "index": [250.0, 40.0], "smd": [1.2, -0.8]})
    figure = strict(fig.distinguishing(rows))
    trace = figure["data"][0]
    assert trace["y"] == ["B", "A"]  # the most distinctive on top, names as labels
    assert trace["marker"]["color"] == [fig.PALETTE[3], fig.PALETTE[1]]


def test_mix_keeps_the_ten_largest_shares() -> None:
    rows = pd.DataFrame(
        {"value": [f"v{i}" for i in range(12)], "share": [i / 66 for i in range(12)]}
    )
    trace = strict(fig.mix(rows, "Channels", "Share"))["data"][0]
    assert trace["y"] == [f"v{i}" for i in range(2, 12)]


def test_rfm_heatmap_leaves_empty_cells_empty() -> None:
    grid = pd.DataFrame(
        {
            "r_score": [1, 1, 2],
            "f_score": [1, 2, 2],
            "customers": [5, 3, 9],
            "monetary_mean": [1.0, 2.0, 3.0],
        }
    )
    trace = strict(fig.rfm_heatmap(grid, "customers"))["data"][0]
    assert trace["x"] == ["F1", "F2"] and trace["y"] == ["R1", "R2"]
    assert trace["z"] == [[5.0, 3.0], [None, 9.0]]
    with pytest.raises(KeyError):
        fig.rfm_heatmap(grid, "r_score")


def test_sankey_links_point_at_the_right_nodes() -> None:
    flows = pd.DataFrame(
        {"source": ["A", "A", "B"], "target": ["A", "B", "B"], "customers": [5, 2, 7]}
    )
    data = strict(fig.sankey(flows, "March", "June"))["data"][0]
    labels = data["node"]["label"]
    assert labels == ["A", "B", "A", "B"]  # March's nodes, then June's
    pairs = list(
        zip(data["link"]["source"], data["link"]["target"], data["link"]["value"], strict=True)
    )
    assert pairs == [(0, 2, 5), (0, 3, 2), (1, 3, 7)]
    assert data["node"]["color"][0] == data["node"]["color"][2]  # one colour per segment
    hover = data["link"]["hovertemplate"]
    assert "%{source.label} (March) → %{target.label} (June)" in hover  # dates on hover


def test_sankey_names_nodes_shortly_and_shows_who_entered_or_left_in_grey() -> None:
    names = [f"S{i}" for i in range(12)]
    flows = pd.DataFrame(
        {
            "source": [ENTERED, *names, "S0"],
            "target": ["S0", *names, LEFT],
            "customers": [4, *range(1, 13), 3],
        }
    )
    node = strict(fig.sankey(flows, "March", "June"))["data"][0]["node"]
    labels = node["label"]
    assert not any("March" in n or "June" in n for n in labels)  # short: fits a phone
    colours = dict(zip(labels, node["color"], strict=True))
    assert colours[ENTERED] == colours[LEFT] == fig.OUTSIDE
    # twelve segments, twelve colours, none of them the grey of those outside the base
    segment_colours = {colours[n] for n in names}
    assert len(segment_colours) == 12 and fig.OUTSIDE not in segment_colours


def test_sankey_nodes_read_a_value_tier_s_unscored_customers_for_what_they_are() -> None:
    flows = pd.DataFrame(
        {"source": ["unassigned", "unassigned"], "target": ["top 1%", LEFT], "customers": [5, 2]}
    )
    data = strict(fig.sankey(flows, "March", "June", kind="value"))["data"][0]
    assert data["node"]["label"] == [NO_CLV_SCORE, "top 1%", LEFT]
    assert data["link"]["source"] == [0, 0] and data["link"]["target"] == [1, 2]
    stored = strict(fig.sankey(flows, "March", "June", kind="rfm"))["data"][0]
    assert stored["node"]["label"] == ["unassigned", "top 1%", LEFT]


def test_the_palette_tells_an_rfm_segmentation_s_segments_apart() -> None:
    assert len(set(fig.PALETTE)) == len(fig.PALETTE) >= 12


def test_segment_axes_slant_their_labels_further_when_they_would_overlap() -> None:
    for figure in (fig.segment_shares(SEGMENTS), fig.value_per_member(SEGMENTS)):
        axis = strict(figure)["layout"]["xaxis"]
        assert "tickangle" not in axis  # a fixed angle overlaps long names on a phone
        assert axis["autotickangles"][0] == -30 and -90 in axis["autotickangles"]


def test_the_trend_draws_its_first_and_last_markers_whole() -> None:
    trend = pd.DataFrame(
        {"month": pd.date_range("2024-01-01", periods=3, freq="MS"), "buyers": [3, 0, 7]}
    )
    assert strict(fig.buyer_trend(trend))["data"][0]["cliponaxis"] is False


def test_colour_bars_write_thousands_like_the_cells() -> None:
    grid = pd.DataFrame(
        {"r_score": [1, 2], "f_score": [1, 2], "customers": [1500, 9000], "monetary_mean": [1.0, 2]}
    )
    risk = pd.DataFrame(
        {"tier": ["Top 1%"], "band": ["80-100%"], "customers": [8000], "clv": [9.0]}
    )
    bars = [
        strict(fig.segment_treemap(SEGMENTS))["data"][0]["marker"]["colorbar"],
        strict(fig.rfm_heatmap(grid, "customers"))["data"][0]["colorbar"],
        strict(fig.rfm_heatmap(grid, "monetary_mean"))["data"][0]["colorbar"],
        strict(fig.value_risk_grid(risk, VALUE_TIERS, RISK_LABELS))["data"][0]["colorbar"],
    ]
    for bar in bars:
        assert bar["tickformat"].startswith(",")  # 8,000 as in the cells, not 8000


def test_heatmap_colour_bars_lie_under_the_cells() -> None:
    # beside the cells (plotly.js's default) a bar took a third of a phone's width
    grid = pd.DataFrame(
        {"r_score": [1, 2], "f_score": [1, 2], "customers": [5, 9], "monetary_mean": [1.0, 2]}
    )
    risk = pd.DataFrame({"tier": ["Top 1%"], "band": ["80-100%"], "customers": [4], "clv": [9.0]})
    heatmaps = [
        ("Customers", fig.rfm_heatmap(grid, "customers")),
        ("Mean spend to date", fig.rfm_heatmap(grid, "monetary_mean")),
        ("Customers", fig.value_risk_grid(risk, VALUE_TIERS, RISK_LABELS)),
    ]
    for title, heatmap in heatmaps:
        bar = strict(heatmap)["data"][0]["colorbar"]
        assert bar["title"]["text"] == title
        assert bar["orientation"] == "h"  # lying down, as long as the cells are wide
        assert (bar["x"], bar["xanchor"], bar["len"]) == (0, "left", 1)
        assert bar.get("lenmode", "fraction") == "fraction"
        # at the chart's foot, where plotly.js keeps it clear of the x axis's labels
        assert (bar["y"], bar["yref"], bar["yanchor"]) == (0, "container", "bottom")


def test_clv_histogram_counts_everyone_and_pools_the_top() -> None:
    values = pd.Series([float(v) for v in range(1, 101)] + [10_000.0, math.nan])
    trace = strict(fig.clv_histogram(values, bins=10))["data"][0]
    assert sum(trace["y"]) == 101  # NaN dropped, the outlier pooled in the last bar
    assert max(trace["x"]) < 200
    empty = strict(fig.clv_histogram(pd.Series([], dtype="float64"), bins=5))["data"][0]
    assert sum(empty["y"]) == 0


def test_value_risk_grid_fills_missing_cells_with_zero() -> None:
    grid = pd.DataFrame({"tier": ["Top 1%"], "band": ["80-100%"], "customers": [4], "clv": [9.0]})
    trace = strict(fig.value_risk_grid(grid, VALUE_TIERS, RISK_LABELS))["data"][0]
    assert trace["y"] == list(VALUE_TIERS) and trace["x"] == list(RISK_LABELS)
    assert trace["z"][0] == [0, 0, 0, 0, 4]
    assert sum(map(sum, trace["z"])) == 4


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2) of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_more_is_darker_in_every_colour_scale() -> None:
    grid = pd.DataFrame({"r_score": [1, 2], "f_score": [1, 2], "customers": [5, 9]})
    risk = pd.DataFrame({"tier": ["Top 1%"], "band": ["80-100%"], "customers": [4], "clv": [9.0]})
    scales = [
        strict(fig.segment_treemap(SEGMENTS))["data"][0]["marker"],
        strict(fig.rfm_heatmap(grid.assign(monetary_mean=1.0), "customers"))["data"][0],
        strict(fig.value_risk_grid(risk, VALUE_TIERS, RISK_LABELS))["data"][0],
    ]
    for trace in scales:
        # spelled-out stops, low to high: a named plotly.js scale may run either way
        (low, least), *_, (high, most) = trace["colorscale"]
        assert (low, high) == (0.0, 1.0) and not trace.get("reversescale")
        assert _luminance(most) < _luminance(least) / 3


def test_distinguishing_names_features_by_their_labels() -> None:
    rows = pd.DataFrame(
        {"feature": ["btyd_monetary", "loyalty_tier"], "index": [150.0, 80.0], "smd": [0.5, -0.4]}
    )
    trace = strict(fig.distinguishing(rows))["data"][0]
    assert trace["y"] == ["Loyalty tier", "Average repeat purchase value"]


def test_hover_amounts_name_the_currency_with_its_own_decimals() -> None:
    euros = fig.segment_treemap(SEGMENTS, currency="EUR")["data"][0]["hovertemplate"]
    assert "€%{color:,.2f} revenue per member" in euros
    yen = fig.value_per_member(SEGMENTS, currency="JPY")["data"][0]["hovertemplate"]
    assert "¥%{y:,.0f}" in yen
    dinars = fig.segment_treemap(SEGMENTS, currency="KWD")["data"][0]["hovertemplate"]
    assert "%{color:,.3f} KWD revenue per member" in dinars


def test_value_charts_of_a_few_months_of_orders_say_over_how_many_days() -> None:
    def titles(history_days: int | None) -> list[str]:
        treemap = strict(fig.segment_treemap(SEGMENTS, currency="EUR", history_days=history_days))
        bars = strict(fig.value_per_member(SEGMENTS, currency="EUR", history_days=history_days))
        return [
            treemap["data"][0]["marker"]["colorbar"]["title"]["text"],
            bars["layout"]["title"]["text"],
            bars["layout"]["yaxis"]["title"]["text"],
        ]

    assert titles(None) == [
        "Revenue per member / year (EUR)",
        "Value per member per year",
        "Per member per year (EUR)",
    ]
    assert titles(92) == [
        "Revenue / member over 92 days (EUR)",
        "Value per member over 92 days",
        "Per member over 92 days (EUR)",
    ]
    assert "title" not in fig.TREEMAP_COLORBAR  # one title, the one the chart shows
