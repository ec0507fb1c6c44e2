"""The overview page: KPIs as of a date, segment sizes and money shares, and the buyer trend.

Money comes from :func:`segmint.insight.profile` (the year ending at the date, the same
numbers as ``segmint profile``); *active* customers are those with an order in that year
(feature ``orders_365d > 0``); the trend counts customers with a purchase in each of the
last 24 months; the average CLV comes from stored scores when there are any.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import pandas as pd

from segmint.features.orders import purchase_orders
from segmint.insight import SegmentProfile
from segmint.insight.members import features_as_of
from segmint.mart import Mart
from segmint.views import scores

TREND_MONTHS = 24
SEGMENT_COLUMNS = [
    "segment",
    "members",
    "share_of_base",
    "revenue",
    "revenue_share",
    "profit",
    "profit_share",
    "revenue_per_member",
    "too_small",
]


@dataclass(frozen=True)
class Overview:
    """The numbers of the overview page.

    Attributes:
        segmentation: the segmentation whose segments are shown; as_of: the date.
        customers: customers in the base; active: those with an order in the year.
        revenue, gross_margin, profit: the year's money over the base; the margin and
            profit are None when no cost of what was sold is known (unknown, not 0), and
            then the segments' ``profit`` is NaN too.
        average_clv: mean predicted CLV, or None when no CLV scores are stored.
        segments: one row per segment (``SEGMENT_COLUMNS``), most valuable per member first.
        trend: ``month`` (first day) and ``buyers`` for the last ``TREND_MONTHS`` months.
        messages: what is not computed yet, with the command to compute it.
        history_days: the days of orders the year holds when they start within it, else
            None (:attr:`segmint.insight.profile.SegmentProfile.history_days`): what the
            segments' revenue per member is over.
    """

    segmentation: str
    as_of: dt.date
    customers: int
    active: int
    revenue: float
    gross_margin: float | None
    profit: float | None
    average_clv: float | None
    segments: pd.DataFrame
    trend: pd.DataFrame
    messages: list[str]
    history_days: int | None


@dataclass(frozen=True)
class BaseFigures:
    """What the overview shows of the whole base as of a date, whichever segmentation it
    shows (so the dashboard computes it once per date).

    Attributes:
        active: customers with an order in the year; average_clv: mean predicted CLV, or
            None when no CLV scores are stored; trend: :func:`buyer_trend`; messages: what
            is not computed yet.
    """

    active: int
    average_clv: float | None
    trend: pd.DataFrame
    messages: list[str]


def base_figures(mart: Mart, day: dt.date) -> BaseFigures:
    """The :class:`BaseFigures` as of ``day``."""
    features = features_as_of(mart, day)
    active = int(features.filter(features.orders_365d > 0).count().execute())
    clv = scores.score(mart, scores.CLV, day)
    average = None
    if clv is not None:
        mean = clv.value.mean().execute()
        average = None if pd.isna(mean) else float(mean)
    messages = [] if clv is not None else [scores.NO_CLV]
    return BaseFigures(active, average, buyer_trend(mart, day), messages)


def overview(mart: Mart, result: SegmentProfile, base: BaseFigures | None = None) -> Overview:
    """The overview as of ``result.as_of``, from a stored segmentation's profile and the
    base's figures of that date (computed here when not given)."""
    day = result.as_of
    base = base_figures(mart, day) if base is None else base
    portfolio = result.money.portfolio
    known = result.money.costs_known
    segments = result.overview[SEGMENT_COLUMNS].reset_index(drop=True)
    if not known:
        segments["profit"] = float("nan")
    return Overview(
        segmentation=result.segmentation,
        as_of=day,
        customers=int(portfolio["members"]),
        active=base.active,
        revenue=float(portfolio["revenue"]),
        gross_margin=float(portfolio["gross_margin"]) if known else None,
        profit=float(portfolio["profit"]) if known else None,
        average_clv=base.average_clv,
        segments=segments,
        trend=base.trend,
        messages=list(base.messages),
        history_days=result.history_days,
    )


def buyer_trend(mart: Mart, day: dt.date, months: int = TREND_MONTHS) -> pd.DataFrame:
    """Customers with at least one purchase in each calendar month, up to ``day``'s month.

    The months start at the month of the first purchase when that is later than ``months``
    months back: before it there was no data, not a month without buyers (a year of history
    drew a year of zeros before it). With no purchase by ``day`` every month is 0.
    """
    orders = purchase_orders(mart, day)
    first = (pd.Timestamp(day).to_period("M") - (months - 1)).to_timestamp().to_pydatetime()
    recent = orders.filter(orders.order_ts >= ibis.timestamp(first))
    month = recent.order_ts.truncate("M").name("month")
    counts = (
        recent.group_by(month)
        .aggregate(buyers=recent.customer_id.nunique())
        .order_by("month")
        .execute()
    )
    counts["month"] = pd.to_datetime(counts["month"])
    every = pd.date_range(first, periods=months, freq="MS")
    # a first month with buyers later than the window's: the data may start there (only
    # then is the history before the window looked at, so a long history costs nothing)
    earlier = orders.filter(orders.order_ts < ibis.timestamp(first))
    if len(counts) and counts.month.iloc[0] > every[0] and not int(earlier.count().execute()):
        every = every[every >= counts.month.iloc[0]]
    full = pd.DataFrame({"month": every}).merge(counts, on="month", how="left")
    full["buyers"] = full["buyers"].fillna(0).astype("int64")
    return full
