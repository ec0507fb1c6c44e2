"""Writing figures to files: one self-contained HTML page, and images through ``kaleido``.

The HTML page inlines plotly.js once, so it opens without a network. Images (PNG, SVG) are
rendered by ``kaleido``, which drives an installed Chromium; on a busy machine its page
sometimes is not ready when the first figure arrives (a ``kaleido_scopes is not defined``
error), so a failed batch is tried once more before the error is reported.
"""

from __future__ import annotations

import html
import importlib.util
from collections.abc import Iterable
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from segmint.exceptions import InputError

ATTEMPTS = 2
"""Times a batch of images is tried before the error is reported."""


def images_available() -> bool:
    """True when plotly can write PNG and SVG files (the ``kaleido`` package is installed)."""
    return importlib.util.find_spec("kaleido") is not None


def write_page(figures: Iterable[go.Figure], path: Path, title: str) -> Path:
    """Write ``figures`` one after the other to an HTML page that needs no network."""
    parts = [  # plotly.js inlined once, with the first figure: the page works offline
        figure.to_html(full_html=False, include_plotlyjs=(i == 0))
        for i, figure in enumerate(figures)
    ]
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "</head><body>" + "\n".join(parts) + "</body></html>",
        encoding="utf-8",
    )
    return path


def write_images(
    figures: dict[Path, go.Figure], *, width: int, height: int, instead: str
) -> list[Path]:
    """Write each figure to its path (the format from the suffix: ``.png``, ``.svg``).

    Args:
        figures: path → figure.
        width, height: image size in pixels.
        instead: what the user can do without images, for the error message.

    Raises:
        InputError: ``kaleido`` is not installed, or it could not render (no browser).
    """
    if not images_available():
        raise InputError(
            f"writing images needs the kaleido package: `pip install kaleido`; {instead}"
        )
    paths = list(figures)
    for attempt in range(ATTEMPTS):
        try:
            pio.write_images(list(figures.values()), paths, width=width, height=height)
            missing = [str(p) for p in paths if not p.exists()]
            if missing:  # a busy browser can return without writing: try again
                raise OSError(f"not written: {', '.join(missing)}")
            return paths
        except Exception as exc:  # kaleido reports a missing or slow browser in several ways
            if attempt + 1 < ATTEMPTS:
                continue
            raise InputError(
                f"writing {', '.join(str(p) for p in paths)} failed ({type(exc).__name__}: "
                f"{exc}); image export drives a Chromium or Chrome browser: install one (e.g. "
                f"`apt-get install chromium`), or {instead}"
            ) from None
    return paths
