"""What each segment is worth: revenue, gross margin and profit, in total and per member per year.

**The year.** Money is measured over the year ending at the as-of date: the purchases
(completed or returned orders, see :mod:`segmint.features.orders`) stamped in the 365 days
ending with the end of the as-of day, the same window as the feature ``spend_365d``.
Because the window is one year long, a total over it *is* a yearly figure and a total
divided by the members is the value **per member per year**. Every member of the segment
counts, including those who bought nothing in the year (they pull the average down, as
they should) and those who joined during it.

**The money.** Revenue is the net value of the lines (``quantity * unit_price - discount``;
returns subtract). Gross margin is revenue minus cost over the lines whose unit cost is
known (the line's own, else the product's); lines of unknown cost add revenue but no
margin, and ``margin_coverage`` says which share of revenue had a known cost. Profit is
gross margin minus a *cost to serve* per member per year (default 0): what it costs to keep
a customer (service, marketing, loyalty), charged to every member.

**The rollup.** Customer → segment (→ sub-segment) → portfolio: each level is a sum of the
level below, computed in the engine, so segment totals add up to the portfolio totals.

**The value ladder.** Segments are ordered by value per member (revenue or profit). For
each segment, ``step_up_*`` is what moving 1% of its members one rung up (to the
next-higher segment's value per member) adds per year, and ``grow_*`` what 1% more members
like the current ones add. A top tier of 1,000 members at 500/yr grows by 10 members
(5,000/yr) for a 1% gain; moving 1% of a 100,000-member tier at 200/yr up to 500/yr is
1,000 members × 300 = 300,000/yr. Those two numbers side by side answer where to invest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint.exceptions import SegmintError
from segmint.features.orders import purchase_lines, purchase_orders
from segmint.mart import Mart

YEAR_DAYS = 365
"""Length of the money window, in days ending with the as-of day."""

STEP_SHARE = 0.01
"""Share of a segment's members moved up (or added) in the value-ladder what-ifs."""

ValueMeasure = Literal["revenue", "profit"]

SUMS = ("members", "orders", "revenue", "costed_revenue", "gross_margin", "cost_to_serve", "profit")
"""The additive columns: every level of the rollup is their sum over the level below."""

COST_DEPENDENT = (
    "gross_margin",
    "profit",
    "margin_per_member",
    "profit_per_member",
    "profit_share",
    "step_up_profit",
    "grow_profit",
)
"""The figures that rest on the cost of what was sold: unknown when no cost is known."""


def year_start(as_of: dt.date) -> dt.datetime:
    """The start of the money window: :data:`YEAR_DAYS` days before the end of ``as_of``."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    return end - dt.timedelta(days=YEAR_DAYS)


def year_spend(mart: Mart, as_of: dt.date) -> ir.Table:
    """Per customer and product category: the money of the year's purchase lines.

    Columns: ``customer_id``, ``category`` (null for lines without one), ``revenue``,
    ``costed_revenue`` (revenue of lines with a known cost) and ``cost``. Every column is
    additive, so :func:`customer_value` and the category mix of a profile both sum it
    instead of reading the year's lines twice.
    """
    lines = purchase_lines(mart, as_of, year_start(as_of))
    known = lines.cost.notnull()
    return lines.group_by("customer_id", "category").aggregate(
        revenue=lines.net.sum(),
        costed_revenue=lines.net.sum(where=known),
        cost=lines.cost.sum(where=known),
    )


def customer_value(mart: Mart, as_of: dt.date, spend: ir.Table | None = None) -> ir.Table:
    """Per customer with a purchase in the year ending at ``as_of``: the year's money.

    Columns: ``customer_id``, ``orders``, ``revenue``, ``costed_revenue`` (revenue of lines
    with a known cost), ``gross_margin``. Customers without purchases in the year have no row.
    ``spend`` is :func:`year_spend` of the same date when the caller already has it.
    """
    orders = purchase_orders(mart, as_of, year_start(as_of))
    counts = orders.group_by("customer_id").aggregate(orders=orders.count())
    # money from the year's lines: every sum here is additive over orders and categories,
    # so no per-order step is needed
    spend = year_spend(mart, as_of) if spend is None else spend
    money = spend.group_by("customer_id").aggregate(
        revenue=spend.revenue.sum(),
        costed_revenue=spend.costed_revenue.sum(),
        cost=spend.cost.sum(),
    )
    joined = counts.left_join(money, "customer_id")
    return joined.select(
        "customer_id",
        "orders",
        revenue=joined.revenue.fill_null(0.0),
        costed_revenue=joined.costed_revenue.fill_null(0.0),
        gross_margin=(joined.costed_revenue - joined.cost).fill_null(0.0),
    )


def member_value(members: ir.Table, values: ir.Table, cost_to_serve: float = 0.0) -> ir.Table:
    """``members`` (one row per customer) with their year's money; zeros for non-buyers.

    Adds ``members`` (1 per row, so sums count customers), ``orders``, ``revenue``,
    ``costed_revenue``, ``gross_margin``, ``cost_to_serve`` and ``profit``.
    """
    joined = members.left_join(values, "customer_id")
    keep = list(members.columns)
    margin = joined.gross_margin.fill_null(0.0)
    return joined.select(
        *keep,
        members=ibis.literal(1, "int64"),
        orders=joined.orders.fill_null(0).cast("int64"),
        revenue=joined.revenue.fill_null(0.0),
        costed_revenue=joined.costed_revenue.fill_null(0.0),
        gross_margin=margin,
        cost_to_serve=ibis.literal(float(cost_to_serve), "float64"),
        profit=margin - float(cost_to_serve),
    )


def rollup(valued: ir.Table, keys: list[str]) -> pd.DataFrame:
    """Sum the additive money columns of ``valued`` by ``keys`` (none: the portfolio)."""
    sums = {c: valued[c].sum() for c in SUMS}
    table = valued.group_by(keys).aggregate(**sums) if keys else valued.aggregate(**sums)
    return tidy_rollup(table.to_pandas(), keys)


def tidy_rollup(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The sums of :data:`SUMS` by ``keys``, however computed, as :func:`rollup` gives them:
    sorted by the keys, sums of nothing 0, counts whole numbers."""
    if keys:
        frame = frame.sort_values(keys).reset_index(drop=True)
    for c in SUMS:
        frame[c] = frame[c].fillna(0)
    frame["members"] = frame["members"].astype("int64")
    frame["orders"] = frame["orders"].astype("int64")
    return frame


