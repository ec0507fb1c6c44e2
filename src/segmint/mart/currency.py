"""The shop's currency: which ISO 4217 codes are known, and amounts written with one.

A mart records the currency its amounts are in (:mod:`segmint.mart.shop_settings`, set with
``segmint currency EUR``); every place that shows money (the pages, their figures, the
report, the CLI) marks it with :func:`with_currency` (:func:`money_text` formats and marks a
number), or names it in a heading (:func:`heading`: tables of the CLI), so "revenue
1,234,567" reads "€1,234,567" in a euro shop and "1,234,567 SEK" in a Swedish one. Without a currency the
amount is the plain number it always was: segmint does not guess one.

The common currencies are written with their symbol before the amount (as people in
English-speaking shops read them); every other code follows the amount, which is never
ambiguous. Amounts shown to the cent are shown to the currency's own minor unit instead
(ISO 4217): "¥1,235" in yen, "1,234.500 BHD" in Bahraini dinars (:func:`amount_digits`).
The module imports no engine, so the CLI's help and the pages load it freely.
"""

from __future__ import annotations

import math
from typing import Any

from segmint.exceptions import InputError

_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
ZMW ZWG
"""
ISO_4217 = frozenset(_CODES.split())
"""The ISO 4217 codes of currencies in circulation (funds, metals and test codes left out)."""

SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "CN¥",
    "INR": "₹",
    "KRW": "₩",
    "BRL": "R$",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "MXN": "MX$",
    "HKD": "HK$",
    "ILS": "₪",
    "VND": "₫",
    "PHP": "₱",
    "NGN": "₦",
}
"""Symbols written before the amount, for the common currencies (the English forms: the
dollars other than the US one carry their country's letters, so "$" is never ambiguous)."""


_NO_MINOR_UNIT = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_MINOR_UNITS = "BHD IQD JOD KWD LYD OMR TND"
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_NO_MINOR_UNIT.split(), 0),
    **dict.fromkeys(_THREE_MINOR_UNITS.split(), 3),
}
"""ISO 4217 minor units of the currencies that do not have two (cents): none for the yen or
the won, three for the dinars of Bahrain, Kuwait, Jordan, Iraq, Libya, Tunisia and the
Omani rial. Every other currency has two."""


def amount_digits(currency: str | None, digits: int = 2) -> int:
    """Decimals an amount of ``currency`` is shown with where a currency of cents would show
    ``digits``: as many more or fewer as its minor units differ from two (to the cent, 0 for
    JPY and 3 for KWD; four decimals of a per-customer mean, 2 for JPY and 5 for KWD);
    ``digits`` unchanged when amounts are rounded to whole units (0) or there is no
    currency."""
    if not currency or digits == 0:
        return digits
    return max(0, digits + MINOR_UNITS.get(currency, 2) - 2)


def check_currency(code: str) -> str:
    """``code`` as stored: an ISO 4217 code in capitals (``eur`` and `` EUR `` are EUR).

    Raises:
        InputError: not three letters, or no currency in circulation has that code; the
            message names the value and says what is expected.
    """
    given = str(code)
    found = given.strip().upper()
    if len(found) != 3 or not found.isascii() or not found.isalpha():
        raise InputError(
            f"currency {given!r} is not an ISO 4217 code: give three letters, such as EUR, "
            "USD or GBP"
        )
    if found not in ISO_4217:
        raise InputError(
            f"currency {given!r} is not a known ISO 4217 code: give the code of a currency "
            "in circulation, such as EUR, USD or GBP"
        )
    return found


def with_currency(number: str, currency: str | None) -> str:
    """An amount already written as ``number`` ("1,234.50", "1.2M") marked with ``currency``:
    "€1,234.50", "-€3.00", "1,234.50 SEK"; ``number`` unchanged without a currency or when it
    is a dash (missing)."""
    if not currency or number in ("—", ""):
        return number
    sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
    if not any(c in "123456789" for c in digits):  # -0.4 rounded: "€0", not "-€0"
        sign, number = "", digits
    found = SYMBOLS.get(currency)
    return f"{sign}{found}{digits}" if found else f"{number} {currency}"


def money_text(value: Any, currency: str | None, digits: int = 0) -> str:
    """``value`` with thousands separators and ``digits`` decimals (the currency's own minor
    units when ``digits`` shows cents: :func:`amount_digits`), marked with ``currency``; a
    dash when missing (None or NaN)."""
    if value is None:
        return "—"
    amount = float(value)
    if math.isnan(amount):
        return "—"
    shown = amount_digits(currency, digits)
    return with_currency(f"{amount:,.{shown}f}", currency)


def heading(text: str, currency: str | None) -> str:
    """A column heading or axis title naming the currency its amounts are in:
    "revenue (EUR)"; ``text`` unchanged without a currency."""
    return f"{text} ({currency})" if currency else text
