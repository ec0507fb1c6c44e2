"""Ordered bands: text values such as ``19-24``, ``Under 15K`` or ``3+`` put in their natural order.

Survey and demographic files describe customers in bands: ages ``19-24 < 25-34 < 65+``,
incomes ``Under 15K < 15-24K < … < 250K+``, household sizes ``1 < 2 < 5+``. Sorted as
text they come out wrong (``100-124K`` before ``15-24K``), so :func:`band_order` reads each
value as an interval of numbers and orders the values by it:

* a range ``N-M``, ``N - M``, ``N–M``, ``N to M`` (``15-24K``: a unit after the upper bound
  applies to both bounds);
* an open lower end ``Under N``, ``Less than N``, ``Below N``, ``Up to N``, ``<N``, ``<=N``;
* an open upper end ``N+``, ``N and over``, ``N or more``, ``Over N``, ``More than N``, ``>N``;
* a plain number ``2``;

numbers may carry a currency sign, thousands separators and a ``K``/``M`` unit
(``$50,000``, ``75K``, ``1.5M``). Values saying nothing (``Unknown``, ``None/Unknown``,
``N/A``, ``Prefer not to say``…) come last. Values are *bands* only when at least two read
as intervals, at least one is a range or open end (all plain numbers make a numeric
column, not bands), and every other value is one of the unknown words; otherwise there is
no order and the values stay plain text.

The order is worked out from the values themselves whenever it is needed, so it always
covers every value loaded so far and never goes stale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

_NUMBER = r"[$€£¥]?\s*\d[\d,]*(?:\.\d+)?\s*[kKmM]?"
_UNITS = {"k": 1e3, "m": 1e6}
_RANGE = re.compile(rf"^(?P<low>{_NUMBER})\s*(?:-|–|—|to)\s*(?P<high>{_NUMBER})$", re.I)
_BELOW = re.compile(
    rf"^(?:under|less than|below|up to|fewer than|<=?)\s*(?P<high>{_NUMBER})$", re.I
)
_ABOVE_PREFIX = re.compile(rf"^(?:over|more than|above|>=?)\s*(?P<low>{_NUMBER})$", re.I)
_ABOVE_SUFFIX = re.compile(
    rf"^(?P<low>{_NUMBER})\s*(?:\+|plus|and over|and above|and older|or more|or older)$", re.I
)
_PLAIN = re.compile(rf"^(?P<low>{_NUMBER})$", re.I)
_YEARS = re.compile(r"\s*(?:years?|yrs?|y/?o|people|persons?|children|kids)\.?$", re.I)
UNKNOWN_WORDS = frozenset(
    {
        "unknown",
        "none/unknown",
        "n/a",
        "na",
        "not stated",
        "not known",
        "prefer not to say",
        "refused",
        "missing",
        "unspecified",
        "not specified",
        "-",
        "?",
    }
)
"""Values that say nothing; bands put them last."""


def _number(text: str) -> tuple[float, str]:
    """The value of ``text`` (a :data:`_NUMBER` match) and its unit letter (or '')."""
    cleaned = re.sub(r"[$€£¥,\s]", "", text)
    unit = cleaned[-1].lower() if cleaned[-1].isalpha() else ""
    digits = cleaned[:-1] if unit else cleaned
    return float(digits), unit


def interval(value: str) -> tuple[float, float, bool] | None:
    """``(low, high, is_band)`` of a band value, or None when it is not one.

    ``is_band`` is False for a plain number. Open ends are ±infinity.
    """
    text = _YEARS.sub("", value.strip())
    if match := _RANGE.match(text):
        (low, low_unit), (high, high_unit) = _number(match["low"]), _number(match["high"])
        low_unit = low_unit or high_unit
        return low * _UNITS.get(low_unit, 1), high * _UNITS.get(high_unit, 1), True
    if match := _BELOW.match(text):
        high, unit = _number(match["high"])
        return -math.inf, high * _UNITS.get(unit, 1), True
    for pattern in (_ABOVE_PREFIX, _ABOVE_SUFFIX):
        if match := pattern.match(text):
            low, unit = _number(match["low"])
            return low * _UNITS.get(unit, 1), math.inf, True
    if match := _PLAIN.match(text):
        low, unit = _number(match["low"])
        return low * _UNITS.get(unit, 1), low * _UNITS.get(unit, 1), False
    return None


def is_unknown(value: str) -> bool:
    """True for the values that say nothing (:data:`UNKNOWN_WORDS`)."""
    return value.strip().lower() in UNKNOWN_WORDS


def band_order(values: Iterable[str | None]) -> tuple[str, ...] | None:
    """The distinct ``values`` in band order, or None when they are not bands.

    Ties (two spellings of one interval) are broken by the text, so the order never
    depends on the order the values come in.

    Example:
        >>> band_order(["100-124K", "Under 15K", "15-24K"])
        ('Under 15K', '15-24K', '100-124K')
        >>> band_order(["3+", "1", "2", "None/Unknown"])
        ('1', '2', '3+', 'None/Unknown')
    """
    distinct = sorted({v.strip() for v in values if v is not None and v.strip()})
    known: list[tuple[float, float, str]] = []
    unknown: list[str] = []
    banded = False
    for value in distinct:
        if is_unknown(value):
            unknown.append(value)
            continue
        parsed = interval(value)
        if parsed is None:
            return None
        low, high, is_band = parsed
        banded = banded or is_band
        known.append((low, high, value))
    if len(known) < 2 or not banded:
        return None
    return tuple(v for _, _, v in sorted(known)) + tuple(unknown)