def summed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """A :func:`rollup` result rolled further up to ``keys`` (none: the portfolio).

    The money columns are additive, so summing a finer rollup gives the coarser one
    without another pass over the members.
    """
    if keys:
        grouped = frame.groupby(keys, as_index=False, sort=True, dropna=False)[list(SUMS)].sum()
    else:
        grouped = frame[list(SUMS)].sum().to_frame().T
    grouped["members"] = grouped["members"].astype("int64")
    grouped["orders"] = grouped["orders"].astype("int64")
    return grouped.reset_index(drop=True)


def per_member(frame: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """Add per-member-per-year values, shares of the portfolio and order value to ``frame``.

    ``totals`` is the portfolio row from :func:`rollup` (no keys).
    """
    result = frame.copy()
    members = result["members"].replace(0, np.nan)
    result["share_of_base"] = result["members"] / _nonzero(totals["members"])
    result["revenue_per_member"] = result["revenue"] / members
    result["margin_per_member"] = result["gross_margin"] / members
    result["profit_per_member"] = result["profit"] / members
    result["revenue_share"] = result["revenue"] / _nonzero(totals["revenue"])
    result["profit_share"] = result["profit"] / _nonzero(totals["profit"])
    result["average_order_value"] = result["revenue"] / result["orders"].replace(0, np.nan)
    result["orders_per_member"] = result["orders"] / members
    result["margin_coverage"] = result["costed_revenue"] / result["revenue"].replace(0.0, np.nan)
    return result


def _nonzero(value: float) -> float:
    """``value`` as a divisor: NaN when it is 0, so shares of nothing are unknown, not infinite."""
    return float(value) if value else float("nan")


def value_ladder(segments: pd.DataFrame, value: ValueMeasure = "revenue") -> pd.DataFrame:
    """Order segments by value per member (highest first) and add the what-ifs per year.

    Args:
        segments: one row per segment with ``members``, ``revenue_per_member`` and
            ``profit_per_member`` (from :func:`per_member`).
        value: the measure that orders the ladder, ``"revenue"`` or ``"profit"``.

    Adds ``value_rank`` (1 = most valuable per member), ``next_segment`` (the rung above),
    ``movers`` (1% of the members), ``step_up_revenue``/``step_up_profit`` (movers × the
    per-member gap to the rung above; NaN for the top rung) and ``grow_revenue``/
    ``grow_profit`` (1% more members at the segment's own value per member).

    Raises:
        SegmintError: ``value`` is not a known measure.
    """
    if value not in ("revenue", "profit"):
        raise SegmintError(f"value must be 'revenue' or 'profit'; got {value!r}")
    ordered = segments.sort_values(
        [f"{value}_per_member", "segment"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)
    ordered["value_rank"] = np.arange(1, len(ordered) + 1)
    ordered["next_segment"] = ordered["segment"].shift(1)
    ordered["movers"] = ordered["members"] * STEP_SHARE
    for measure in ("revenue", "profit"):
        own = ordered[f"{measure}_per_member"]
        above = own.shift(1)
        ordered[f"step_up_{measure}"] = ordered["movers"] * (above - own)
        ordered[f"grow_{measure}"] = ordered["movers"] * own
    return ordered


@dataclass(frozen=True)
class SegmentMoney:
    """The money of a segmentation as of a date.

    Attributes:
        as_of: the last day of the year measured.
        cost_to_serve: the cost per member per year; ``profit`` charges it for the days the
            year's orders cover (a share of it when they start within the year).
        segments: one row per segment, ordered by value per member (see
            :func:`value_ladder`), with totals, per-member values, shares and what-ifs.
        portfolio: the totals over the whole base (the sum of ``segments``).
        sub_segments: one row per (segment, sub-segment) when a second dimension was
            crossed, else ``None``; its rows add up to ``segments``.
        value: the measure that orders the ladder of ``segments`` (``"revenue"`` or
            ``"profit"``): what a reader of the ladder compares segments by.
    """

    as_of: dt.date
    cost_to_serve: float
    segments: pd.DataFrame
    portfolio: pd.Series
    sub_segments: pd.DataFrame | None = None
    value: ValueMeasure = "revenue"

    def portfolio_frame(self) -> pd.DataFrame:
        """:attr:`portfolio` as a one-row frame whose counts (``members``, ``orders``) are
        whole numbers, as in :attr:`segments`: a Series of mixed numbers holds them as
        floats, and an answer would say 3000.0 members."""
        frame = self.portfolio.to_frame().T
        counts = [c for c in ("members", "orders") if c in frame.columns]
        return frame.astype(dict.fromkeys(counts, "int64")).reset_index(drop=True)

    @property
    def costs_known(self) -> bool:
        """Whether the cost of any of the year's revenue is known (or there is no revenue):
        without it the margin and profit are unknown, not zero, and are shown as such."""
        return costs_known(self.portfolio)


def costs_known(portfolio: pd.Series) -> bool:
    """Whether the cost of any of ``portfolio``'s revenue is known (or there is none)."""
    return float(portfolio["costed_revenue"]) != 0.0 or float(portfolio["revenue"]) == 0.0


def unknown_without_costs(frame: pd.DataFrame, known: bool) -> pd.DataFrame:
    """``frame`` as it is published: its :data:`COST_DEPENDENT` columns missing (NaN: null
    in JSON, an empty cell in CSV) when ``known`` is false.

    The rollup keeps zeros so its levels stay additive; an answer for people or programs
    must not, since a margin of 0 reads as "sold at cost" where the truth is "cost
    unknown". ``known`` is :attr:`SegmentMoney.costs_known`; ``margin_coverage`` (0 when
    no revenue had a known cost) stays in the frame as the reason.
    """
    if known:
        return frame
    present = [c for c in COST_DEPENDENT if c in frame.columns]
    return frame.assign(**dict.fromkeys(present, np.nan))


def segment_money(
    valued: ir.Table,
    as_of: dt.date,
    cost_to_serve: float = 0.0,
    value: ValueMeasure = "revenue",
    sub_segment: str | None = None,
) -> SegmentMoney:
    """Roll the per-customer money of :func:`member_value` up to segments and the portfolio.

    Args:
        valued: one row per member with ``segment`` (and ``sub_segment`` when crossed).
        as_of: the as-of date, for the record.
        cost_to_serve: the cost per member per year, for the record (``valued`` holds what
            was charged: the year's, or a share of it when the orders start within the
            year).
        value: the measure ordering the value ladder.
        sub_segment: name of the column crossing the segments, if any.

    Raises:
        SegmintError: ``value`` is ``"profit"`` while no revenue of the year has a known
            cost: profit is then unknown, and a ladder ordered by it (zero margin less the
            cost to serve, the same for everyone) would be revenue's order in disguise or
            no order at all. Refusing says so; ordering by revenue is the caller's choice.
    """
    # one pass over the members at the finest level; the coarser levels are its sums
    finest = ["segment"] if sub_segment is None else ["segment", sub_segment]
    return rolled_money(rollup(valued, finest), as_of, cost_to_serve, value, sub_segment)


def rolled_money(
    detail: pd.DataFrame,
    as_of: dt.date,
    cost_to_serve: float = 0.0,
    value: ValueMeasure = "revenue",
    sub_segment: str | None = None,
) -> SegmentMoney:
    """:func:`segment_money` from its :func:`rollup` by segment (and ``sub_segment``), however
    summed (:mod:`segmint.insight.segment_sums` sums several segmentations at once).

    Raises:
        SegmintError: as :func:`segment_money`.
    """
    by_segment = detail if sub_segment is None else summed(detail, ["segment"])
    portfolio_frame = summed(detail, [])
    portfolio = portfolio_frame.iloc[0]
    if value == "profit" and not costs_known(portfolio):
        raise SegmintError(
            f"the value ladder cannot be ordered by profit: no revenue of the year to {as_of} "
            "has a known cost, so profit is unknown. Load `unit_cost` on products or `cost` "
            "on order lines (see docs/profiles.md#money), or order by revenue "
            "(`--value revenue`)."
        )
    segments = value_ladder(per_member(by_segment, portfolio), value)
    subs = None if sub_segment is None else per_member(detail, portfolio)
    totals = per_member(portfolio_frame, portfolio).iloc[0]
    return SegmentMoney(as_of, float(cost_to_serve), segments, totals, subs, value)
