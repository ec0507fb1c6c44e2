"""Channel sales: revenue, orders, customers and order value by sales channel over time.

For each week or month of the range (:mod:`segmint.insight.sales_periods`) and each sales
channel (``orders.channel``: web, app, store, phone…, lower-cased), the purchases'
``revenue`` (net line value), ``orders``, distinct ``customers`` and
``average_order_value`` (revenue / orders, the name the profile uses). The totals over the range come with each channel's share of
revenue, and, for a chosen segmentation, the **segment mix** of each channel: its revenue,
orders and customers per segment and the segment's share of the channel's revenue.

The channel is optional in the mart. Orders without one are the channel
:data:`UNKNOWN_CHANNEL`, and the notes say how much revenue that is; when no order in the
range has a channel the report says so instead of inventing a split.

Every number is an aggregate computed in the engine (Ibis); only one row per period and
channel (and per channel and segment) comes back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint.insight.sales_periods import (
    SalesRange,
    SegmentsUsed,
    dated_purchases,
    records,
    sales_range,
    with_segments,
)
from segmint.mart import Mart

UNKNOWN_CHANNEL = "unknown"
"""Channel of orders the mart holds no channel for."""


@dataclass(frozen=True)
class ChannelSales:
    """The channel sales report.

    Attributes:
        range: the days and periods covered.
        periods: one row per period and channel: ``period`` (first day), ``channel``,
            ``revenue``, ``orders``, ``customers``, ``average_order_value``.
        channels: one row per channel over the range, with ``revenue_share``, largest first.
        mix: one row per channel and segment (``revenue``, ``orders``, ``customers``,
            ``revenue_share`` of the channel), when a segmentation was chosen.
        segments: the stored segments the mix used.
        notes: what the data could not tell (missing channels).
    """

    range: SalesRange
    periods: pd.DataFrame
    channels: pd.DataFrame
    mix: pd.DataFrame | None = None
    segments: SegmentsUsed | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def channel_known(self) -> bool:
        """Whether some order of the range has a sales channel (else the split says nothing:
        every order is :data:`UNKNOWN_CHANNEL`)."""
        return bool((self.channels["channel"] != UNKNOWN_CHANNEL).any())

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready mapping (dates as ``YYYY-MM-DD``, NaN as null)."""
        return {
            "range": self.range.as_dict(),
            "periods": records(self.periods),
            "channels": records(self.channels),
            "segments": None if self.segments is None else self.segments.as_dict(),
            "mix": None if self.mix is None else records(self.mix),
            "notes": list(self.notes),
        }


def _sums(table: ir.Table) -> dict[str, ir.Value]:
    return {
        "revenue": table.net.sum(),
        "orders": table.count(),
        "customers": table.customer_id.nunique(),
    }


def _finish(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if "period" in frame:
        frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame = frame.sort_values(keys).reset_index(drop=True)
    frame["revenue"] = frame["revenue"].fillna(0.0).astype(float)
    for column in ("orders", "customers"):
        frame[column] = frame[column].astype("int64")
    frame["average_order_value"] = frame["revenue"] / frame["orders"].replace(0, np.nan)
    return frame


def channel_sales(
    mart: Mart,
    start: dt.date | None = None,
    end: dt.date | None = None,
    period: str = "month",
    segmentation: str | None = None,
    segments_as_of: dt.date | None = None,
    membership: str = "fixed",
) -> ChannelSales:
    """Revenue, orders, customers and AOV per channel and period, and each channel's segment mix.

    Args:
        mart: the open mart.
        start, end: first and last day (``start`` moves back to its period's first day;
            defaults: the last day with an order, and twelve periods back).
        period: ``"week"`` or ``"month"``.
        segmentation: stored segmentation whose mix each channel shows (none: no mix).
        segments_as_of: the stored date of its segments (``membership="fixed"``).
        membership: ``"fixed"`` or ``"at_purchase"`` (see :mod:`.sales_periods`).

    Raises:
        InputError: a bad period, membership or range.
        MartError: no orders, or the segmentation is not stored.
    """
    span = sales_range(mart, start, end, period)
    bought = dated_purchases(mart, span.start, span.end, span.period)
    bought = bought.mutate(channel=bought.channel.fill_null(UNKNOWN_CHANNEL))
    periods = _finish(
        bought.group_by("period", "channel").aggregate(**_sums(bought)).to_pandas(),
        ["period", "channel"],
    )
    channels = _finish(
        bought.group_by("channel").aggregate(**_sums(bought)).to_pandas(), ["channel"]
    )
    total = channels["revenue"].sum()
    channels["revenue_share"] = channels["revenue"] / total if total else np.nan
    channels = channels.sort_values(["revenue", "channel"], ascending=[False, True])
    mix, used = None, None
    if segmentation is not None:
        mix, used = _mix(mart, bought, segmentation, membership, segments_as_of)
    return ChannelSales(
        range=span,
        periods=periods,
        channels=channels.reset_index(drop=True),
        mix=mix,
        segments=used,
        notes=tuple(_notes(channels)),
    )


def _mix(
    mart: Mart,
    bought: ir.Table,
    segmentation: str,
    membership: str,
    as_of: dt.date | None,
) -> tuple[pd.DataFrame, SegmentsUsed]:
    labelled, used = with_segments(mart, bought, segmentation, membership, as_of)
    mix = _finish(
        labelled.group_by("channel", "segment").aggregate(**_sums(labelled)).to_pandas(),
        ["channel", "segment"],
    )
    per_channel = mix.groupby("channel")["revenue"].transform("sum")
    mix["revenue_share"] = mix["revenue"] / per_channel.replace(0.0, np.nan)
    return mix, used


NO_CHANNEL = (
    "The orders in this range carry no sales channel, so sales cannot be split by channel. "
    "The channel comes from a `channel` column in the orders file (orders.csv) or in the "
    "transactions file (one row per order line); a file loaded again does not fill the "
    "orders already in the mart, so load the file with that column into a new mart "
    "(docs/ingest.md, Transactions files)."
)
"""What the report says when no order of its range has a channel, and how to record one."""


def _notes(channels: pd.DataFrame) -> list[str]:
    """What the data could not tell, each a sentence starting with a capital (the pages show
    them as notices, the command line after ``note:``)."""
    if channels.empty:
        return ["No purchases in the range."]
    unknown = channels[channels["channel"] == UNKNOWN_CHANNEL]
    if unknown.empty:
        return []
    if len(channels) == 1:
        return [NO_CHANNEL]
    share = float(unknown["revenue_share"].iloc[0])
    n = int(unknown["orders"].iloc[0])
    orders = f"{n:,} order{'s' if n != 1 else ''} ({share:.1%} of revenue)"
    return [
        f"{orders} {'have' if n != 1 else 'has'} no sales channel: shown as '{UNKNOWN_CHANNEL}'."
    ]
