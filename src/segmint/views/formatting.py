"""Jinja2 filters shared by the pages and the report: numbers and names for people (``label``:
:func:`segmint.features.labels.label`; ``shown``: a value by the kind of its name,
:func:`segmint.features.labels.kind`), figures for plotly.js.

Amounts of money go through ``money`` and ``money_compact`` (and ``shown``, for the names
whose kind is money), which mark them with the ``currency`` of the template's context (the
shop's, :mod:`segmint.mart.shop_settings`): "€1,234.50"; without one they read as
:func:`number` and :func:`compact` do. Templates that call them inside imported macros
import those ``with context``."""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
from collections.abc import Iterable, Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from segmint import __version__
from segmint.features.labels import kind, label, segment_label, value_text
from segmint.insight.profile import period_text
from segmint.mart.currency import amount_digits, with_currency

TEMPLATES = Path(str(resources.files("segmint.views").joinpath("templates")))
"""The templates of the pages and the report."""


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, digits: int = 0) -> str:
    """``value`` with thousands separators, or a dash when missing."""
    return "—" if _missing(value) else f"{float(value):,.{digits}f}"


def percent(value: Any, digits: int = 1) -> str:
    """``value`` (a share) as a percentage, or a dash when missing."""
    return "—" if _missing(value) else f"{100 * float(value):.{digits}f}%"


def day(value: Any) -> str:
    """A date or timestamp as ``YYYY-MM-DD``, or a dash when missing: a signup stored as a
    timestamp at midnight is a day, and "00:00:00" after each one is noise."""
    if _missing(value) or value != value:  # pandas' NaT is not equal to itself
        return "—"
    if isinstance(value, dt.date):  # datetime and pandas' Timestamp too
        return f"{value:%Y-%m-%d}"
    return str(value)


def text(value: Any, fallback: Any = "—") -> str:
    """``value`` as text, or ``fallback`` when missing: a null read through pandas arrives
    as NaN (or NaT), which is truthy, so ``value or "—"`` in a template printed "nan"."""
    if _missing(value) or value != value or value == "":  # NaT is not equal to itself
        return "—" if _missing(fallback) or fallback == "" else str(fallback)
    return str(value)


def filled(rows: Iterable[Mapping[str, Any]], key: str) -> bool:
    """Whether any of ``rows`` has a value for ``key`` (:func:`text` is no dash)."""
    return any(text(row.get(key)) != "—" for row in rows)


def omitted(rows: Iterable[Mapping[str, Any]], columns: Iterable[str], subject: str) -> str:
    """Why a table of ``subject`` (a noun: "product") leaves out the ``columns`` none of its
    ``rows`` has a value for (a table leaves out a column that would be only dashes and says
    once why, instead of a dash on every row), or "" when it leaves none out (or has no
    rows)."""
    rows = list(rows)
    return left_out([key for key in columns if not filled(rows, key)], subject) if rows else ""


def left_out(columns: Iterable[str], subject: str, where: str = " here") -> str:
    """Why a table of ``subject`` leaves out ``columns``: no ``subject`` (of the rows shown,
    unless ``where`` says otherwise) has a value for them; "" when there are none."""
    gone = [_lower(label(key)) for key in columns]
    if not gone:
        return ""
    what = gone[0] if len(gone) == 1 else f"{', '.join(gone[:-1])} or {gone[-1]}"
    column = "that column is" if len(gone) == 1 else "those columns are"
    return f"No {subject}{where} has its {what} recorded, so {column} left out."


def _lower(heading: str) -> str:
    """``heading`` inside a sentence: first letter lower case unless a word in capitals."""
    first = heading.split(" ", 1)[0]
    return heading if first.isupper() and len(first) > 1 else heading[:1].lower() + heading[1:]


def compact(value: Any) -> str:
    """Large numbers shortened for KPI tiles: 1.2M, 34.5k."""
    if _missing(value):
        return "—"
    amount = float(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(amount) >= size:
            return f"{amount / size:,.1f}{suffix}"
    return f"{amount:,.0f}"


@jinja2.pass_context
def money(context: jinja2.runtime.Context, value: Any, digits: int = 0) -> str:
    """An amount as :func:`number` writes it, marked with the context's ``currency``; shown
    to the cent (``digits`` 2), it has the currency's own decimals: "¥1,235", "1,234.500 KWD"."""
    currency = context.get("currency")
    return with_currency(number(value, amount_digits(currency, digits)), currency)


@jinja2.pass_context
def money_compact(context: jinja2.runtime.Context, value: Any) -> str:
    """An amount as :func:`compact` writes it for KPI tiles, marked with the context's
    ``currency``: "€1.2M"."""
    return with_currency(compact(value), context.get("currency"))


def pvalue(value: Any) -> str:
    """A p-value for people: two significant digits, trailing zeros kept so that values side by
    side line up ("0.70" beside "0.93", not "0.7"), three decimals under 0.01, "< 0.001"
    below that."""
    if _missing(value):
        return "—"
    p = float(value)
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.01 else f"{p:#.2g}"


def _whole(amount: float) -> bool:
    return math.isfinite(amount) and amount == round(amount)


def shown(value: Any, name: str, currency: str | None = None) -> str:
    """``value`` of column or score ``name`` as people read it, by the name's kind
    (:data:`segmint.features.labels.KINDS`): counts and days whole ("5", not "5.00"; a mean
    of days keeps one decimal), weeks with one decimal, money with two (the ``currency``'s
    own minor units, marked with it: "€1,234.50", "¥1,235"), shares as
    percentages, years without a thousands separator; any other whole number whole, others
    with two decimals (a decimal read from the engine too). Dates read as days, text as
    :func:`segmint.features.labels.value_text` writes it (an age band with an en dash), a
    missing value as a dash. The one mapping means a feature reads the same on every page."""
    if _missing(value) or value != value:  # NaN, NaT
        return "—"
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        return day(value) if isinstance(value, dt.date) else value_text(name, value)
    amount = float(value)
    found = kind(name)
    if found == "share":
        return percent(amount)
    if found == "money":
        return with_currency(number(amount, amount_digits(currency, 2)), currency)
    if found == "weeks":
        return number(amount, 1)
    if found == "year" and _whole(amount):
        return str(int(amount))
    if _whole(amount):
        return number(amount)
    return number(amount, 1 if found in ("count", "days") else 2)


@jinja2.pass_context
def shown_here(context: jinja2.runtime.Context, value: Any, name: str) -> str:
    """:func:`shown`, its money marked with the context's ``currency`` (the ``shown`` filter:
    a customer's spend and CLV read "€1,234.50", their orders and days stay numbers)."""
    return shown(value, name, context.get("currency"))


def figure(value: dict[str, Any]) -> Markup:
    """A figure as JSON safe inside a single-quoted HTML attribute."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    return Markup(text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;"))


def urlquote(value: Any) -> str:
    """``value`` encoded as one URL path segment or query value: ``/``, ``&``, ``#``, ``?``,
    ``=`` and spaces included, so a name never changes where a link goes."""
    return quote(str(value), safe="")


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Register the filters and the version on ``env``."""
    env.filters.update(
        number=number,
        money=money,
        money_compact=money_compact,
        pvalue=pvalue,
        percent=percent,
        compact=compact,
        text=text,
        day=day,
        figure=figure,
        urlquote=urlquote,
        label=label,
        shown=shown_here,
        segment_label=segment_label,
        filled=filled,
        omitted=omitted,
        period=period_text,
    )
    env.globals.update(version=__version__)
    return env
