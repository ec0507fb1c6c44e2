"""The diagnostic plots of ``clv fit``: PNG files when they can be rendered, by default."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pytest

from segmint.cli._clv_plots import write_plots
from segmint.cli._output import err
from segmint.exceptions import InputError
from segmint.views.plots import files

FIGURES = {"clv_tracking": go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))}


@pytest.fixture
def no_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine where PNG files cannot be rendered."""
    monkeypatch.setattr(files, "images_available", lambda: False)


@pytest.mark.usefixtures("no_renderer")
def test_by_default_a_machine_without_a_renderer_gets_the_page_and_a_note(tmp_path: Path) -> None:
    with err.capture() as captured:
        written = write_plots(FIGURES, tmp_path, None)
    assert written == [tmp_path / "clv_diagnostics.html"] and written[0].stat().st_size > 0
    assert "no PNG files" in captured.get() and "kaleido" in captured.get()


@pytest.mark.usefixtures("no_renderer")
def test_png_asked_for_is_an_error_when_it_cannot_be_rendered(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="kaleido"):
        write_plots(FIGURES, tmp_path, True)


@pytest.mark.usefixtures("no_renderer")
def test_no_png_writes_the_page_alone_without_a_note(tmp_path: Path) -> None:
    with err.capture() as captured:
        assert write_plots(FIGURES, tmp_path, False) == [tmp_path / "clv_diagnostics.html"]
    assert captured.get() == ""
