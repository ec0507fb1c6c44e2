"""The current time and day in UTC, the time zone of every timestamp the mart holds.

Orders are stored in UTC and bookkeeping times (loads, fits, tokens) are written in UTC, so
"today" is the UTC day whatever the machine's own zone: west of Greenwich a local day
would still be yesterday for an order just placed, east of it already tomorrow.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The time now in UTC without a time zone, as the mart stores bookkeeping times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def utc_today() -> dt.date:
    """Today's date in UTC."""
    return dt.datetime.now(dt.UTC).date()
