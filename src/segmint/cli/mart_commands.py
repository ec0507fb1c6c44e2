"""Commands that create and fill the mart: init, ingest, load, quarantine."""

from __future__ import annotations

import typer
from rich.table import Table

from segmint.cli._options import MartOption
from segmint.cli._output import out, user_errors
from segmint.mart import TABLES, connect


@user_errors
def init(mart: MartOption = None) -> None:
    """Create the mart file and every table in it (safe to run again)."""
    with connect(mart) as m:
        out.print(f"mart {m.path}: {len(TABLES)} tables ready")


@user_errors
def tables(mart: MartOption = None) -> None:
    """List the mart's tables with their row counts."""
    with connect(mart, create=False) as m:
        view = Table("table", "rows", title=f"mart {m.path}")
        for name in TABLES:
            view.add_row(name, f"{m.count(name):,}")
        out.print(view)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(init)
    app.command()(tables)
