"""``Content-Disposition`` for downloads whose file name holds names from the mart.

Segment and segmentation names come from users' files: they may be Vietnamese, hold an
emoji, a quote, a semicolon or a line break. Written into the header as they are, a
non-Latin-1 character fails the response (HTTP headers are Latin-1), a quote and a semicolon
add parameters of the attacker's choosing (``filename*=UTF-8''evil.html``), and a line
break ends the header. RFC 6266 (with RFC 8187's encoding) gives the exact name as
``filename*=UTF-8''<percent-encoded>`` and a plain ASCII ``filename="…"`` for older clients.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

FALLBACK_NAME = "download"
MAX_NAME = 150
"""Characters kept of a file name (long names are cut before the extension)."""

_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\]+")
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """``name`` without control characters, path separators or surrounding dots and spaces,
    cut to :data:`MAX_NAME` characters (keeping the extension)."""
    cleaned = _UNSAFE_IN_NAME.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    if len(cleaned) > MAX_NAME:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            cleaned = f"{stem[: MAX_NAME - len(extension) - 1]}.{extension}"
        else:
            cleaned = cleaned[:MAX_NAME]
    return cleaned or FALLBACK_NAME


def ascii_filename(name: str) -> str:
    """The plain-ASCII fallback of ``name``: accents dropped (é → e), anything else that is
    not a letter, digit, dot, dash or underscore replaced by ``_``; the extension kept."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    plain_stem = _plain(stem) or FALLBACK_NAME
    plain_extension = _plain(extension)
    return f"{plain_stem}.{plain_extension}" if plain_extension else plain_stem


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_PLAIN.sub("_", decomposed).strip("._")


def attachment(name: str) -> str:
    """A ``Content-Disposition`` value offering ``name`` as the file name of a download.

    Example:
        >>> attachment("rfm-Khách hàng-2024-06-30.csv")
        'attachment; filename="rfm-Khach_hang-2024-06-30.csv"; filename*=UTF-8\\'\\'rfm-Kh%C3%A1ch%20h%C3%A0ng-2024-06-30.csv'
    """
    exact = safe_filename(name)
    return (
        f'attachment; filename="{ascii_filename(exact)}"; '
        f"filename*=UTF-8''{quote(exact, safe='')}"
    )
