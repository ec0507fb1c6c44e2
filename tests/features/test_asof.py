"""Parsing the as-of date and its default."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.exceptions import InputError, MartError
from segmint.features import default_as_of, parse_as_of
from segmint.features.asof import parse_query_date
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
