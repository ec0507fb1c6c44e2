"""Use cases of the management sales reports: channel sales and segment sales.

``segmint sales channels|segments``, the Channel sales and Segment sales pages, their API
and the report's sections call these functions; the numbers are computed by
:mod:`segmint.insight.channel_sales` and :mod:`segmint.insight.segment_sales`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from segmint.insight.channel_sales import ChannelSales, channel_sales
from segmint.insight.sales_periods import Membership, Period
from segmint.insight.segment_sales import SegmentSales, segment_sales
from segmint.mart import Mart


@dataclass(frozen=True)
class SalesOptions:
    """The filters of a sales report.

    Attributes:
        start, end: first and last day (defaults: twelve periods up to the last order).
        period: ``"week"`` or ``"month"``.
        segmentation: the segments (required for segment sales; the channels' mix otherwise).
        segments_as_of: the stored date of the segments (``membership="fixed"``).
        membership: ``"fixed"`` (one stored date) or ``"at_purchase"``.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    period: Period = "month"
    segmentation: str | None = None
    segments_as_of: dt.date | None = None
    membership: Membership = "fixed"


def channels(mart: Mart, options: SalesOptions | None = None) -> ChannelSales:
    """Revenue, orders, customers and AOV per channel and period, with the segment mix.

    Raises:
        InputError: a bad period, membership or range.
        MartError: no orders, or the segmentation is not stored.
    """
    o = options or SalesOptions()
    return channel_sales(
        mart, o.start, o.end, o.period, o.segmentation, o.segments_as_of, o.membership
    )


def segments(mart: Mart, segmentation: str, options: SalesOptions | None = None) -> SegmentSales:
    """Revenue and margin per segment and period, share of the portfolio, growth.

    Raises:
        InputError: a bad period, membership or range.
        MartError: no orders, or the segmentation is not stored.
    """
    o = options or SalesOptions()
    return segment_sales(
        mart, segmentation, o.start, o.end, o.period, o.segments_as_of, o.membership
    )
