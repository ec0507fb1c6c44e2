"""Segment sales: revenue and margin per segment per week or month, share and growth.

For each period of the range (:mod:`segmint.insight.sales_periods`) and each segment of a
stored segmentation:

- ``revenue`` (net line value of the purchases), ``orders``, distinct ``customers``;
- ``gross_margin``: revenue minus cost over the lines whose unit cost is known (the line's
  own, else the product's, as in :mod:`segmint.insight.money`, which gives it the same
  name), with ``margin_coverage``, the share of revenue whose cost is known. Without any
  cost in the mart (``costs_known`` false), margin is unknown (null) and the notes say so:
  it is never guessed;
- ``revenue_share`` and ``margin_share``: the segment's part of the portfolio (all
  segments) in that period;
- ``revenue_growth`` and ``margin_growth``: change against the segment's previous period
  (the period before the range's first one is read for it); null when the previous
  period had nothing.

Totals over the range per segment come with their share of the portfolio. Aggregates
are computed in the engine; one row per period and segment comes back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint.insight.sales_periods import (
    Period,
    SalesRange,
    SegmentsUsed,
    before_first,
    dated_purchases,
    previous_period,
    records,
    sales_range,
    with_segments,
)
from segmint.mart import Mart

FULL_COVERAGE = 0.99
"""Below this share of revenue with a known cost, the notes warn that margin is partial."""

MEASURES = (("revenue", "revenue"), ("gross_margin", "margin"))
"""Each measure with a share and growth, and the prefix of those (``margin_share``,
``margin_growth``, as ``margin_per_member`` and ``margin_coverage`` in the profile)."""


@dataclass(frozen=True)
class SegmentSales:
    """The segment sales report.

    Attributes:
        range: the days and periods covered.
        segments: the stored segments used.
        periods: one row per period and segment (see the module docstring).
        totals: one row per segment over the range, largest revenue first.
        costs_known: some purchase line in the range has a known cost.
        notes: what the data could not tell.
    """

    range: SalesRange
    segments: SegmentsUsed
    periods: pd.DataFrame
    totals: pd.DataFrame
    costs_known: bool
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready mapping."""
        return {
            "range": self.range.as_dict(),
            "segments": self.segments.as_dict(),
            "costs_known": self.costs_known,
            "periods": records(self.periods),
            "totals": records(self.totals),
            "notes": list(self.notes),
        }


def _sums(table: ir.Table) -> dict[str, ir.Value]:
    return {
        "revenue": table.net.sum(),
        "gross_margin": table.margin.sum(),
        "costed_revenue": table.costed_net.sum(),
        "orders": table.count(),
        "customers": table.customer_id.nunique(),
    }


def _money(frame: pd.DataFrame, keys: list[str], costs_known: bool) -> pd.DataFrame:
    frame = frame.sort_values(keys).reset_index(drop=True)
    for column in ("revenue", "gross_margin", "costed_revenue"):
        frame[column] = frame[column].astype(float).fillna(0.0)
    for column in ("orders", "customers"):
        frame[column] = frame[column].astype("int64")
    frame["margin_coverage"] = frame["costed_revenue"] / frame["revenue"].replace(0.0, np.nan)
    if not costs_known:
        frame["gross_margin"] = np.nan
        frame["margin_coverage"] = np.nan
    return frame


def segment_sales(
    mart: Mart,
    segmentation: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    period: str = "month",
    segments_as_of: dt.date | None = None,
    membership: str = "fixed",
) -> SegmentSales:
    """Revenue and margin of each segment of ``segmentation`` per period, with share and growth.

    Args:
        mart: the open mart.
        segmentation: the stored segmentation.
        start, end: first and last day (see :func:`.sales_periods.sales_range`).
        period: ``"week"`` or ``"month"``.
        segments_as_of: the stored date of the segments for ``membership="fixed"``.
        membership: ``"fixed"`` or ``"at_purchase"``.

    Raises:
        InputError: a bad period, membership or range.
        MartError: no orders, or the segmentation is not stored.
    """
    span = sales_range(mart, start, end, period)
    earlier = previous_period(span.start, span.period)
    bought = dated_purchases(mart, earlier, span.end, span.period)
    labelled, used = with_segments(mart, bought, segmentation, membership, segments_as_of)
    grouped = labelled.group_by("period", "segment").aggregate(**_sums(labelled)).to_pandas()
    costed = float(grouped["costed_revenue"].fillna(0.0).sum()) if len(grouped) else 0.0
    periods = _with_growth(_money(grouped, ["period", "segment"], costed != 0.0), span.period)
    periods = periods[pd.to_datetime(periods["period"]).dt.date >= span.start]
    inside = labelled.filter(labelled.period >= span.start)
    totals = _money(
        inside.group_by("segment").aggregate(**_sums(inside)).to_pandas(),
        ["segment"],
        costed != 0.0,
    )
    totals = _shares(totals, []).sort_values(["revenue", "segment"], ascending=[False, True])
    notes = _notes(totals, costed != 0.0) + _early(inside, used)
    return SegmentSales(
        range=span,
        segments=used,
        periods=periods.reset_index(drop=True),
        totals=totals.reset_index(drop=True),
        costs_known=costed != 0.0,
        notes=tuple(notes),
    )


def _shares(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    for measure, name in MEASURES:
        whole = frame.groupby(keys)[measure].transform("sum") if keys else frame[measure].sum()
        if isinstance(whole, pd.Series):
            whole = whole.replace(0.0, np.nan)
        elif not whole:
            whole = np.nan
        frame[f"{name}_share"] = frame[measure] / whole
    return frame


def _with_growth(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Shares of each period's portfolio, and growth against the segment's previous period.

    A segment with no purchases in a period has no row, so its next period has no growth
    (nothing to grow from): the previous row counts only when it is the previous period.
    """
    frame = _shares(frame, ["period"])
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame = frame.sort_values(["segment", "period"]).reset_index(drop=True)
    previous = frame.groupby("segment")[["period", "revenue", "gross_margin"]].shift(1)
    expected = frame["period"].map(lambda day: previous_period(day, period))
    adjacent = previous["period"].eq(expected)
    for measure, name in MEASURES:
        before = previous[measure].where(adjacent).replace(0.0, np.nan)
        frame[f"{name}_growth"] = frame[measure] / before - 1.0
    return frame.sort_values(["period", "segment"]).reset_index(drop=True)


def _notes(totals: pd.DataFrame, costs_known: bool) -> list[str]:
    if totals.empty:
        return ["No purchases in the range."]
    if not costs_known:
        return [
            "No unit costs for the purchases in the range (order_lines.unit_cost or "
            "products.unit_cost): margin is unknown, not zero."
        ]
    revenue = float(totals["revenue"].sum())
    coverage = float(totals["costed_revenue"].sum()) / revenue if revenue else 1.0
    if coverage < FULL_COVERAGE:
        return [f"Margin covers the {coverage:.0%} of revenue whose unit cost is known."]
    return []


def _early(inside: ir.Table, used: SegmentsUsed) -> list[str]:
    first = before_first(used)
    if first is None:
        return []
    n = int(inside.filter(inside.order_ts < first).count().execute())
    if not n:
        return []
    return [
        f"{n:,} purchases precede the first stored segments ({used.as_of[0]}); they are "
        "counted in the segments of that first date."
    ]
