"""Cursors of paged audiences: where the next page starts, as a sealed, opaque token.

A cursor holds the sort key of the last member handed out (a customer id, or its pseudonym
in a pseudonymised list) and the list it pages (:class:`PageOf`): a keyed digest of the
segmentation and segment, the day of the segments, their stored version, the channel and
whether ids are pseudonymised. Keyed on the sort key rather than on a position, the next
page starts right after the last member handed out; bound to the list, a cursor of another
segment, day, stored version, channel or kind is refused (a 422 that says which differs)
instead of silently paging another audience.

The cursor is sealed with AES-SIV (RFC 5297, the ``cryptography`` package's ``AESSIV``)
under a key derived from the server's privacy key
(:meth:`segmint.mart.privacy.PrivacyKey.derive`):

- *encrypted*, so that a URL in a proxy's log does not show the id it holds;
- *authenticated*, so that an altered or forged cursor is refused (the synthetic IV is the
  tag, checked on decryption); deterministic, as SIV is without a nonce, which a cursor
  wants: the same page of the same list gives the same cursor;
- *tied to the key*: a short tag of the key leads the cursor, so that a cursor made before
  the privacy key changed is refused with a message saying so (start again from page one).

A cursor says nothing but its length; anyone with the privacy key could read the id in it,
so it is still personal data (see docs/privacy.md).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
from dataclasses import dataclass
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from fastapi.exceptions import RequestValidationError

from segmint.api.params import has_control
from segmint.mart.privacy.keys import PrivacyKey, privacy_key

CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
"""What a cursor is made of: base64url without padding."""

MAX_CURSOR = 3000
"""Longest cursor accepted: a key of about 2,000 bytes (ids are far shorter) and the list."""

FORMAT = b"\x01"
"""First byte of a cursor: the layout below (a later one can be told apart)."""
KEY_TAG = 4
"""Bytes of the privacy key's tag in a cursor."""
SIV = 16
"""Bytes of AES-SIV's synthetic IV (the authentication tag) before the ciphertext."""
HEADER = len(FORMAT) + KEY_TAG + SIV

NOT_OURS = (
    "not a cursor this endpoint handed out: pass the next_cursor of the previous page "
    "unchanged, or leave it out for the first page"
)


@dataclass(frozen=True)
class PageOf:
    """The list a cursor pages: an audience, exactly as its first page was read.

    Attributes:
        segmentation, segment: the names in the path.
        day: the date of the segments read (the answer's ``as_of``).
        version: the segmentation's stored version read for that day.
        channel: the contact channel, in lower case.
        pseudonymise: ids are keyed pseudonyms (the cursor then holds one).
    """

    segmentation: str
    segment: str
    day: dt.date
    version: int
    channel: str
    pseudonymise: bool


