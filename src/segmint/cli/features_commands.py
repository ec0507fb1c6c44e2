"""The ``features`` command: build the customer feature table as of a date and store it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import out, steps, user_errors

if TYPE_CHECKING:
    from segmint.features import StoredFeatures

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Use data up to the end of this day (YYYY-MM-DD). Default: the last day with orders.",
    ),
]


@user_errors
def features(
    as_of: AsOfOption = None,
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Build the customer features as of a date and store them in the mart table `features`."""
    from segmint.mart import connect
    from segmint.workflows import features as features_workflow

    with connect(mart, create=False) as m, steps("features") as step:
        step("building and storing features")
        stored = features_workflow.store(m, as_of)
    _show(stored, format_)


def _show(stored: StoredFeatures, format_: OutputFormat) -> None:
    """Print what was stored: a table for people, one JSON object or CSV row for scripts."""
    summary = {
        "as_of": stored.as_of.isoformat(),
        "rows": stored.rows,
        "columns": len(stored.columns),
    }
    if format_ is OutputFormat.json:
        out.print_json(json.dumps(summary))
    elif format_ is OutputFormat.csv:
        out.print("as_of,rows,columns", highlight=False)
        out.print(f"{summary['as_of']},{summary['rows']},{summary['columns']}", highlight=False)
    else:
        view = Table("as_of", "rows", "columns", title="features stored")
        view.add_row(str(summary["as_of"]), f"{stored.rows:,}", str(len(stored.columns)))
        out.print(view)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(features)
