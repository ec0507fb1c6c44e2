"""The choice-of-k charts: the chosen k marked, the numbers as CSV, the charts as SVG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segmint.views.plots.clusters import CHOSEN, selection_figure, write_selection_plots

TABLE = pd.DataFrame({"k": [3, 4, 5], "inertia": [9.0, 6.0, 5.5], "silhouette": [0.31, 0.42, 0.38]})


def test_the_chosen_k_is_marked() -> None:
    figure = selection_figure(TABLE, "silhouette", 4, "Silhouette")
    trace = figure.data[0]
    assert list(trace.x) == [3, 4, 5] and list(trace.y) == [0.31, 0.42, 0.38]
    colours = list(trace.marker.color)
    assert colours[1] == CHOSEN and colours.count(CHOSEN) == 1
    assert figure.layout.title.text == "Silhouette"


def test_the_csv_and_both_charts_are_written(tmp_path: Path) -> None:
    written = write_selection_plots(TABLE, 4, tmp_path / "plots")
    assert [p.name for p in written] == ["k_selection.csv", "elbow.svg", "silhouette.svg"]
    assert pd.read_csv(written[0]).equals(TABLE)
    assert written[1].read_text().startswith("<svg")
