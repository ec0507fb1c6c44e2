"""The figures of the management pages: a campaign's lift per segment."""

from __future__ import annotations

from typing import Any

import pytest

from segmint.views.plots.management import segment_lifts


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
