"""Weeks per month of the year, and customers' calendar spans from their ages."""

from __future__ import annotations

import datetime as dt

import numpy as np

from segmint.models.seasonal_calendar import (
    MONTH_WEIGHTS,
    customer_spans,
    day_number,
    month_of_day,
    weeks_by_month,
)


def test_weeks_by_month_splits_each_span_over_its_months() -> None:
    start = np.array([day_number(dt.date(2024, 1, 30)), day_number(dt.date(2023, 1, 1))])
    end = np.array([day_number(dt.date(2024, 2, 3)), day_number(dt.date(2024, 1, 1))])
    weeks = weeks_by_month(start, end)
    np.testing.assert_allclose(weeks[0, :2] * 7, [2, 2])  # 30, 31 Jan; 1, 2 Feb
    assert weeks[0, 2:].sum() == 0
    np.testing.assert_allclose(weeks[1] * 7, MONTH_WEIGHTS * 365)  # a common year
    np.testing.assert_allclose(weeks.sum(axis=1) * 7, end - start)


def test_month_of_day_and_spans_from_ages() -> None:
    days = np.array([day_number(dt.date(2024, 12, 31)), day_number(dt.date(2025, 1, 1))])
    np.testing.assert_array_equal(month_of_day(days), [11, 0])
    as_of = dt.date(1997, 9, 30)
    start, recency_end, end = customer_spans(np.array([30.43]), np.array([38.86]), as_of)
    # first purchase 1997-01-01: ages (0, T] are the days 1997-01-02 .. 1997-09-30
    assert start[0] == day_number(dt.date(1997, 1, 2))
    assert end[0] == day_number(as_of) + 1
    assert recency_end[0] - start[0] == 213  # 30.43 weeks of days
