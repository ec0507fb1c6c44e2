"""Parsing staged text into mart types: what is accepted, and NULL (never a guess) otherwise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segmint
from segmint.mart import Mart
from segmint.mart.parsing import parse


@pytest.fixture(scope="module")
def mart() -> Iterator[Mart]:
    """One in-memory engine for the module: parsing writes nothing."""
    with segmint.connect(":memory:", create=False) as engine:
        yield engine


def _parse(
    mart: Mart,
    values: Sequence[Any],
    target: str,
    formats: tuple[str, ...] = (),
    *,
    decimal_comma: bool = False,
) -> list[Any]:
    table = ibis.memtable({"v": list(values)})
    parsed = parse(table.v, target, formats, decimal_comma=decimal_comma)
    frame = mart.con.execute(table.select(out=parsed))
    values = [None if v is None or v != v else v for v in frame.out.tolist()]
    if target == "date":
        return [v.date() if isinstance(v, dt.datetime) else v for v in values]
    return values


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12", 12.0),
        (" 7.25 ", 7.25),
        ("-3", -3.0),
        ("$1,234.50", 1234.5),
        ("€ 12", 12.0),
        ("£0.99", 0.99),
        ("1 000 000", 1_000_000.0),
        ("(12.00)", -12.0),
        ("($1,000)", -1000.0),
        ("USD 5", 5.0),
        ("5 EUR", 5.0),
        ("1e3", 1000.0),
        ("abc", None),
        ("1.2.3", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_numbers_with_currency_thousands_and_parentheses(
    mart: Mart, text: str | None, number: float | None
) -> None:
    assert _parse(mart, [text], "float64") == [number]


@pytest.mark.parametrize(
    ("text", "point", "comma"),
    [
        ("10,50", None, 10.5),
        ("1.234,56", None, 1234.56),
        ("3,99", None, 3.99),
        ("€ 1.234,56", None, 1234.56),
        ("(1.234,56)", None, -1234.56),
        ("1 000,50", None, 1000.5),
        ("1\u00a0234,5", None, 1234.5),
        ("0,5", None, 0.5),
        ("1.234.567", None, 1_234_567.0),
        ("1,234.56", 1234.56, None),
        ("1,234,567", 1_234_567.0, None),
        ("10.5", 10.5, None),
        ("1,234", 1234.0, 1.234),
        ("1.234", 1.234, 1234.0),
        ("12", 12.0, 12.0),
        ("12,34.5", None, None),
        ("1,2,3", None, None),
    ],
)
def test_each_decimal_separator_reads_only_its_own_form(
    mart: Mart, text: str, point: float | None, comma: float | None
) -> None:
    assert _parse(mart, [text], "float64") == [pytest.approx(point) if point else None]
    assert _parse(mart, [text], "float64", decimal_comma=True) == [
        pytest.approx(comma) if comma else None
    ]


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_a_value_with_cents_is_read_exactly_in_its_form_and_never_in_the_other(
    mart: Mart, cents: int
) -> None:
    value = cents / 100
    with_point = f"{value:,.2f}"  # 1,234,567.89: thousands commas, a decimal point
    with_comma = with_point.translate(str.maketrans(",.", ".,"))  # 1.234.567,89
    assert _parse(mart, [with_point, with_comma], "float64") == [pytest.approx(value), None]
    assert _parse(mart, [with_point, with_comma], "float64", decimal_comma=True) == [
        None,
        pytest.approx(value),
    ]


def test_whole_numbers_reject_fractions(mart: Mart) -> None:
    assert _parse(mart, ["1980", "1,980", "1980.0", "1980.5", "x"], "int32") == [
        1980,
        1980,
        1980,
        None,
        None,
    ]


def test_numeric_columns_keep_their_values(mart: Mart) -> None:
    assert _parse(mart, [1, 2, None], "float64") == [1.0, 2.0, None]


def test_iso_timestamps_and_dates(mart: Mart) -> None:
    values = [
        "2024-03-01",
        "2024-03-01 14:05:00",
        "2024-03-01T14:05",
        "2024-03-01T14:05:09.5",
        "2024-02-30",
        "01/03/2024",
        "yesterday",
    ]
    assert _parse(mart, values, "timestamp") == [
        dt.datetime(2024, 3, 1),
        dt.datetime(2024, 3, 1, 14, 5),
        dt.datetime(2024, 3, 1, 14, 5),
        dt.datetime(2024, 3, 1, 14, 5, 9, 500000),
        None,
        None,
        None,
    ]


def test_date_formats_are_tried_before_iso(mart: Mart) -> None:
    values = ["01/03/2024", "19970102", "2024-03-05 10:00", "31/02/2024", "1 March 2024"]
    assert _parse(mart, values, "timestamp", ("%d/%m/%Y", "%Y%m%d")) == [
        dt.datetime(2024, 3, 1),
        dt.datetime(1997, 1, 2),
        dt.datetime(2024, 3, 5, 10),
        None,
        None,
    ]


def test_dates_drop_the_time(mart: Mart) -> None:
    assert _parse(mart, ["2024-03-01 23:59", "02/03/2024"], "date", ("%d/%m/%Y",)) == [
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 2),
    ]


def test_native_timestamps_pass_through(mart: Mart) -> None:
    when = dt.datetime(2020, 5, 17, 8, 30)
    assert _parse(mart, [when], "timestamp") == [when]


def test_booleans_in_words_and_digits(mart: Mart) -> None:
    words = ["true", "T", "Yes", "y", "1", "FALSE", "f", "no", "N", "0", "maybe", "2", ""]
    assert _parse(mart, words, "boolean") == [True] * 5 + [False] * 5 + [None, None, None]


def test_float_ids_lose_their_point_zero(mart: Mart) -> None:
    assert _parse(mart, [12345.0, 17850.0, 1.5, None], "string") == ["12345", "17850", "1.5", None]


def test_integer_ids_become_text(mart: Mart) -> None:
    assert _parse(mart, [12345, 7], "string") == ["12345", "7"]


def test_text_ids_are_kept_exactly_but_trimmed(mart: Mart) -> None:
    assert _parse(mart, ["00012", " A-7 ", "12345.0", ""], "string") == [
        "00012",
        "A-7",
        "12345.0",
        None,
    ]
