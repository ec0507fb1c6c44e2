"""Cursors of paged lists: where the next page starts, as an opaque token in the query.

A cursor holds the sort key of the last row handed out (a customer id, or its pseudonym in
a pseudonymised list) and the kind of key, base64url-encoded without padding. It is opaque
to clients, who pass the ``next_cursor`` of one page to get the next; keyed on the sort key
rather than on a position, pages neither repeat nor skip a row when the list changes
between two calls. A pseudonymised list's cursor holds a pseudonym, never a customer id,
and a cursor of one kind is refused by a list of the other.
"""

from __future__ import annotations

import base64
import binascii
from typing import NoReturn

from fastapi.exceptions import RequestValidationError

from segmint.api.params import has_control

CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
"""What a cursor is made of: base64url without padding."""

MAX_CURSOR = 2800
"""Longest cursor accepted: a key of about 2,000 bytes (ids are far shorter)."""

KINDS = {False: "id", True: "pseudonym"}
"""The kind of key a cursor holds, by whether the list is pseudonymised."""


def encode_cursor(after: str, pseudonymised: bool) -> str:
    """The cursor of the page that starts after the key ``after``."""
    raw = f"{KINDS[pseudonymised]}:{after}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, pseudonymised: bool, name: str = "cursor") -> str:
    """The key a page starts after, from a cursor :func:`encode_cursor` made.

    Raises:
        RequestValidationError: a 422 naming the query parameter ``name`` when ``cursor``
            was not made by :func:`encode_cursor`, or was made for a list of the other kind.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    kind, sep, after = text.partition(":")
    if not sep or kind not in KINDS.values() or has_control(after):
        _refuse(
            name,
            cursor,
            "not a cursor this endpoint handed out: pass the next_cursor of the previous "
            "page unchanged, or leave it out for the first page",
        )
    if kind != KINDS[pseudonymised]:
        other = "pseudonymise=true" if kind == KINDS[True] else "pseudonymise=false"
        _refuse(
            name,
            cursor,
            f"this cursor pages a list asked with {other}: keep pseudonymise as it was on "
            "the first page",
        )
    return after


def _refuse(name: str, cursor: str, message: str) -> NoReturn:
    raise RequestValidationError(
        [{"type": "value_error", "loc": ("query", name), "msg": message, "input": cursor}]
    )
