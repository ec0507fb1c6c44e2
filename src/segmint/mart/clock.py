"""The current time and day, whatever the machine's own zone.

Bookkeeping times (loads, fits, tokens) are written in UTC. Orders and events are the
shop's clock time, whose zone the mart does not know (:mod:`segmint.mart.file_zones`), so
what is still to come for them is what no clock on Earth has reached yet: later than
:func:`latest_now`, UTC+14's time. The machine's zone plays no part: west of Greenwich its
day would still be yesterday for an order just placed, east of it already tomorrow.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The time now in UTC without a time zone, as the mart stores bookkeeping times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def utc_today() -> dt.date:
    """Today's date in UTC."""
    return dt.datetime.now(dt.UTC).date()


AHEAD_OF_UTC = dt.timedelta(hours=14)
"""How far ahead of UTC a clock on Earth can be (UTC+14, the Line Islands)."""


def latest_now(now: dt.datetime | None = None) -> dt.datetime:
    """The time the clock furthest ahead reads at ``now`` (default: the current time in UTC,
    without a zone): a shop's clock time up to it may be the present somewhere."""
    return (now or utcnow()) + AHEAD_OF_UTC


def latest_today() -> dt.date:
    """The latest date anywhere on Earth now (UTC+14's): a day after it is still to come
    on every shop's clock."""
    return latest_now().date()
