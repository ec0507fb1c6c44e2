"""Printing the money of a profile: one row per segment, the portfolio total, sub-segments.

The same table opens ``segmint profile`` and closes ``segmint demo``; the numbers are
:class:`segmint.insight.SegmentProfile`'s, formatted here only. With the shop's currency
(``segmint currency``) the money columns' headings name it: "revenue (EUR)".
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from segmint.cli._output import out
from segmint.mart.currency import amount_digits, heading

if TYPE_CHECKING:
    import pandas as pd

    from segmint.insight import SegmentProfile
    from segmint.insight.money import SegmentMoney


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


MONEY_COLUMNS = frozenset(
    {"revenue", "margin", "profit", "revenue/member", "profit/member", "AOV", "1% step up"}
    | {"grow 1%"}
)
"""Headings of the money table whose cells are amounts (named with the currency)."""


def print_money(result: SegmentProfile, currency: str | None = None) -> None:
    """The money overview of a profile: one row per segment and the portfolio total; the
    amounts' headings name ``currency`` when the shop has one.

    Margin and profit need the cost of what was sold: when no line's unit cost is known
    they are shown as a dash, not as 0, and a note says so; when some are, the note says
    which share of revenue the margin covers.
    """
    totals = result.money
    p = totals.portfolio
    costed = totals.costs_known
    cents = amount_digits(currency)  # 0 for JPY, 3 for KWD
    title = (
        f"{result.segmentation} as of {result.as_of.isoformat()}: {result.n_base:,} customers; "
        f"money over the 365 days to that date{_partial_year(result)}"
        + (f", in {currency}" if currency else "")
    )
    view = Table(
        title=title, title_justify="left", caption=_cost_note(totals), caption_justify="left"
    )
    for name in ("segment", "members", "share", "revenue", "margin", "profit", "revenue/member"):
        view.add_column(_heading(name, currency), justify="left" if name == "segment" else "right")
    for name in ("profit/member", "rev. share", "AOV", "freq.", "recency", "1% step up", "grow 1%"):
        view.add_column(_heading(name, currency), justify="right")
    for row in result.overview.itertuples():
        view.add_row(
            Text.assemble(str(row.segment), (" (small)", "yellow") if row.too_small else ""),
            f"{row.members:,}",
            share(row.share_of_base),
            money(row.revenue),
            _costed(money(row.gross_margin), costed),
            _costed(money(row.profit), costed),
            money(row.revenue_per_member, cents),
            _costed(money(row.profit_per_member, cents), costed),
            share(row.revenue_share),
            money(row.average_order_value, cents),
            money(row.frequency, 1),
            money(row.recency_days, 0),
            money(row.step_up_revenue),
            money(row.grow_revenue),
        )
    view.add_section()
    view.add_row(
        Text("total", style="bold"),
        f"{int(p['members']):,}",
        share(p["share_of_base"]),
        money(p["revenue"]),
        _costed(money(p["gross_margin"]), costed),
        _costed(money(p["profit"]), costed),
        money(p["revenue_per_member"], cents),
        _costed(money(p["profit_per_member"], cents), costed),
        share(p["revenue_share"]),
        money(p["average_order_value"], cents),
        "",
        "",
        "",
        "",
    )
    out.print(view)


def _partial_year(result: SegmentProfile) -> str:
    """What of the year the orders cover, when they start within it (else nothing): its
    totals and values per year are then over fewer days, not a year's."""
    days = result.history_days
    if days is None:
        return ""
    start = result.history_start
    return (
        f" (the orders start on {start}: only {days} days, so values per year are per {days} days)"
    )


def _heading(name: str, currency: str | None) -> str:
    """The heading of column ``name``: an amount's names ``currency``."""
    return heading(name, currency) if name in MONEY_COLUMNS else name


def _costed(text: str, costed: bool) -> str:
    """A margin or profit as printed: a dash when no cost is known."""
    return text if costed else "—"


def _cost_note(totals: SegmentMoney) -> str | None:
    """What the margin and profit rest on, when not on the cost of every line."""
    coverage = float(totals.portfolio["margin_coverage"])
    if not totals.costs_known:
        return (
            "margin and profit: no unit cost is known (give products a unit_cost, or order "
            "lines a cost, and load them)"
        )
    if math.isnan(coverage) or coverage >= 0.9995:
        return None
    return f"margin and profit cover the {coverage:.1%} of revenue whose unit cost is known"


def print_sub_segments(subs: pd.DataFrame, by: str, currency: str | None = None) -> None:
    """Money per sub-segment within each segment (``profile --by``)."""
    view = Table("segment", by, title=f"by {by}", title_justify="left")
    for name in ("members", "revenue", "profit", "revenue/member", "rev. share"):
        view.add_column(_heading(name, currency), justify="right")
    for row in subs.itertuples():
        view.add_row(
            str(row.segment),
            str(row.sub_segment),
            f"{row.members:,}",
            money(row.revenue),
            money(row.profit),
            money(row.revenue_per_member, amount_digits(currency)),
            share(row.revenue_share),
        )
    out.print(view)