def encode_cursor(after: str, of: PageOf, key: PrivacyKey | str | None = None) -> str:
    """The cursor of the page of ``of`` that starts after the key ``after``, sealed under
    ``key`` (default ``SEGMINT_PRIVACY_KEY``).

    Raises:
        PrivacyKeyError: no key given and ``SEGMINT_PRIVACY_KEY`` is unset.
    """
    resolved = privacy_key(key)
    payload = json.dumps(
        [after, _audience(resolved, of), of.day.isoformat(), of.version, of.channel],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    payload = (b"p" if of.pseudonymise else b"i") + payload
    sealed = FORMAT + _key_tag(resolved) + _cipher(resolved).encrypt(payload, None)
    return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def decode_cursor(
    cursor: str, of: PageOf, name: str = "cursor", key: PrivacyKey | str | None = None
) -> str:
    """The key a page of ``of`` starts after, from a cursor :func:`encode_cursor` made.

    Raises:
        RequestValidationError: a 422 naming the query parameter ``name`` when ``cursor``
            was not made by :func:`encode_cursor` (or was altered), was made under another
            privacy key, or pages another list than ``of``; the message says which.
        PrivacyKeyError: no key given and ``SEGMINT_PRIVACY_KEY`` is unset.
    """
    resolved = privacy_key(key)
    sealed = _unbase64(cursor)
    if len(sealed) <= HEADER or sealed[:1] != FORMAT:
        _refuse(name, cursor, NOT_OURS)
    if not hmac.compare_digest(sealed[1 : 1 + KEY_TAG], _key_tag(resolved)):
        _refuse(
            name,
            cursor,
            "this cursor was made under another privacy key (the server's key changed since "
            "the page that gave it): start again from the first page, without cursor",
        )
    try:
        payload = _cipher(resolved).decrypt(sealed[1 + KEY_TAG :], None)
    except InvalidTag:
        _refuse(name, cursor, NOT_OURS)
    unpacked = _unpack(payload)
    if unpacked is None or has_control(unpacked[0]):  # sealed here: only with a leaked key
        _refuse(name, cursor, NOT_OURS)
    after, made_for = unpacked
    differences = _differences(made_for, of, _audience(resolved, of))
    if differences:
        _refuse(
            name,
            cursor,
            f"this cursor pages another list: {'; '.join(differences)}. Ask the next page "
            "as its next link does (same path, as_of, channel and pseudonymise), or start "
            "again from the first page, without cursor",
        )
    return after


def _unbase64(cursor: str) -> bytes:
    """The bytes of a cursor; empty when it is no base64url or not as :func:`encode_cursor`
    spells it (the unused bits of its last character set: the same bytes, another text)."""
    try:
        sealed = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
    except (binascii.Error, UnicodeError, ValueError):
        return b""
    canonical = base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=") == cursor
    return sealed if canonical else b""


def _unpack(payload: bytes) -> tuple[str, tuple[bool, str, str, int, str]] | None:
    """The key and the list of an authentic payload (None when it is not one)."""
    try:
        after, audience, day, version, channel = json.loads(payload[1:].decode())
        return str(after), (
            payload[:1] == b"p",
            str(audience),
            str(day),
            int(version),
            str(channel),
        )
    except (ValueError, TypeError):
        return None


def _differences(made_for: tuple[bool, str, str, int, str], of: PageOf, audience: str) -> list[str]:
    """What the list a cursor was made for has that ``of`` has not, in words."""
    pseudonymised, named, day, version, channel = made_for
    found = []
    if pseudonymised != of.pseudonymise:
        asked = "pseudonymise=true" if pseudonymised else "pseudonymise=false"
        found.append(f"it pages a list asked with {asked}")
    if named != audience:
        found.append(f"it pages another segment than {of.segmentation}/{of.segment}")
    if day != of.day.isoformat():
        found.append(f"it pages the segments as of {day}, not {of.day.isoformat()}")
    elif version != of.version:
        found.append(
            f"the segmentation's results as of {day} were stored again since its first page"
        )
    if channel != of.channel:
        found.append(f"it pages the audience for {channel}, not {of.channel}")
    return found


def _audience(key: PrivacyKey, of: PageOf) -> str:
    """A keyed digest of the segmentation and segment (their names can be long)."""
    return key.digest("cursor/audience", json.dumps([of.segmentation, of.segment]))[:24]


def _key_tag(key: PrivacyKey) -> bytes:
    """A few bytes that tell this key from another, revealing nothing of it."""
    return bytes.fromhex(key.digest("cursor/key-tag", "segmint"))[:KEY_TAG]


def _cipher(key: PrivacyKey) -> AESSIV:
    """AES-256-SIV under two keys derived for cursors (its key is 512 bits)."""
    return AESSIV(key.derive("cursor/siv-mac") + key.derive("cursor/siv-enc"))


def _refuse(name: str, cursor: str, message: str) -> NoReturn:
    raise RequestValidationError(
        [{"type": "value_error", "loc": ("query", name), "msg": message, "input": cursor}]
    )
