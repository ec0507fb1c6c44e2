"""The attributes block of the 360° view: a customer's ``customer_attributes``, by role.

Attributes come from whatever files a business loads (a demographics file's bands, a
loyalty tier, a segment column of a transactions file), so their names decide who sees
them, by the rules the rest of the view follows:

* **personal data** (names that look like an e-mail, phone, name, street address, date of
  birth… by :func:`segmint.mart.columns.personal_data`, the test a load uses to keep such
  columns out of attributes) is shown only where ``customer_pii`` is: to admins whose reads
  are audited (``include_pii``);
* **exact location and age** (``city``, ``town``, ``postcode``, ``zip``, ``birth_year``…,
  and an ``age`` given as a number) are quasi-identifiers: shown only in the exact view
  (admins), as the profile's city, postcode and birth year are
  (:mod:`segmint.views.coarse`); ``country``, ``region``, ``state`` and banded ages stay,
  as in the coarse profile;
* every other attribute is shown to every role that sees the view (analysts and admins).

A name with several dated rows (the values of a tier over a transactions file's orders)
shows the current one, the value features read today: the latest dated row, undated rows
losing to any dated one, ties to the greatest value.

What is held back is counted in a message, so nobody mistakes a hidden value for none.
"""

from __future__ import annotations

import re
from typing import Any

from segmint.features.groups import is_builtin
from segmint.mart.columns import personal_data

FINE_LOCATION = re.compile(
    r"(^|_)(city|town|village|postcode|post_code|postal_code|zip|zip_code|zipcode|"
    r"latitude|longitude|lat|lon|lng|geo|coordinates)(_|$)"
)
"""Attribute names of a place finer than a region: hidden below admin, like ``city``."""

EXACT_AGE = re.compile(r"(^|_)(birth_year|year_of_birth|birthyear|birth_date|birthday)(_|$)")
"""Attribute names of a birth year or date: hidden below admin, like ``birth_year``."""

AGE = re.compile(r"(^|_)age(_years)?$")
"""Attribute names of an age: hidden below admin when the value is a number (an exact age)."""

SHOWN = ("name", "value", "updated_at", "source")
"""The fields of each attribute the view shows."""


def visibility(name: str, value: Any) -> str:
    """Who may see the attribute ``name`` with ``value``: ``pii`` (admins whose reads are
    audited), ``exact`` (the exact view: admins) or ``all`` (every role with the view)."""
    if personal_data(name) is not None:
        return "pii"
    if FINE_LOCATION.search(name) or EXACT_AGE.search(name):
        return "exact"
    if AGE.search(name) and _is_number(value):
        return "exact"
    return "all"


def _is_number(value: Any) -> bool:
    try:
        float(str(value).strip())
    except ValueError:
        return False
    return True


def shown_attributes(
    records: list[dict[str, Any]], *, exact: bool, include_pii: bool
) -> tuple[list[dict[str, Any]], int]:
    """The attributes the caller may see, by name, and how many were held back.

    Args:
        records: the customer's ``customer_attributes`` rows.
        exact: the caller sees the exact view (quasi-identifiers as stored).
        include_pii: the caller sees personal data.
    """
    allowed = {"all"} | ({"exact"} if exact else set()) | ({"pii"} if include_pii else set())
    shown: list[dict[str, Any]] = []
    hidden = 0
    for record in sorted(_current(records), key=lambda r: str(r.get("name"))):
        if visibility(str(record.get("name")), record.get("value")) in allowed:
            shown.append({k: record.get(k) for k in SHOWN})
        else:
            hidden += 1
    return shown, hidden


def _current(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per name: the current value (see the module docstring)."""
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        name = str(record.get("name"))
        if name not in latest or _recency(record) > _recency(latest[name]):
            latest[name] = record
    return list(latest.values())


def _recency(record: dict[str, Any]) -> tuple[bool, str, str]:
    """Order of a name's records: dated after undated, then by time (ISO text), then value."""
    at = record.get("updated_at")
    return (at is not None, str(at or ""), str(record.get("value")))


def hidden_message(hidden: int) -> str:
    """The view's message about held-back attributes (empty when none are)."""
    if not hidden:
        return ""
    return (
        f"{hidden} attribute{'s' if hidden != 1 else ''} (personal data, exact location or "
        "age) shown to the admin role only."
    )


def hidden_feature(column: str, value: Any) -> bool:
    """A feature column (an attribute pivoted, :mod:`segmint.features.attributes`, which
    adds ``_attr`` to a name a built-in feature has) holding what :func:`visibility` keeps
    from the coarse view: it leaves such a column out as it leaves out ``city`` and ``age``.

    Built-in feature columns are never attributes: ``email_opens`` or ``share_phone`` count
    behaviour, and only their names look like personal data. The coarse view drops the
    built-in quasi-identifiers by name (:data:`segmint.views.coarse.FEATURE_DROPPED`)."""
    if is_builtin(column):
        return False
    return visibility(re.sub(r"_attr\d*$", "", column), value) != "all"
