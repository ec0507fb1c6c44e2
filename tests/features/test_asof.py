"""Parsing the as-of date, its default, and checking a given date against the data."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

from segmint.exceptions import InputError, MartError, SegmintWarning
from segmint.features import default_as_of, parse_as_of
from segmint.features.asof import check_as_of, checked_as_of, parse_query_date, resolve_as_of
from segmint.features.build import build_features
from segmint.mart import Mart


def test_parse_as_of_accepts_dates_datetimes_and_text() -> None:
    day = dt.date(2024, 3, 31)
    assert parse_as_of(day) == day
    assert parse_as_of(dt.datetime(2024, 3, 31, 18, 5)) == day
    assert parse_as_of(" 2024-03-31 ") == day


def test_parse_as_of_rejects_other_text() -> None:
    with pytest.raises(InputError, match=r"YYYY-MM-DD; got '31/03/2024'"):
        parse_as_of("31/03/2024")


def test_the_command_line_message_names_the_flag() -> None:
    with pytest.raises(InputError, match=r"^as_of must be .*Example: --as-of 2024-12-31\.$"):
        parse_as_of("June")


def test_a_request_parameter_is_named_as_the_request_spells_it() -> None:
    with pytest.raises(
        InputError, match=r"^from must be a date .*got '-1'\. Example: from=2024-12-31\.$"
    ):
        parse_query_date("-1", "from")
    assert parse_query_date("2024-03-31", "start") == dt.date(2024, 3, 31)


def test_default_is_the_last_day_with_orders(mart: Mart) -> None:
    assert default_as_of(mart) == dt.date(2024, 5, 1)  # o10, 2024-05-01 10:00
    assert build_features(mart).as_of.execute().iloc[0].date() == dt.date(2024, 5, 1)


def test_default_needs_orders(empty_mart: Mart) -> None:
    with pytest.raises(MartError, match=r"has no orders.*--as-of"):
        default_as_of(empty_mart)


TODAY = dt.date(2026, 12, 5)


def test_a_day_still_to_come_is_refused(mart: Mart) -> None:
    with pytest.raises(
        InputError,
        match=r"^2030-01-01 is in the future \(the latest day anywhere is 2026-12-05\).*year, or "
        "leave as_of out",
    ):
        check_as_of(mart, dt.date(2030, 1, 1), today=TODAY)
    with pytest.raises(InputError, match="in the future"):
        checked_as_of(mart, dt.date.today() + dt.timedelta(days=2))


def test_a_day_before_the_first_order_is_refused(mart: Mart) -> None:
    with pytest.raises(
        InputError,
        match=r"no orders up to 2024-01-04 \(the first order is on 2024-01-05\); pass a later as_of",
    ):
        check_as_of(mart, dt.date(2024, 1, 4), today=TODAY)


def test_a_day_after_the_last_order_is_allowed_with_a_warning(mart: Mart) -> None:
    with pytest.warns(
        SegmintWarning, match=r"as of 2024-06-30, after the last order \(2024-05-01\)"
    ):
        assert check_as_of(mart, dt.date(2024, 6, 30), today=TODAY) == dt.date(2024, 6, 30)


@pytest.mark.parametrize("day", [dt.date(2024, 1, 5), dt.date(2024, 3, 31), dt.date(2024, 5, 1)])
def test_a_day_within_the_orders_passes_silently(mart: Mart, day: dt.date) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", SegmintWarning)
        assert check_as_of(mart, day, today=TODAY) == day


def test_a_given_day_is_checked_where_it_comes_in(mart: Mart) -> None:
    with pytest.raises(InputError, match="no orders up to 2023-12-31"):
        checked_as_of(mart, "2023-12-31")
    assert checked_as_of(mart, None) == dt.date(2024, 5, 1)  # the default is within the data
    # below the use cases a day is taken as given (a stored result's date, a split)
    assert resolve_as_of(mart, "2023-12-31") == dt.date(2023, 12, 31)


def test_a_mart_without_orders_is_not_checked(empty_mart: Mart) -> None:
    assert check_as_of(empty_mart, dt.date(2024, 1, 1), today=TODAY) == dt.date(2024, 1, 1)


@pytest.mark.usefixtures("far_time_zone")
def test_today_is_the_latest_date_on_earth_in_any_time_zone(mart: Mart) -> None:
    """Orders are the shop's clock time: the day it already is at UTC+14 is not refused,
    whatever the machine's zone; the day after it is."""
    latest = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()
    with pytest.raises(InputError, match=f"the latest day anywhere is {latest}"):
        check_as_of(mart, latest + dt.timedelta(days=1))
    with pytest.warns(SegmintWarning, match="after the last order"):
        assert check_as_of(mart, latest) == latest
