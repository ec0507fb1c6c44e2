"""Writing figures: one offline HTML page, and images tried twice before an error that says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest

from segmint.exceptions import InputError
from segmint.views.plots import files


def line() -> go.Figure:
    return go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))


def test_the_page_inlines_plotly_once_and_needs_no_network(tmp_path: Path) -> None:
    page = files.write_page([line(), line()], tmp_path / "p.html", "two lines")
    text = page.read_text(encoding="utf-8")
    assert text.count("Plotly.newPlot") == 2
    assert "<title>two lines</title>" in text
    assert "cdn.plot.ly" not in text.split("Plotly.newPlot")[-1]


def test_a_batch_that_fails_once_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[Path]] = []

    def flaky(figures: list[Any], paths: list[Path], **size: int) -> None:
        calls.append(paths)
        if len(calls) == 1:
            raise RuntimeError("kaleido_scopes is not defined")
        for path in paths:
            path.write_text("<svg/>")

    monkeypatch.setattr(files.pio, "write_images", flaky)
    target = tmp_path / "a.svg"
    assert files.write_images({target: line()}, width=10, height=10, instead="skip it") == [target]
    assert len(calls) == 2 and target.read_text() == "<svg/>"


def test_a_batch_that_keeps_failing_names_the_files_and_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(figures: list[Any], paths: list[Path], **size: int) -> None:
        raise RuntimeError("no browser")

    monkeypatch.setattr(files.pio, "write_images", broken)
    with pytest.raises(InputError, match=r"a\.png failed \(RuntimeError: no browser\).*or skip it"):
        files.write_images({tmp_path / "a.png": line()}, width=10, height=10, instead="skip it")


def test_without_kaleido_the_message_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "images_available", lambda: False)
    with pytest.raises(InputError, match="pip install kaleido"):
        files.write_images({tmp_path / "a.png": line()}, width=10, height=10, instead="skip it")
