"""Commands that explain stored segmentations: profile (money, features, statistics) and migration.

Both read stored assignments only (:mod:`segmint.workflows.profile`); they never recompute a
segmentation. Tables for people go to stdout with Rich, warnings to stderr; ``--format
json`` prints one JSON document and ``--format csv`` one table (see docs/profiles.md).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import steps, user_errors

if TYPE_CHECKING:
    from segmint.insight.money import ValueMeasure

SegmentationArgument = Annotated[
    str, typer.Argument(help="Name of a stored segmentation (see `segmint segmentations`).")
]


class Measure(StrEnum):
    """What orders the value ladder: revenue or profit per member per year."""

    revenue = "revenue"
    profit = "profit"


@user_errors
def profile_command(
    segmentation: SegmentationArgument,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date of stored results, YYYY-MM-DD. Default: the latest."),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Cross with a feature column (e.g. region) or a segmentation."),
    ] = None,
    min_share: Annotated[
        float, typer.Option("--min-share", help="Flag segments with a smaller share of the base.")
    ] = 0.01,
    min_members: Annotated[
        int, typer.Option("--min-members", help="Flag segments with fewer members.")
    ] = 30,
    cost_to_serve: Annotated[
        float,
        typer.Option("--cost-to-serve", help="Cost per member per year, subtracted for profit."),
    ] = 0.0,
    value: Annotated[
        Measure, typer.Option("--value", help="What orders the value ladder.")
    ] = Measure.revenue,
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Profile a stored segmentation: money, behaviour, features, statistics, small segments."""
    from segmint.cli._profile_output import print_profile, profile_csv, profile_document
    from segmint.mart import connect, csv_safety
    from segmint.mart.shop_settings import shop_currency
    from segmint.workflows.profile import ProfileOptions, profile

    measure: ValueMeasure = "profit" if value == Measure.profit else "revenue"
    with connect(mart, read_only=True) as m, steps(f"profiling {segmentation}"):
        options = ProfileOptions(by, cost_to_serve, measure, min_share, min_members)
        result = profile(m, segmentation, as_of, options)
        currency = shop_currency(m)
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(profile_document(result, currency)))
    elif format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(profile_csv(result)), nl=False)
    else:
        print_profile(result, currency)


@user_errors
def migration_command(
    segmentation: SegmentationArgument,
    from_date: Annotated[
        str, typer.Option("--from", help="Earlier date of stored results, YYYY-MM-DD.")
    ],
    to_date: Annotated[str, typer.Option("--to", help="Later date of stored results, YYYY-MM-DD.")],
    top: Annotated[int, typer.Option("--top", help="Number of largest moves to describe.")] = 5,
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Show how customers moved between segments from one stored date to another."""
    from segmint.cli._migration_output import migration_document, print_migration
    from segmint.features.asof import parse_flag_date
    from segmint.insight.migration import check_order
    from segmint.mart import connect, csv_safety
    from segmint.segmentation.store import definition
    from segmint.workflows.profile import migration

    start, end = parse_flag_date(from_date, "--from"), parse_flag_date(to_date, "--to")
    check_order(start, end, ("--from", "--to"))
    with connect(mart, read_only=True) as m, steps(f"migration of {segmentation}"):
        result = migration(m, segmentation, start, end)
        kind = definition(m, segmentation).kind
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(migration_document(result, top)))
    elif format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(result.flows), nl=False)
    else:
        print_migration(result, top, kind)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("profile")(profile_command)
    app.command("migration")(migration_command)
