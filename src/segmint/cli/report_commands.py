"""``segmint report``: write the self-contained HTML report (overview, segments, campaigns
and sales).

Rendered by :func:`segmint.views.report.write_report`, the function the report service
(``python -m segmint.report``) calls too; the CLI never imports that service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli._options import MartOption
from segmint.cli._output import out, steps, user_errors


@user_errors
def report(
    out_path: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path(
        "report.html"
    ),
    segmentation: Annotated[
        str | None, typer.Option("--segmentation", help="Stored segmentation (default: rfm).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Stored date, YYYY-MM-DD. Default: the latest.")
    ] = None,
    mart: MartOption = None,
) -> None:
    """Write a self-contained HTML report (overview, segments, campaigns, sales) that needs
    no network."""
    from segmint.mart import connect
    from segmint.views.report import report_description, reported_segmentation, write_report
    from segmint.workflows import privacy

    with connect(mart, read_only=True) as m, steps(f"writing {out_path}"):
        written = write_report(m, out_path, segmentation, as_of)
        described = report_description(reported_segmentation(m, segmentation))
    with connect(mart) as m:  # listed for purging by every later erasure
        privacy.register_files(m, [written], "report", described)
    out.print(f"report written to {written} ({written.stat().st_size / 1e6:.1f} MB)")


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
