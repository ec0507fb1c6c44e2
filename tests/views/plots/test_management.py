"""The figures of the management pages: a campaign's lift per segment."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from segmint.views.plots.management import (
    channel_mix,
    lift_intervals,
    lines_by,
    segment_lifts,
    stacked_by,
)


def _row(
    segment: str, lift: float | None, low: float, high: float, significant: bool
) -> dict[str, Any]:
    return {
        "segment": segment,
        "conversion_abs": lift,
        "conversion_low": None if lift is None else low,
        "conversion_high": None if lift is None else high,
        "conversion_q_value": None if lift is None else 0.01,
        "conversion_significant": None if lift is None else significant,
    }


def test_segment_lifts_draws_measured_segments_with_their_intervals() -> None:
    rows = [
        _row("Champions", 0.10, 0.04, 0.20, True),
        _row("Lost", None, 0, 0, False),
        _row("Can't Lose Them", -0.02, -0.10, 0.05, False),
    ]
    figure = segment_lifts(rows, "conversion", "Conversion", "rfm")
    bars = figure["data"][0]
    assert bars["x"] == ["Champions", "Can't Lose Them"]
    assert bars["y"] == [0.10, -0.02]
    assert bars["error_y"]["array"] == pytest.approx([0.10, 0.07])
    assert bars["error_y"]["arrayminus"] == pytest.approx([0.06, 0.08])
    colours = bars["marker"]["color"]
    assert colours[0] != colours[1]
    assert "per rfm segment" in figure["layout"]["title"]["text"]


def test_a_share_s_lift_is_drawn_in_percent_and_money_as_a_number() -> None:
    rows = [_row("Champions", 0.10, 0.04, 0.20, True)]
    share = segment_lifts(rows, "conversion", "Conversion", "rfm")
    assert share["layout"]["yaxis"]["tickformat"] == ".1%"
    assert "%{y:.2%}" in share["data"][0]["hovertemplate"]
    money = [{k.replace("conversion", "revenue_per_member"): v for k, v in r.items()} for r in rows]
    spend = segment_lifts(money, "revenue_per_member", "Revenue per member", "rfm")
    assert "tickformat" not in spend["layout"]["yaxis"]
    assert "%{y:,.4f}" in spend["data"][0]["hovertemplate"]
    forest = lift_intervals([{"campaign_id": "K1", **rows[0]}], "conversion", "Conversion")
    assert forest["layout"]["xaxis"]["tickformat"] == ".1%"
    assert "%{x:.2%}" in forest["data"][0]["hovertemplate"]


def test_the_twelve_segments_of_rfm_get_twelve_colours_in_every_sales_chart() -> None:
    segments = [f"Segment {i}" for i in range(12)]
    periods = pd.to_datetime(["2025-01-01", "2025-02-01"])
    sales = pd.DataFrame(
        [(p, s, 100.0 + i) for p in periods for i, s in enumerate(segments)],
        columns=["period", "segment", "revenue"],
    )
    mix = pd.DataFrame(
        [(c, s, 1 / 12) for c in ("web", "store") for s in segments],
        columns=["channel", "segment", "revenue_share"],
    )
    stacked = stacked_by(sales, "segment", "revenue", "Revenue by segment", "Revenue")
    lines = lines_by(sales, "segment", "revenue", "Revenue", "Revenue")
    bars = [t["marker"]["color"] for t in stacked["data"]]
    mixed = [t["marker"]["color"] for t in channel_mix(mix)["data"]]
    drawn = [t["line"]["color"] for t in lines["data"]]
    for colours in (bars, mixed, drawn):
        assert len(colours) == 12 and len(set(colours)) == 12


def test_money_charts_name_the_currency_and_mark_their_hover() -> None:
    frame = pd.DataFrame(
        {"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "channel": "web", "aov": 12.5}
    )
    bars = stacked_by(
        frame.rename(columns={"aov": "revenue"}), "channel", "revenue", "R", "Revenue", "EUR"
    )
    assert bars["layout"]["yaxis"]["title"]["text"] == "Revenue (EUR)"
    assert "€%{y:,.0f}" in bars["data"][0]["hovertemplate"]
    yen = lines_by(frame, "channel", "aov", "AOV by channel", "AOV", currency="JPY")
    assert yen["layout"]["yaxis"]["tickformat"] == ",.0f"
    assert "¥%{y:,.0f}" in yen["data"][0]["hovertemplate"]
    plain = lines_by(frame, "channel", "aov", "AOV by channel", "AOV")
    assert plain["layout"]["yaxis"]["title"]["text"] == "AOV"
    assert "%{y:,.2f}" in plain["data"][0]["hovertemplate"]
    row = {
        "campaign_id": "spring",
        "revenue_per_member_abs": 1.5,
        "revenue_per_member_low": 0.5,
        "revenue_per_member_high": 2.5,
    }
    lift = lift_intervals([row], "revenue_per_member", "Revenue per member", "SEK")
    assert lift["layout"]["xaxis"]["title"]["text"].endswith("target minus control (SEK)")
    assert "%{x:,.4f} SEK" in lift["data"][0]["hovertemplate"]
