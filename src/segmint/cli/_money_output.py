"""Printing the money of a profile: one row per segment, the portfolio total, sub-segments.

The same table opens ``segmint profile`` and closes ``segmint demo``; the numbers are
:class:`segmint.insight.SegmentProfile`'s, formatted here only.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.table import Table

from segmint.cli._output import out

if TYPE_CHECKING:
    import pandas as pd

    from segmint.insight import SegmentProfile


def fmt(value: Any, spec: str) -> str:
    """``value`` formatted with ``spec``; a dash when it is missing."""
    number = float(value)
    return "—" if math.isnan(number) else format(number, spec)


def money(value: Any, digits: int = 0) -> str:
    """An amount with thousands separators and ``digits`` decimals; a dash when missing."""
    return fmt(value, f",.{digits}f")


def share(value: Any) -> str:
    """A share as a percentage with one decimal; a dash when missing."""
    return fmt(value, ".1%")


def print_money(result: SegmentProfile) -> None:
    """The money overview of a profile: one row per segment and the portfolio total."""
    totals = result.money
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
            share(row.share_of_base),
            money(row.revenue),
            money(row.gross_margin),
            money(row.profit),
            money(row.revenue_per_member, 2),
            money(row.profit_per_member, 2),
            share(row.revenue_share),
            money(row.average_order_value, 2),
            money(row.frequency, 1),
            money(row.recency_days, 0),
            money(row.step_up_revenue),
            money(row.grow_revenue),
        )
    p = totals.portfolio
    view.add_section()
    view.add_row(
        "[bold]total[/]",
        f"{int(p['members']):,}",
        share(p["share_of_base"]),
        money(p["revenue"]),
        money(p["gross_margin"]),
        money(p["profit"]),
        money(p["revenue_per_member"], 2),
        money(p["profit_per_member"], 2),
        share(p["revenue_share"]),
        money(p["average_order_value"], 2),
        "",
        "",
        "",
        "",
    )
    out.print(view)


def print_sub_segments(subs: pd.DataFrame, by: str) -> None:
    """Money per sub-segment within each segment (``profile --by``)."""
    view = Table("segment", by, title=f"by {by}", title_justify="left")
    for name in ("members", "revenue", "profit", "revenue/member", "rev. share"):
        view.add_column(name, justify="right")
    for row in subs.itertuples():
        view.add_row(
            str(row.segment),
            str(row.sub_segment),
            f"{row.members:,}",
            money(row.revenue),
            money(row.profit),
            money(row.revenue_per_member, 2),
            share(row.revenue_share),
        )
    out.print(view)
