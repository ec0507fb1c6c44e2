"""The diagnostic plots of ``segmint clv fit``: written after the fit is stored.

:func:`write_fit_plots` draws them, writes them and lists them for erasures. The HTML page
needs nothing; PNG files need a Chromium for ``kaleido`` to render them. By
default they are written when they can be, so a machine without a browser gets the page and
a note rather than an error after the fit was stored; ``--png`` makes them required and
``--no-png`` leaves them out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from segmint.cli._output import err
from segmint.exceptions import InputError
from segmint.views.plots.clv import diagnostic_figures, write_diagnostics

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from segmint.workflows.clv import ClvFitRun


def write_fit_plots(
    run: ClvFitRun, folder: Path, png: bool | None, mart: Path | None
) -> list[Path]:
    """Draw the diagnostics of the fit ``run``, write them (:func:`write_plots`) and register
    the files in ``mart``: drawn from every customer's history, they are listed by erasures."""
    from segmint.mart import connect
    from segmint.workflows import privacy

    written = write_plots(diagnostic_figures(run.diagnostics), folder, png)
    with connect(mart) as m:
        privacy.register_files(m, written, "plot", f"CLV diagnostics of run {run.run_id}")
    return written


def write_plots(figures: dict[str, go.Figure], folder: Path, png: bool | None) -> list[Path]:
    """Write the HTML page of ``figures`` to ``folder``, and their PNG files when ``png`` is
    True (an error when they cannot be rendered) or None (a note instead of the error)."""
    try:
        return write_diagnostics(figures, folder, png=png is not False)
    except InputError as exc:
        if png:
            raise
        err.print(
            Text.assemble(
                ("note:", "yellow"), f" no PNG files ({exc}); the HTML page has every plot."
            )
        )
        return write_diagnostics(figures, folder, png=False)
