"""Column names that come from a file, checked before any of them reaches the engine.

A file's header names and JSON keys are chosen by whoever wrote the file, so they are
hostile input like any value. segmint never writes them into SQL text: they reach the
engine only as identifiers that Ibis quotes, or as data. This module refuses the names
that cannot be a column of the mart at all — empty ones, control characters (NUL, line
breaks, tabs), names over :data:`MAX_LENGTH` characters, names segmint uses for its own
bookkeeping, and two names that differ only in case (the engine's names ignore case) —
with a message that names the column and says what to do.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from segmint.exceptions import InputError

MAX_LENGTH = 255
"""Longest column name accepted, in characters."""

RESERVED = frozenset({"_row", "_reason", "file_row_number"})
"""Names segmint (or the engine's Parquet reader) gives its own columns during a load."""

RESERVED_PREFIX = "_segmint"

_CONTROL = frozenset({"Cc", "Cs"})


def refusal(name: str) -> str | None:
    """Why ``name`` cannot be a column of the mart, or None when it can."""
    if not name.strip():
        return "is empty"
    if len(name) > MAX_LENGTH:
        return f"is {len(name):,} characters long (at most {MAX_LENGTH})"
    control = sorted({c for c in name if unicodedata.category(c) in _CONTROL})
    if control:
        codes = ", ".join(f"U+{ord(c):04X}" for c in control)
        return f"contains control characters ({codes})"
    if name.lower() in RESERVED or name.lower().startswith(RESERVED_PREFIX):
        return "is a name segmint uses for its own bookkeeping"
    return None


def shown(name: str, limit: int = 60) -> str:
    """``name`` as a message shows it: quoted, escaped, at most about ``limit`` characters."""
    text = repr(name[:limit])
    return text + f"… ({len(name):,} characters)" if len(name) > limit else text


def check_names(names: Iterable[str], source: str, what: str = "column") -> None:
    """Raise :class:`InputError` when any of ``names`` cannot be a column of the mart.

    Args:
        names: the file's column names (or JSON keys).
        source: the file, named in the message.
        what: "column" or "key", as the file calls them.
    """
    seen: dict[str, str] = {}
    for name in names:
        reason = refusal(name)
        if reason is not None:
            raise InputError(
                f"{source}: the {what} {shown(name)} {reason}, so it cannot be a column of the "
                f"mart. Rename it in the file (or remove it) and load again."
            )
        other = seen.setdefault(name.lower(), name)
        if other != name:
            raise InputError(
                f"{source}: the {what}s {shown(other)} and {shown(name)} differ only in case, "
                f"and column names ignore case. Rename one of them and load again."
            )


def first_refusals(names: Iterable[str]) -> dict[str, str]:
    """For every name of ``names`` that cannot be a column: the reason, as a message says it."""
    return {n: f"{shown(n)} {r}" for n in names if (r := refusal(n)) is not None}
