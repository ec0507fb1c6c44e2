"""Turning staged values into typed mart values, in the engine.

Each parser takes a staged column (text from CSV and JSON Lines, native types from
Parquet) and returns an Ibis expression of the mart type that is NULL where the value
cannot be read. Validation compares "present before" with "NULL after" to name every
value that failed, so nothing is coerced silently.

What is accepted:
- numbers with currency symbols, spaces and thousands separators (``"$1,234.50"``,
  ``"€ 12"``), and accounting negatives in parentheses (``"(12.00)"``); with a decimal
  point the thousands separator is a comma, with a decimal comma (``"1.234,56"``) a point,
  and a separator must group digits by three, so ``"10,50"`` is no number with a decimal
  point (it is quarantined, never read as 1050);
- timestamps and dates in ISO form (``2024-03-01``, ``2024-03-01 14:05:00``,
  ``2024-03-01T14:05``; a UTC offset after the time is dropped, keeping the local clock
  time), or in the strftime formats the user gives (``--date-format``); in a workbook, a
  number in a date column is an Excel serial date;
- booleans written true/false, yes/no, y/n, 1/0, t/f (any case);
- identifiers as text; integral numbers (``12345.0`` from a float column) lose the ``.0``.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from segmint.mart import sql_functions as fn

_OFFSET = r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:[+-]\d{2}:?\d{2}|Z|UTC)$"
"""A UTC offset after a time of day (``2024-03-01 10:15:00 -0500``, ``…T10:15Z``): dropped,
so the time is the shop's own clock time, as exports without an offset give it."""
POINT_FORM = r"^[-+]?(\d+|[1-9]\d{0,2}(,\d{3})+)?(\.\d*)?([eE][-+]?\d+)?$"
"""A number with a decimal point, once symbols and spaces are gone: ``1234.5``, ``1,234.5``."""
COMMA_FORM = r"^[-+]?(\d+|[1-9]\d{0,2}(\.\d{3})+)?(,\d*)?([eE][-+]?\d+)?$"
"""A number with a decimal comma, once symbols and spaces are gone: ``1234,5``, ``1.234,5``."""
_NOT_DIGITS = "[\\s\u00a0\u202f$€£¥₫()]|[A-Za-z]{3}$|^[A-Za-z]{3}"
"""What is dropped before a number is read: spaces (also no-break ones, thousands separators
in French), currency symbols and codes, accounting parentheses."""
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
BOOLEAN_WORDS = frozenset(_TRUE + _FALSE)
"""The words a boolean is read from (in lower case), for judging a column by its content."""


def blank_to_null(value: ibis.Value) -> ibis.Value:
    """Text trimmed, with empty text as NULL; other types unchanged."""
    if value.type().is_string():
        trimmed = value.strip()
        return (trimmed.length() == 0).ifelse(ibis.null(), trimmed)
    return value


def parse(
    value: ibis.Value,
    target: str,
    date_formats: tuple[str, ...] = (),
    *,
    excel_dates: bool = False,
    decimal_comma: bool = False,
) -> ibis.Value:
    """``value`` converted to the Ibis type ``target``; NULL where it cannot be read.

    With ``excel_dates`` a number in a date or timestamp column is an Excel serial date;
    with ``decimal_comma`` numbers written as text have a decimal comma.
    """
    kind = dt.dtype(target)
    value = blank_to_null(value)
    if kind.is_string():
        return parse_text(value)
    if kind.is_floating() or kind.is_integer():
        number = parse_number(value, decimal_comma=decimal_comma)
        if kind.is_integer():
            return (number == number.round()).ifelse(number.cast(kind), ibis.null())
        return number
    if kind.is_timestamp() or kind.is_date():
        stamp = (
            parse_excel_timestamp(value, date_formats)
            if excel_dates
            else parse_timestamp(value, date_formats)
        )
        return stamp.date() if kind.is_date() else stamp
    if kind.is_boolean():
        return parse_boolean(value)
    raise TypeError(f"no parser for the mart type {target}")


