"""The CLV diagnostic figures drawn from the CDNOW numbers, and the files written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from segmint.exceptions import InputError
from segmint.features.btyd_split import CalibrationHoldout
from segmint.insight.clv_diagnostics import diagnose, p_alive_grid
from segmint.scoring.clv_fit import ClvFit, fit_clv
from segmint.views.plots.clv import (
    HTML_NAME,
    diagnostic_figures,
    p_alive_figure,
    png_available,
    write_diagnostics,
)


@pytest.fixture(scope="module")
def fit(cdnow_split: CalibrationHoldout) -> ClvFit:
    return fit_clv(cdnow_split.frame, "bgnbd")


def test_the_p_alive_heatmap_shows_the_grid(fit: ClvFit) -> None:
    grid = p_alive_grid(fit, 10, 38.86)
    figure = p_alive_figure(grid)
    z = np.asarray(figure.data[0].z)
    assert z.shape == (11, 40)
    np.testing.assert_array_equal(z, grid.alive)
    assert "aged 39 weeks" in figure.layout.title.text
    assert "largest group" not in figure.layout.title.text
    bar = figure.data[0].colorbar  # under the grid, as wide as it: see test_figures
    assert (bar.orientation, bar.yref, bar.y, bar.len) == ("h", "container", 0, 1)
    assert bar.title.text == "P(alive)"


def test_with_a_covariate_the_p_alive_heatmap_says_whose_it_is(
    cdnow_split: CalibrationHoldout,
) -> None:
    frame = cdnow_split.frame
    halves = np.where(np.arange(len(frame)) % 3 == 0, "store", "web")
    fit = fit_clv(frame.assign(covariate=halves), "bgnbd", covariate="channel")
    title = p_alive_figure(p_alive_grid(fit, 10, 38.86)).layout.title.text
    assert "(channel web, the largest group)" in title


def test_the_tracking_figure_marks_the_calibration_end(
    cdnow_split: CalibrationHoldout, fit: ClvFit
) -> None:
    figures = diagnostic_figures(diagnose(cdnow_split, fit))
    tracking = figures["clv_tracking"]
    actual, model = tracking.data
    assert (actual.name, model.name) == ("actual", "bgnbd")
    np.testing.assert_array_equal(actual.y, cdnow_split.weekly_repeat.cumsum())
    assert tracking.layout.shapes[0].x0 == pytest.approx(cdnow_split.calibration_weeks)


def test_diagnostics_are_written(
    cdnow_split: CalibrationHoldout, fit: ClvFit, tmp_path: Path
) -> None:
    figures = diagnostic_figures(diagnose(cdnow_split, fit))
    assert set(figures) == {
        "clv_tracking",
        "clv_repeat_histogram",
        "clv_conditional_expectations",
        "clv_p_alive",
    }
    written = write_diagnostics(figures, tmp_path / "plots")
    assert written == [tmp_path / "plots" / HTML_NAME]
    page = written[0].read_text(encoding="utf-8")
    assert page.count("Plotly.newPlot") == 4
    assert "cdn.plot.ly" not in page.split("Plotly.newPlot")[-1]
    for title in ("Tracking cumulative repeat transactions", "P(alive) of a customer aged 39"):
        assert title in page
    if png_available():
        pngs = write_diagnostics(figures, tmp_path / "png", png=True)[1:]
        assert len(pngs) == 4 and all(p.stat().st_size > 0 for p in pngs)
    else:
        with pytest.raises(InputError, match="pip install kaleido"):
            write_diagnostics(figures, tmp_path / "png", png=True)
