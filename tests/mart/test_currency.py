"""The shop's currency as people read it: known ISO 4217 codes, amounts marked with one."""

from __future__ import annotations

import math

import pytest

from segmint.exceptions import InputError
from segmint.mart.currency import (
    ISO_4217,
    MINOR_UNITS,
    SYMBOLS,
    amount_digits,
    check_currency,
    heading,
    money_text,
    with_currency,
)


@pytest.mark.parametrize(("given", "stored"), [("EUR", "EUR"), ("eur", "EUR"), (" sek ", "SEK")])
def test_a_known_code_is_stored_in_capitals(given: str, stored: str) -> None:
    assert check_currency(given) == stored


@pytest.mark.parametrize("given", ["EU", "EURO", "€", "E1R", "", "<b>", "ÉUR"])
def test_what_is_not_three_letters_is_refused_naming_it(given: str) -> None:
    with pytest.raises(InputError, match=r"currency .* is not an ISO 4217 code: give three"):
        check_currency(given)


@pytest.mark.parametrize("given", ["XYZ", "ABC", "DEM", "XXX"])
def test_an_unknown_code_is_refused_naming_it(given: str) -> None:
    with pytest.raises(InputError, match=f"currency '{given}' is not a known ISO 4217 code"):
        check_currency(given)


def test_every_symbol_belongs_to_a_known_code() -> None:
    assert set(SYMBOLS) <= ISO_4217
    assert all(len(code) == 3 and code.isupper() for code in ISO_4217)


def test_common_currencies_take_their_symbol_others_their_code() -> None:
    assert money_text(1234567.4, "EUR") == "€1,234,567"
    assert money_text(-3, "USD", 2) == "-$3.00"
    assert money_text(1234.5, "SEK", 2) == "1,234.50 SEK"
    assert money_text(10, "CAD") == "CA$10"
    assert money_text(10, "CHF") == "10 CHF"
    assert money_text(-0.4, "EUR") == "€0" and money_text(-0.4, "SEK") == "0 SEK"  # no "-0"


def test_without_a_currency_amounts_are_plain_numbers() -> None:
    assert money_text(1234567.4, None) == "1,234,567"
    assert with_currency("1.2M", None) == "1.2M"
    assert heading("revenue", None) == "revenue"


def test_a_missing_amount_stays_a_dash() -> None:
    assert money_text(None, "EUR") == money_text(math.nan, "EUR") == "—"
    assert with_currency("—", "EUR") == "—"


def test_headings_name_the_code() -> None:
    assert heading("revenue", "EUR") == "revenue (EUR)"
    assert with_currency("1.2M", "GBP") == "£1.2M"


def test_minor_units_are_iso_4217s_for_codes_it_knows() -> None:
    assert set(MINOR_UNITS) <= ISO_4217
    assert {MINOR_UNITS[code] for code in ("JPY", "KRW", "VND", "CLP", "ISK")} == {0}
    assert {MINOR_UNITS[code] for code in ("BHD", "KWD", "OMR", "JOD", "TND")} == {3}
    assert amount_digits("EUR") == 2 and amount_digits(None) == 2
    assert amount_digits("JPY", 0) == 0 and amount_digits(None, 1) == 1  # whole units stay
    # more decimals than cents (a per-customer mean) keep the currency's offset from cents
    assert (amount_digits("EUR", 4), amount_digits("KWD", 4), amount_digits("JPY", 4)) == (4, 5, 2)
    assert amount_digits("JPY", 1) == 0


@pytest.mark.parametrize(
    ("currency", "text"),
    [("JPY", "¥1,235"), ("KRW", "₩1,235"), ("BHD", "1,234.567 BHD"), ("USD", "$1,234.57")],
)
def test_amounts_to_the_cent_have_the_currencys_own_decimals(currency: str, text: str) -> None:
    assert money_text(1234.567, currency, 2) == text
    assert money_text(1234.567, currency) == with_currency("1,235", currency)  # whole units