def parse_text(value: ibis.Value) -> ibis.Value:
    """Text as is; integral floats without their ``.0`` (ids read from float columns)."""
    kind = value.type()
    if kind.is_floating():
        return (value == value.round()).ifelse(
            value.cast("int64").cast("string"), value.cast("string")
        )
    if kind.is_string():
        return value
    return value.cast("string")


def parse_number(value: ibis.Value, *, decimal_comma: bool = False) -> ibis.Value:
    """A float from numbers or from text with currency symbols and thousands separators.

    Text must have the form of its decimal separator (:data:`POINT_FORM`, or
    :data:`COMMA_FORM` with ``decimal_comma``); any other text is NULL, so a value written
    with the other separator is rejected rather than read a hundred times too large.
    """
    kind = value.type()
    if kind.is_numeric() or kind.is_boolean():
        return value.cast("float64")
    if not kind.is_string():
        return value.try_cast("float64")
    text = value.cast("string")
    negative = text.startswith("(") & text.endswith(")")
    digits = number_text(text)
    if decimal_comma:
        fits, plain = digits.re_search(COMMA_FORM), digits.replace(".", "").replace(",", ".")
    else:
        fits, plain = digits.re_search(POINT_FORM), digits.replace(",", "")
    number = fits.ifelse(plain.try_cast("float64"), ibis.null("float64"))
    return negative.ifelse(-number, number)


def number_text(text: ibis.StringValue) -> ibis.StringValue:
    """``text`` without what surrounds a number's digits and separators (symbols, spaces)."""
    digits: ibis.StringValue = text.re_replace(_NOT_DIGITS, "")
    return digits


def parse_timestamp(value: ibis.Value, date_formats: tuple[str, ...] = ()) -> ibis.Value:
    """A timestamp from a timestamp, a date, or text in ISO form or the given formats."""
    kind = value.type()
    if kind.is_timestamp():
        return value.cast("timestamp")
    if kind.is_date():
        return value.cast("timestamp")
    text = value.cast("string").re_replace(_OFFSET, r"\1")
    iso = text.replace("T", " ").try_cast("timestamp")
    if not date_formats:
        return iso
    return fn.try_strptime(text, ibis.literal(list(date_formats))).coalesce(iso)


EXCEL_EPOCH = "1899-12-30 00:00:00"
"""Day 0 of Excel's serial dates (1900 system; serial 60, the phantom 29 Feb 1900, aside)."""
EXCEL_MAX_SERIAL = 2_958_465
"""9999-12-31, the last day Excel can show."""


def parse_excel_timestamp(value: ibis.Value, date_formats: tuple[str, ...] = ()) -> ibis.Value:
    """A timestamp from an Excel cell: a date cell, text, or a serial number of days since
    1899-12-30 (the fraction is the time of day), as a workbook stores an unformatted date."""
    kind = value.type()
    if kind.is_timestamp() or kind.is_date():
        return value.cast("timestamp")
    serial = parse_number(value) if kind.is_string() or kind.is_numeric() else None
    if serial is None:
        return parse_timestamp(value, date_formats)
    seconds = (serial * 86_400).round().cast("int64")
    in_range = (serial >= 1) & (serial <= EXCEL_MAX_SERIAL)
    stamp = ibis.timestamp(EXCEL_EPOCH) + seconds.as_interval("s")
    from_serial = in_range.ifelse(stamp, ibis.null("timestamp"))
    if kind.is_numeric():
        return from_serial
    looks_numeric = value.cast("string").re_search(r"^\s*\d+(\.\d+)?\s*$")
    return looks_numeric.ifelse(from_serial, parse_timestamp(value, date_formats))


def parse_boolean(value: ibis.Value) -> ibis.Value:
    """A boolean from booleans, 0/1 numbers or the usual words."""
    kind = value.type()
    if kind.is_boolean():
        return value
    text = value.cast("string").lower()
    return ibis.cases(
        (text.isin(_TRUE), True), (text.isin(_FALSE), False), else_=ibis.null("boolean")
    )
