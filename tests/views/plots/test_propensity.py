"""The calibration chart of a churn or intent model: one curve per scorer and the diagonal."""

from __future__ import annotations

from pathlib import Path

from segmint.views.plots.propensity import calibration_figure, write_calibration_chart

VALIDATION = {
    "churn_gbm": {
        "auc": 0.8,
        "brier": 0.12,
        "calibration": [
            {"mean_predicted": 0.1, "observed_rate": 0.12, "n": 40},
            {"mean_predicted": 0.7, "observed_rate": 0.66, "n": 25},
        ],
    },
    "btyd_p_alive": {
        "auc": 0.7,
        "brier": 0.2,
        "calibration": [{"mean_predicted": 0.5, "observed_rate": 0.3, "n": 65}],
    },
}


def test_one_curve_per_scorer_after_the_diagonal() -> None:
    figure = calibration_figure(VALIDATION, "churn in 90 days")
    names = [trace.name for trace in figure.data]
    assert names == [
        "perfect",
        "churn_gbm (AUC 0.800, Brier 0.120)",
        "btyd_p_alive (AUC 0.700, Brier 0.200)",
    ]
    assert list(figure.data[1].x) == [0.1, 0.7] and list(figure.data[1].y) == [0.12, 0.66]
    assert list(figure.data[1].text) == ["40 customers", "25 customers"]


def test_the_chart_is_one_offline_html_file(tmp_path: Path) -> None:
    path = write_calibration_chart(VALIDATION, "churn in 90 days", tmp_path / "c.html")
    html = path.read_text(encoding="utf-8")
    assert "churn in 90 days" in html and "Plotly.newPlot" in html
