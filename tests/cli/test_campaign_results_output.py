"""The return line of ``segmint campaign results``: the figure the net follows from is shown."""

from __future__ import annotations

from typing import Any

from segmint.cli._campaign_results_output import roi_line


def _roi(basis: str) -> dict[str, Any]:
    return {
        "incremental_revenue": -7371.02,
        "incremental_revenue_ci95": [-43578.91, 28836.86],
        "incremental_margin": 49.23,
        "incremental_margin_ci95": [-12732.5, 12829.1],
        "contact_cost": 193.24,
        "net_return": 49.23 - 193.24 if basis == "margin" else -7371.02 - 193.24,
        "net_return_ci95": [-12925.74, 12635.86],
        "roi": -0.75,
        "roi_ci95": [-66.88, 65.39],
        "basis": basis,
    }


def test_a_return_on_margin_shows_the_incremental_margin_it_is_computed_from() -> None:
    line = roi_line(_roi("margin"))
    assert line.startswith("ROI (margin): incremental revenue -7,371.02 [")
    assert "incremental margin 49.23 [-12,732.50, 12,829.10]" in line
    assert "contact cost 193.24, net -144.01 [-12,925.74, 12,635.86], ROI -0.75" in line


def test_a_return_on_revenue_does_not_name_a_margin() -> None:
    line = roi_line(_roi("revenue"))
    assert "margin" not in line and "net -7,564.26" in line


def test_the_return_line_marks_each_amount_with_the_currency_not_the_ratio() -> None:
    line = roi_line(_roi("margin"), "EUR")
    assert "incremental revenue -€7,371.02 [-€43,578.91, €28,836.86]" in line
    assert "incremental margin €49.23 [-€12,732.50, €12,829.10]" in line
    assert "contact cost €193.24, net -€144.01 [-€12,925.74, €12,635.86]" in line
    assert line.endswith("ROI -0.75 [-66.88, 65.39]")  # a ratio: no currency
    yen = roi_line(_roi("revenue"), "JPY")
    assert "incremental revenue -¥7,371 [-¥43,579, ¥28,837]" in yen
    assert "contact cost 193.240 KWD" in roi_line(_roi("revenue"), "KWD")


def test_an_unknown_interval_of_amounts_is_a_dash() -> None:
    roi = {**_roi("revenue"), "net_return_ci95": None}
    assert "net -€7,564.26 —, ROI" in roi_line(roi, "EUR")
