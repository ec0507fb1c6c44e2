"""Commands that explain stored segmentations: profile (money, features, statistics) and migration.

Both read stored assignments only; they never recompute a segmentation. Tables for people
go to stdout with Rich, warnings to stderr; ``--format json`` prints one JSON document and
``--format csv`` one table (see docs/profiles.md).
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, steps, user_errors
from segmint.insight import Migration, SegmentProfile, migration, profile
from segmint.insight.money import ValueMeasure
from segmint.mart import connect, csv_safety

SegmentationArgument = Annotated[
    str, typer.Argument(help="Name of a stored segmentation (see `segmint segmentations`).")
]


class Measure(StrEnum):
    """What orders the value ladder: revenue or profit per member per year."""

    revenue = "revenue"
    profit = "profit"


TOP_STATISTICS = 15
"""Rows of the statistics table shown to people (strongest effects first)."""


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
    measure: ValueMeasure = "profit" if value == Measure.profit else "revenue"
    with connect(mart, read_only=True) as m, steps(f"profiling {segmentation}"):
        result = profile(
            m,
            segmentation,
            as_of,
            by,
            cost_to_serve=cost_to_serve,
            value=measure,
            min_share=min_share,
            min_members=min_members,
        )
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(profile_document(result)))
    elif format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(_profile_csv(result)), nl=False)
    else:
        _print_profile(result)


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
    with connect(mart, read_only=True) as m:
        result = migration(m, segmentation, from_date, to_date)
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(migration_document(result, top)))
    elif format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(result.flows), nl=False)
    else:
        _print_migration(result, top)


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """``frame`` as JSON-ready records (missing values as null), or None."""
    if frame is None:
        return None
    parsed: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return parsed


def profile_document(result: SegmentProfile) -> dict[str, Any]:
    """The whole profile as one JSON-ready document."""
    portfolio = records(result.money.portfolio.to_frame().T)
    return {
        "segmentation": result.segmentation,
        "as_of": result.as_of.isoformat(),
        "by": result.by,
        "cost_to_serve": result.money.cost_to_serve,
        "n_base": result.n_base,
        "n_tested": result.n_tested,
        "sampled": result.sampled,
        "segments": records(result.overview),
        "portfolio": portfolio[0] if portfolio else None,
        "sub_segments": records(result.money.sub_segments),
        "distinguishing": records(result.distinguishing),
        "features": records(result.features),
        "mix": records(result.mix),
        "statistics": records(result.statistics),
        "small": records(result.small),
    }


def migration_document(result: Migration, top: int = 5) -> dict[str, Any]:
    """The migration as one JSON-ready document (matrix as nested objects from → to)."""

    def nested(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
        return {
            str(row): {str(c): _number(frame.loc[row, c]) for c in frame.columns}
            for row in frame.index
        }

    return {
        "segmentation": result.segmentation,
        "from_date": result.from_date.isoformat(),
        "to_date": result.to_date.isoformat(),
        "entered": result.entered,
        "left": result.left,
        "counts": nested(result.counts),
        "row_shares": nested(result.row_shares),
        "revenue": nested(result.revenue),
        "flows": records(result.flows),
        "top_flows": result.top_flows(top),
    }


def _number(value: Any) -> float | int | None:
    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() else number


def _profile_csv(result: SegmentProfile) -> pd.DataFrame:
    """The money table with a totals row, or the sub-segment table when crossed."""
    if result.money.sub_segments is not None:
        return result.money.sub_segments
    total = result.money.portfolio.to_frame().T.assign(segment="(total)")
    return pd.concat([result.overview, total], ignore_index=True)


def _fmt(value: Any, spec: str) -> str:
    """``value`` formatted with ``spec``; a dash when it is missing."""
    number = float(value)
    return "—" if math.isnan(number) else format(number, spec)


def _money(value: Any, digits: int = 0) -> str:
    return _fmt(value, f",.{digits}f")


def _share(value: Any) -> str:
    return _fmt(value, ".1%")


def _print_profile(result: SegmentProfile) -> None:
    print_money(result)
    if result.money.sub_segments is not None:
        _print_sub_segments(result.money.sub_segments, str(result.by))
    _print_distinguishing(result)
    _print_statistics(result)
    for row in result.small.itertuples():
        err.print(f"[yellow]warning:[/] segment {row.segment} is too small to act on: {row.reason}")


def print_money(result: SegmentProfile) -> None:
    """The money overview of a profile: one row per segment and the portfolio total."""
    money = result.money
    title = (
        f"{result.segmentation} as of {result.as_of.isoformat()}: {result.n_base:,} customers; "
        "money over the 365 days to that date"
    )
    view = Table(title=title, title_justify="left")
    for name in ("segment", "members", "share", "revenue", "margin", "profit", "revenue/member"):
        view.add_column(name, justify="left" if name == "segment" else "right")
    for name in ("profit/member", "rev. share", "AOV", "freq.", "recency", "1% step up", "grow 1%"):
        view.add_column(name, justify="right")
    for row in result.overview.itertuples():
        view.add_row(
            str(row.segment) + (" [yellow](small)[/]" if row.too_small else ""),
            f"{row.members:,}",
            _share(row.share_of_base),
            _money(row.revenue),
            _money(row.gross_margin),
            _money(row.profit),
            _money(row.revenue_per_member, 2),
            _money(row.profit_per_member, 2),
            _share(row.revenue_share),
            _money(row.average_order_value, 2),
            _money(row.frequency, 1),
            _money(row.recency_days, 0),
            _money(row.step_up_revenue),
            _money(row.grow_revenue),
        )
    p = money.portfolio
    view.add_section()
    view.add_row(
        "[bold]total[/]",
        f"{int(p['members']):,}",
        _share(p["share_of_base"]),
        _money(p["revenue"]),
        _money(p["gross_margin"]),
        _money(p["profit"]),
        _money(p["revenue_per_member"], 2),
        _money(p["profit_per_member"], 2),
        _share(p["revenue_share"]),
        _money(p["average_order_value"], 2),
        "",
        "",
        "",
        "",
    )
    out.print(view)


def _print_sub_segments(subs: pd.DataFrame, by: str) -> None:
    view = Table("segment", by, title=f"by {by}", title_justify="left")
    for name in ("members", "revenue", "profit", "revenue/member", "rev. share"):
        view.add_column(name, justify="right")
    for row in subs.itertuples():
        view.add_row(
            str(row.segment),
            str(row.sub_segment),
            f"{row.members:,}",
            _money(row.revenue),
            _money(row.profit),
            _money(row.revenue_per_member, 2),
            _share(row.revenue_share),
        )
    out.print(view)


def _print_distinguishing(result: SegmentProfile) -> None:
    view = Table("segment", "feature", title="what sets each segment apart (index: base = 100)")
    view.title_justify = "left"
    for name in ("mean", "base mean", "index", "std. diff."):
        view.add_column(name, justify="right")
    for row in result.distinguishing.itertuples():
        view.add_row(
            str(row.segment),
            str(row.feature),
            _money(row.mean, 2),
            _money(row.base_mean, 2),
            _money(row.index),
            _fmt(row.smd, "+.2f"),
        )
    out.print(view)


def _print_statistics(result: SegmentProfile) -> None:
    stats = result.statistics.sort_values("effect_size", ascending=False).head(TOP_STATISTICS)
    tested = (
        f"a seeded sample of {result.n_tested:,} of {result.n_base:,}"
        if result.sampled
        else f"all {result.n_base:,}"
    )
    view = Table("feature", "test", title_justify="left")
    view.title = f"do segments differ? tests on {tested} customers (strongest {len(stats)})"
    for name in ("statistic", "p (BH)", "effect", "significant"):
        view.add_column(name, justify="right")
    for row in stats.itertuples():
        test = "Kruskal-Wallis ε²" if row.kind == "numeric" else "chi-square V"
        view.add_row(
            str(row.feature),
            test,
            _money(row.statistic, 1),
            _fmt(row.p_adjusted, ".2g"),
            _fmt(row.effect_size, ".2f"),
            "yes" if row.significant else "no",
        )
    out.print(view)


def _print_migration(result: Migration, top: int) -> None:
    counts, shares = result.counts, result.row_shares
    title = f"{result.segmentation}: {result.from_date} → {result.to_date} (customers, row %)"
    view = Table(title=title)
    view.title_justify = "left"
    view.add_column("from \\ to")
    for column in counts.columns:
        view.add_column(str(column), justify="right")
    view.add_column("total", justify="right")
    for row in counts.index:
        cells = [
            f"{int(counts.loc[row, c]):,} {_fmt(shares.loc[row, c], '.0%')}" for c in counts.columns
        ]
        view.add_row(str(row), *cells, f"{int(counts.loc[row].sum()):,}")
    view.add_section()
    view.add_row("total", *(f"{int(counts[c].sum()):,}" for c in counts.columns), "")
    out.print(view)
    out.print(f"{result.entered:,} entered the base, {result.left:,} left it.")
    for sentence in result.top_flows(top):
        out.print(f"• {sentence}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("profile")(profile_command)
    app.command("migration")(migration_command)
