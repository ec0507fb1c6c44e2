"""Calendar arithmetic of the seasonal purchase rate: weeks spent in each month of the year.

A seasonal index with one multiplier per calendar month makes the integrated purchase
intensity over any span of days a weighted sum of the weeks that span spends in each month
of the year. These helpers turn (start, end) day spans into those twelve weeks, so the
seasonal models in :mod:`segmint.models.seasonal` only take dot products.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from segmint.models._validation import FloatArray

MONTHS = 12
DAYS_PER_WEEK = 7.0
MONTH_WEIGHTS: FloatArray = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) / 365.0
"""Share of a (non-leap) year in each month: the multipliers average 1 with these weights."""

Days = NDArray[np.int64]
"""Whole days since 1970-01-01."""


def day_number(day: dt.date) -> int:
    """``day`` as whole days since 1970-01-01."""
    return int(np.datetime64(day, "D").astype(np.int64))


def month_of_day(days: Days) -> NDArray[np.int64]:
    """Month of the year (0 = January) of each day number."""
    calendar = days.astype("datetime64[D]")
    return np.asarray(calendar.astype("datetime64[M]").astype(np.int64) % MONTHS)


def weeks_by_month(start: Days, end: Days) -> FloatArray:
    """Weeks each span [start, end) of days spends in each month of the year: shape (n, 12).

    Built from one cumulative count of days per month over the days the spans cover, so the
    cost is one pass over those days plus two gathers per span.
    """
    start = np.asarray(start, dtype=np.int64).reshape(-1)
    end = np.maximum(np.asarray(end, dtype=np.int64).reshape(-1), start)
    if start.size == 0:
        return np.zeros((0, MONTHS))
    first, last = int(start.min()), int(end.max())
    months = month_of_day(np.arange(first, max(last, first + 1), dtype=np.int64))
    one_hot = np.zeros((months.size + 1, MONTHS))
    one_hot[np.arange(1, months.size + 1), months] = 1.0
    cumulative = np.cumsum(one_hot, axis=0)
    return (cumulative[end - first] - cumulative[start - first]) / DAYS_PER_WEEK


def customer_spans(recency: FloatArray, T: FloatArray, as_of: dt.date) -> tuple[Days, Days, Days]:
    """Half-open day spans [start, end) of each customer's (0, t_x] and (0, T] in calendar days.

    A repeat purchase on day first + k happened at age k, in the age interval (k-1, k], so
    the ages (0, T] are the days first + 1 .. as_of: ``start`` is the day after the first
    purchase, the recency span ends after the last purchase day and the age span after
    ``as_of``. Ages measured in weeks of whole days (as
    :func:`segmint.features.btyd.btyd_summary` gives them) map back to their days exactly.
    """
    end = day_number(as_of) + 1
    start = end - np.rint(np.asarray(T) * DAYS_PER_WEEK).astype(np.int64)
    recency_end = start + np.rint(np.asarray(recency) * DAYS_PER_WEEK).astype(np.int64)
    return start, recency_end, np.full(start.size, end, dtype=np.int64)
