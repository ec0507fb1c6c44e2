"""The calendar of the sales reports: whole weeks or months, and who was in which segment.

The channel and segment sales reports count purchases (see :mod:`segmint.features.orders`:
completed or returned orders, valued at their lines' net) per **period**: ISO weeks
(Monday to Sunday) or calendar months. A range always starts on the first day of a
period, so every period but the last is whole; the last one is marked incomplete when the
range ends before the period does (a month to date), so nobody compares half a month with
a whole one without being told.

**Segment membership.** A purchase belongs to the segment its customer was in:

- ``"fixed"`` (default): the segments stored as of one date (the latest on or before the
  range's end, or the date asked for), for every purchase in the range. This is "how did
  today's segments buy over time".
- ``"at_purchase"``: the segments stored latest on or before the day before each purchase
  (a segment stored as of day ``D`` holds from ``D + 1``), the point-in-time view of
  "what did the segment of that time buy". Purchases before the first stored date take
  the first stored segments, and the report says how many did.

Each stored date is read in the version every reader of segments reads it in: the one
stored most recently among the versions with results that day
(:mod:`segmint.mart.segment_versions`), and the latest date is that of any version.
Customers a segmentation does not cover are in the segment :data:`NOT_SEGMENTED`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint.exceptions import InputError
from segmint.features.asof import default_as_of, end_of
from segmint.features.orders import order_values
from segmint.mart import Mart, segment_versions
from segmint.mart.fetch import rows
from segmint.segmentation import store

Period = Literal["week", "month"]
Membership = Literal["fixed", "at_purchase"]
PERIODS: tuple[Period, ...] = ("week", "month")
MEMBERSHIPS: tuple[Membership, ...] = ("fixed", "at_purchase")
NOT_SEGMENTED = "(not segmented)"
"""Segment of customers the segmentation does not cover (new since it was stored)."""
DEFAULT_PERIODS = 12
"""Periods shown when no start date is given."""
_UNIT = {"week": "W", "month": "M"}
_FAR_FUTURE = dt.datetime(9999, 12, 31)
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
"""The days a report may cover: anything else is a typo, not a history."""
_FAR_PAST = dt.datetime(1900, 1, 1)


def period_start(day: dt.date, period: Period) -> dt.date:
    """The first day of the week (Monday) or month holding ``day``."""
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(first: dt.date, period: Period) -> dt.date:
    """The first day of the period after the one starting on ``first``."""
    if period == "week":
        return first + dt.timedelta(days=7)
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_period(first: dt.date, period: Period) -> dt.date:
    """The first day of the period before the one starting on ``first``."""
    return period_start(first - dt.timedelta(days=1), period)


@dataclass(frozen=True)
class SalesRange:
    """The days a report covers: ``start`` (a period's first day) to ``end`` (inclusive)."""

    start: dt.date
    end: dt.date
    period: Period

    @property
    def last_complete(self) -> bool:
        """Whether the last period ends on ``end`` (is whole)."""
        return next_period(period_start(self.end, self.period), self.period) == (
            self.end + dt.timedelta(days=1)
        )

    def starts(self) -> list[dt.date]:
        """First day of every period in the range, oldest first."""
        days, day = [], self.start
        while day <= self.end:
            days.append(day)
            day = next_period(day, self.period)
        return days

    def as_dict(self) -> dict[str, object]:
        """The range as a JSON-ready mapping."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "period": self.period,
            "last_period_complete": self.last_complete,
        }


def sales_range(mart: Mart, start: dt.date | None, end: dt.date | None, period: str) -> SalesRange:
    """The report's range: ``start`` moved back to its period's first day; ``end`` by
    default the last day with an order; ``start`` by default :data:`DEFAULT_PERIODS`
    periods back.

    Raises:
        InputError: an unknown period, or ``end`` before ``start``.
        MartError: no orders and no ``end``.
    """
    if period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}; got {period!r}.")
    unit: Period = "week" if period == "week" else "month"
    for day in (start, end):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InputError(f"report dates lie between {EARLIEST} and {LATEST}; got {day}.")
    last = end if end is not None else default_as_of(mart)
    if start is None:
        first = period_start(last, unit)
        for _ in range(DEFAULT_PERIODS - 1):
            first = previous_period(first, unit)
    else:
        first = period_start(start, unit)
    if last < first:
        raise InputError(f"the range ends ({last}) before it starts ({start or first}).")
    return SalesRange(first, last, unit)


def dated_purchases(mart: Mart, since: dt.date, last: dt.date, period: Period) -> ir.Table:
    """Purchases from ``since`` to the end of ``last`` with their money and ``period``.

    Columns of :func:`segmint.features.orders.order_values` plus ``period`` (the first day
    of the order's week or month, a date) and ``channel`` normalised (lower case, trimmed;
    null when missing).
    """
    values = order_values(mart, last, dt.datetime.combine(since, dt.time()))
    values = values.filter(values.order_ts < end_of(last))
    channel = values.channel.lower().strip()
    return values.mutate(
        period=values.order_ts.truncate(_UNIT[period]).date(),
        channel=ibis.ifelse(channel == "", ibis.null("string"), channel),
    )


@dataclass(frozen=True)
class SegmentsUsed:
    """Which stored segments a report used: the segmentation, the date(s) and the version
    read as of each (``versions``, one per date of ``as_of``; ``version`` is the last
    date's)."""

    segmentation: str
    version: int
    membership: Membership
    as_of: tuple[dt.date, ...]
    versions: tuple[int, ...]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {
            "segmentation": self.segmentation,
            "version": self.version,
            "membership": self.membership,
            "as_of": [d.isoformat() for d in self.as_of],
            "versions": list(self.versions),
        }


def with_segments(
    mart: Mart,
    purchases: ir.Table,
    segmentation: str,
    membership: str = "fixed",
    as_of: dt.date | None = None,
) -> tuple[ir.Table, SegmentsUsed]:
    """``purchases`` with each one's ``segment`` (see the module docstring).

    Each stored date is read in the version :func:`segmint.segmentation.store.assignments`
    reads it in: the one stored most recently among those with results that day; without
    ``as_of`` the latest date is that of any version.

    Args:
        mart: the open mart.
        purchases: rows with ``customer_id`` and ``order_ts``.
        segmentation: the stored segmentation.
        membership: ``"fixed"`` or ``"at_purchase"``.
        as_of: for ``"fixed"``, the stored date to use (the latest by default).

    Raises:
        InputError: an unknown membership.
        MartError: the segmentation (or its date) is not stored.
    """
    if membership not in MEMBERSHIPS:
        raise InputError(f"membership must be one of {', '.join(MEMBERSHIPS)}; got {membership!r}.")
    dates = store.as_of_dates(mart, segmentation)
    if membership == "fixed" or not dates:
        labels = store.assignments(mart, segmentation, as_of)
        day = as_of if as_of is not None else dates[-1]
        version = store.version_as_of(mart, segmentation, day)
        joined = purchases.left_join(labels, "customer_id")
        used = SegmentsUsed(segmentation, version, "fixed", (day,), (version,))
        return _labelled(joined, purchases), used
    chosen = segment_versions.chosen_versions(mart, segmentation)
    labels = _validity(mart, segmentation, chosen)
    joined = purchases.left_join(
        labels,
        [
            purchases.customer_id == labels.customer_id,
            purchases.order_ts >= labels.valid_from,
            purchases.order_ts < labels.valid_to,
        ],
    )
    versions = _versions(chosen, dates)
    return _labelled(joined, purchases), SegmentsUsed(
        segmentation, versions[-1], "at_purchase", tuple(dates), versions
    )


def _labelled(joined: ir.Table, purchases: ir.Table) -> ir.Table:
    return joined.select(*purchases.columns, segment=joined.segment.fill_null(NOT_SEGMENTED))


def _validity(mart: Mart, segmentation: str, chosen: ir.Table) -> ir.Table:
    """Stored assignments, each date's in its ``chosen`` version, with the times they hold:
    from the day after their date to the day after the next stored date (the first from
    the far past, the last to the far future).

    The spans are window expressions over ``chosen`` (one row per stored date), not a
    table of Python values: a long-running server computes this per report, and a table
    registered on the connection would stay there until the process exits.
    """
    by_date = ibis.window(order_by=chosen.as_of)
    day = ibis.interval(days=1)
    earlier = chosen.as_of.lag().over(by_date)
    later = chosen.as_of.lead().over(by_date)
    spans = chosen.mutate(
        valid_from=ibis.ifelse(
            earlier.isnull(),
            ibis.literal(_FAR_PAST, "timestamp"),
            chosen.as_of.cast("timestamp") + day,
        ),
        valid_to=(later.cast("timestamp") + day).fill_null(ibis.literal(_FAR_FUTURE, "timestamp")),
    )
    a = mart.table("assignments")
    mine = a.filter(a.segmentation == segmentation)
    joined = mine.join(spans, ["as_of", "version"])
    return joined.select("customer_id", "segment", "valid_from", "valid_to")


def _versions(chosen: ir.Table, dates: list[dt.date]) -> tuple[int, ...]:
    """The version ``chosen`` reads as of each of ``dates``, in their order."""
    found = {store.pd_date(r["as_of"]): int(r["version"]) for r in rows(chosen)}
    return tuple(found[d] for d in dates)


def before_first(used: SegmentsUsed) -> dt.datetime | None:
    """The start of the first day a stored segment holds, for ``"at_purchase"``; else None."""
    if used.membership != "at_purchase":
        return None
    return dt.datetime.combine(used.as_of[0] + dt.timedelta(days=1), dt.time())


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-ready dicts: dates as ISO text, NaN as None, numpy as Python."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | pd.Timestamp):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    return value
