"""Refusing a page's date that has nothing stored, listing the dates that have.

Pages read stored results (segment assignments, features, scores) as of a date. A date
with nothing stored is answered with a 404 naming the latest stored dates and, where one
command stores that day, the command, instead of computing or caching anything for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from segmint.exceptions import MartError

SHOWN = 10
"""How many of the latest stored dates the refusal lists."""


def stored_day(day: dt.date, dates: Sequence[dt.date], missing: str, advice: str = "") -> dt.date:
    """``day`` when it is one of ``dates``.

    Raises:
        MartError: it is not: "``missing`` as of DAY; stored dates: …", then ``advice``.
    """
    if day in dates:
        return day
    shown = ", ".join(d.isoformat() for d in dates[-SHOWN:]) or "none"
    message = f"{missing} as of {day.isoformat()}; stored dates: {shown}"
    raise MartError(f"{message}. {advice}" if advice else message)
