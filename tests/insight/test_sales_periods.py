"""The calendar of the sales reports: whole periods, the default range, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.exceptions import InputError
from segmint.insight.sales_periods import (
    SalesRange,
    next_period,
    period_start,
    previous_period,
    sales_range,
)
from segmint.mart import Mart


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    wednesday = dt.date(2024, 1, 10)
    assert period_start(wednesday, "week") == dt.date(2024, 1, 8)
    assert period_start(wednesday, "month") == dt.date(2024, 1, 1)
    assert next_period(dt.date(2024, 1, 1), "month") == dt.date(2024, 2, 1)
    assert next_period(dt.date(2024, 12, 1), "month") == dt.date(2025, 1, 1)
    assert previous_period(dt.date(2024, 3, 1), "month") == dt.date(2024, 2, 1)
    assert previous_period(dt.date(2024, 1, 8), "week") == dt.date(2024, 1, 1)


def test_the_range_starts_on_a_period_and_knows_its_last_is_partial(mart: Mart) -> None:
    span = sales_range(mart, dt.date(2024, 1, 10), dt.date(2024, 3, 15), "month")
    assert (span.start, span.end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 15))
    assert span.starts() == [dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    assert not span.last_complete
    assert SalesRange(dt.date(2024, 1, 1), dt.date(2024, 2, 29), "month").last_complete


def test_default_range_is_twelve_periods_to_the_last_order(mart: Mart) -> None:
    span = sales_range(mart, None, None, "month")
    assert span.end == dt.date(2024, 7, 1)  # the latest order in the mart
    assert span.start == dt.date(2023, 8, 1)
    assert len(span.starts()) == 12


def test_bad_input_is_explained(mart: Mart) -> None:
    with pytest.raises(InputError, match="period must be one of week, month; got 'day'"):
        sales_range(mart, None, None, "day")
    with pytest.raises(InputError, match="report dates lie between 1900-01-01 and 2199-12-31"):
        sales_range(mart, dt.date(1, 1, 1), None, "week")
    with pytest.raises(InputError, match="got 9999-12-31"):
        sales_range(mart, None, dt.date(9999, 12, 31), "month")
    with pytest.raises(InputError, match="ends"):
        sales_range(mart, dt.date(2024, 5, 1), dt.date(2024, 4, 1), "month")
