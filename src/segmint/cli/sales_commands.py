"""``segmint sales channels|segments``: the management sales reports in the terminal.

Adapters over :mod:`segmint.workflows.sales`, the same numbers as the Channel sales and
Segment sales pages: ``--format json`` prints the report's JSON, ``--format csv`` its
table per period.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, steps, user_errors
from segmint.mart.currency import amount_digits, heading

if TYPE_CHECKING:
    import pandas as pd

    from segmint.workflows.sales import SalesOptions

Opt = typer.Option
sales_app = typer.Typer(help="Channel and segment sales per week or month.", no_args_is_help=True)
StartOpt = Annotated[str | None, Opt("--start", help="First day, YYYY-MM-DD.")]
EndOpt = Annotated[str | None, Opt("--end", help="Last day (default: the last order).")]
PeriodOpt = Annotated[str, Opt("--period", help="week or month.")]
MembershipOpt = Annotated[
    str, Opt("--membership", help="fixed (one stored date) or at_purchase (point in time).")
]


def _options(
    start: str | None, end: str | None, period: str, membership: str, segmentation: str | None
) -> SalesOptions:
    from segmint.features.asof import parse_flag_date
    from segmint.workflows.sales import SalesOptions

    return SalesOptions(
        start=None if start is None else parse_flag_date(start, "--start"),
        end=None if end is None else parse_flag_date(end, "--end"),
        period=period,  # type: ignore[arg-type]  # checked by the report
        segmentation=segmentation,
        membership=membership,  # type: ignore[arg-type]
    )


MONEY_COLUMNS = frozenset({"revenue", "gross_margin", "costed_revenue", "average_order_value"})
"""Columns of the sales reports whose cells are amounts: their headings name the shop's
currency, their cells have its decimals; counts stay plain numbers."""


def _cell(value: object, column: str, digits: int) -> str:
    """One cell for people: shares and coverage in percent, growth in percent with its sign
    (the JSON and CSV keep the fractions), amounts and averages to ``digits`` decimals."""
    if isinstance(value, float) and column.endswith("_growth"):
        return f"{value:+.1%}"
    if isinstance(value, float) and (column.endswith("_share") or column == "margin_coverage"):
        return f"{value:.1%}"
    return f"{value:,.{digits}f}" if isinstance(value, float) else str(value)


def _show(
    frame: pd.DataFrame, title: str, notes: tuple[str, ...], currency: str | None = None
) -> None:
    """``frame`` as a table for people, the amounts' headings naming ``currency``."""
    import pandas as pd

    table = Table(title=title)
    digits = []
    for column in frame.columns:
        money = column in MONEY_COLUMNS
        digits.append(amount_digits(currency) if money else 2)
        table.add_column(
            heading(str(column), currency) if money else str(column),
            justify="left" if frame[column].dtype == object else "right",
        )
    for row in frame.itertuples(index=False):
        table.add_row(
            *(
                "—" if pd.isna(v) else _cell(v, str(c), d)
                for v, c, d in zip(row, frame.columns, digits, strict=True)
            )
        )
    out.print(table)
    for note in notes:
        err.print(Text.assemble(("note:", "yellow"), f" {note}"), highlight=False)


@user_errors
def channels(
    start: StartOpt = None,
    end: EndOpt = None,
    period: PeriodOpt = "month",
    segmentation: Annotated[
        str | None, Opt("--segmentation", help="Show each channel's segment mix.")
    ] = None,
    membership: MembershipOpt = "fixed",
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Revenue, orders, customers and average order value per channel and period."""
    from segmint.mart import connect, csv_safety
    from segmint.mart.shop_settings import shop_currency
    from segmint.workflows import sales

    with connect(mart, read_only=True) as m, steps("sales per channel"):
        report = sales.channels(m, _options(start, end, period, membership, segmentation))
        currency = shop_currency(m)
    if format_ == OutputFormat.json:
        typer.echo(json.dumps({**report.as_dict(), "currency": currency}))
    elif format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(report.periods), nl=False)
    else:
        _show(report.channels, "channels", (), currency)
        if report.mix is not None:
            _show(report.mix, "segment mix of each channel", (), currency)
        _show(report.periods, f"per {report.range.period}", report.notes, currency)


@user_errors
def segments(
    segmentation: Annotated[str, typer.Argument(help="A stored segmentation.")],
    start: StartOpt = None,
    end: EndOpt = None,
    period: PeriodOpt = "month",
    membership: MembershipOpt = "fixed",
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Revenue and margin per segment and period, share of the portfolio, growth."""
    from segmint.mart import connect, csv_safety
    from segmint.mart.shop_settings import shop_currency
    from segmint.workflows import sales

    with connect(mart, read_only=True) as m, steps(f"sales per segment of {segmentation}"):
        report = sales.segments(m, segmentation, _options(start, end, period, membership, None))
        currency = shop_currency(m)
    if format_ == OutputFormat.json:
        typer.echo(json.dumps({**report.as_dict(), "currency": currency}))
    elif format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(report.periods), nl=False)
    else:
        _show(report.totals, f"{segmentation}: totals", (), currency)
        _show(report.periods, f"per {report.range.period}", report.notes, currency)


def register(app: typer.Typer) -> None:
    """Add the ``sales`` command group to ``app``."""
    sales_app.command("channels")(channels)
    sales_app.command("segments")(segments)
    app.add_typer(sales_app, name="sales")
