"""Jinja filters: numbers for people, a dash for missing values, figures safe in attributes."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from html import unescape
from urllib.parse import unquote

import jinja2
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint import __version__
from segmint.views.formatting import (
    compact,
    day,
    figure,
    install,
    left_out,
    number,
    omitted,
    percent,
    pvalue,
    shown,
    text,
    urlquote,
)

MISSING = [None, math.nan, float("nan")]


@pytest.mark.parametrize("value", MISSING)
def test_missing_values_read_as_a_dash(value: object) -> None:
    assert number(value) == percent(value) == compact(value) == pvalue(value) == "—"


@pytest.mark.parametrize("value", [*MISSING, pd.NaT, ""])
def test_missing_text_reads_as_a_dash_or_the_fallback(value: object) -> None:
    # a null category read through pandas is NaN, which `value or "—"` printed as "nan"
    assert text(value) == "—"
    assert text(value, "P-17") == "P-17"
    assert text(value, math.nan) == "—"


def test_text_keeps_values() -> None:
    assert (
        text("Garden") == "Garden" and text(0) == "0" and text(dt.date(2025, 1, 2)) == "2025-01-02"
    )


def test_number_groups_thousands_and_rounds() -> None:
    assert number(1234567.891) == "1,234,568"
    assert number(1234.5678, 2) == "1,234.57"
    assert number(0) == "0"
    assert number(-9876) == "-9,876"
    assert number("12") == "12"  # text from a frame column still reads as a number


def test_percent_of_a_share() -> None:
    assert percent(0.1234) == "12.3%"
    assert percent(1) == "100.0%"
    assert percent(0.5, 0) == "50%"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (999.4, "999"),
        (1000, "1.0k"),
        (34_500, "34.5k"),
        (1_234_567, "1.2M"),
        (-2_500_000, "-2.5M"),
        (7_000_000_000, "7.0B"),
    ],
)
def test_compact_shortens_large_numbers(value: float, text: str) -> None:
    assert compact(value) == text


def test_day_is_the_date_alone_whatever_it_is_stored_as() -> None:
    assert day(pd.Timestamp("2024-05-12 00:00:00")) == "2024-05-12"
    assert day(dt.datetime(2024, 5, 12, 13, 45)) == "2024-05-12"
    assert day(dt.date(2024, 5, 12)) == "2024-05-12"
    assert day("2024-05-12") == "2024-05-12"
    assert day(pd.NaT) == day(None) == day(math.nan) == "—"


def test_pvalue_two_significant_digits_or_a_floor() -> None:
    assert pvalue(0.04567) == "0.046"
    assert pvalue(0.5) == "0.50"  # trailing zeros kept: "0.70" beside "0.93"
    assert pvalue(0.7) == "0.70" and pvalue(0.934) == "0.93" and pvalue(0.01) == "0.010"
    assert pvalue(0.00456) == "0.005"
    assert pvalue(0.001) == "0.001"
    assert pvalue(0.000999) == "< 0.001"
    assert pvalue(0.0) == "< 0.001"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("frequency", 5.0, "5"),  # a count stored as a float is still a count
        ("orders_365d", np.int64(12), "12"),
        ("recency_days", 1234.0, "1,234"),
        ("interpurchase_mean_days", 36.55, "36.5"),  # a mean of days keeps one decimal
        ("interpurchase_mean_days", Decimal("25.0"), "25"),
        ("btyd_T", 38.857, "38.9"),
        ("monetary_total", 140.851, "140.85"),
        ("spend_30d", 0, "0.00"),
        ("clv", 1234.5678, "1,234.57"),
        ("clv_m12_36", 3.0, "3.00"),
        ("return_rate", 0.25, "25.0%"),
        ("p_alive", np.float64(0.987), "98.7%"),
        ("birth_year", 1980.0, "1980"),
        ("expected_purchases", 1.234, "1.23"),
        ("survey_satisfaction", 4.0, "4"),  # a loaded attribute: whole numbers whole
        ("survey_satisfaction", 4.25, "4.25"),
        ("age_band", "45-54", "45–54"),
        ("top_category", "garden", "garden"),
        ("signup_date", pd.Timestamp("2025-02-25"), "2025-02-25"),
        ("has_app", True, "True"),
    ],
)
def test_shown_formats_a_value_by_the_kind_of_its_name(
    name: str, value: object, expected: str
) -> None:
    assert shown(value, name) == expected


@pytest.mark.parametrize("value", [*MISSING, pd.NaT])
def test_shown_missing_values_read_as_a_dash(value: object) -> None:
    assert shown(value, "frequency") == shown(value, "clv") == shown(value, "x") == "—"


ROWS = [
    {"name": "Tent", "category": None, "region": math.nan, "channel": "web"},
    {"name": "Lamp", "category": "", "region": None, "channel": None},
]


def test_omitted_says_once_which_columns_are_left_out_and_why() -> None:
    assert omitted(ROWS, ["category"], "product") == (
        "No product here has its category recorded, so that column is left out."
    )
    assert omitted(ROWS, ["category", "region", "channel"], "customer") == (
        "No customer here has its category or region recorded, so those columns are left out."
    )
    assert omitted(ROWS, ["acquisition_channel", "category", "region"], "customer") == (
        "No customer here has its acquisition channel, category or region recorded, so those "
        "columns are left out."
    )
    assert omitted(ROWS, ["channel"], "order") == omitted([], ["category"], "product") == ""
    assert left_out(["region"], "customer", where="") == (
        "No customer has its region recorded, so that column is left out."
    )
    assert left_out([], "customer") == ""


def test_figure_escapes_what_could_end_a_single_quoted_attribute() -> None:
    value = {"title": "it's <script>&amp;", "x": [1, 2]}
    text = str(figure(value))
    assert "'" not in text
    assert "<" not in text
    assert json.loads(unescape(text)) == value


@given(st.recursive(st.text(), lambda inner: st.lists(inner, max_size=3), max_leaves=5))
def test_figure_round_trips_any_text(value: object) -> None:
    text = str(figure({"v": value}))
    assert "'" not in text and "<" not in text
    assert json.loads(unescape(text)) == {"v": value}


def test_figure_serialises_what_json_cannot_as_text() -> None:

    assert json.loads(unescape(str(figure({"d": dt.date(2024, 1, 31)})))) == {"d": "2024-01-31"}


@pytest.mark.parametrize("value", ["a/b", "x&y=1", "#top", "what?", "two words", "../up"])
def test_urlquote_keeps_a_value_in_one_segment(value: str) -> None:
    quoted = urlquote(value)
    assert not set(quoted) & set("/&#?= ")

    assert unquote(quoted) == value


def test_install_registers_filters_and_version() -> None:
    env = install(jinja2.Environment(autoescape=True))
    rendered = env.from_string("{{ 1234 | number }} {{ 0.25 | percent }} {{ version }}").render()
    assert rendered == f"1,234 25.0% {__version__}"
    assert {"number", "pvalue", "percent", "compact", "figure", "urlquote", "shown"} <= set(
        env.filters
    )


def test_money_filters_mark_amounts_with_the_contexts_currency() -> None:
    env = install(jinja2.Environment(autoescape=True))
    page = env.from_string(
        "{{ 1234567.4|money }} {{ 2.5|money(2) }} {{ 1234567|money_compact }} {{ none|money }}"
    )
    assert page.render(currency="EUR") == "€1,234,567 €2.50 €1.2M —"
    assert page.render(currency="SEK") == "1,234,567 SEK 2.50 SEK 1.2M SEK —"
    assert page.render() == "1,234,567 2.50 1.2M —"  # no currency: as before


def test_amounts_to_the_cent_take_the_currencys_own_decimals() -> None:
    env = install(jinja2.Environment(autoescape=True))
    page = env.from_string("{{ 1234.567|money(2) }} {{ 1234.567|money }}")
    assert page.render(currency="JPY") == "¥1,235 ¥1,235"
    assert page.render(currency="KWD") == "1,234.567 KWD 1,235 KWD"
    assert page.render(currency="EUR") == "€1,234.57 €1,235"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("monetary_total", 1234.5, "€1,234.50"),
        ("spend_365d", -3.0, "-€3.00"),
        ("gross_margin", 12.0, "€12.00"),
        ("btyd_monetary", 7.25, "€7.25"),
        ("clv", 88.123, "€88.12"),
        ("clv_m0_12", 5.0, "€5.00"),  # a window score is money too
        ("frequency", 5.0, "5"),  # counts, days and shares stay plain
        ("recency_days", 12.0, "12"),
        ("p_alive", 0.5, "50.0%"),
        ("expected_purchases", 1.234, "1.23"),
        ("survey_satisfaction", 4.0, "4"),  # a loaded attribute is never guessed money
    ],
)
def test_shown_marks_money_with_the_currency_and_only_money(
    name: str, value: object, expected: str
) -> None:
    assert shown(value, name, "EUR") == expected
    assert shown(math.nan, name, "EUR") == "—"


def test_the_shown_filter_takes_the_contexts_currency_and_its_decimals() -> None:
    env = install(jinja2.Environment(autoescape=True))
    page = env.from_string("{{ 1234.567|shown('monetary_avg') }} {{ 3.0|shown('frequency') }}")
    assert page.render(currency="EUR") == "€1,234.57 3"
    assert page.render(currency="JPY") == "¥1,235 3"
    assert page.render(currency="KWD") == "1,234.567 KWD 3"
    assert page.render() == "1,234.57 3"  # no currency: as before
