"""What to do about dates a load could not read: the ``--date-format`` flags that read them.

A value of a date or timestamp column that neither ISO form nor the formats in effect
(given, a preset's or guessed) read is quarantined, its reason naming the value:
``order_ts: cannot read '03/14/2024' as a timestamp``. For each such column the load adds
one note with the flags to load it again: the formats already in effect and the one that
reads the most of those values among the formats the guess knows
(:data:`segmint.mart.guess.DATE_FORMATS`), e.g. ``--date-format '%m/%d/%Y'``. Values that
read both as day/month and as month/day get both flags to choose from; values no known
format reads get the flag with an example, unless that example is in effect already (then
the note says no known format reads them: a value such as 31.02.2024 is no date at all).
Epoch numbers and times with a zone's name, which no format flag reads, get advice of
their own instead of a flag.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import Any

import ibis

from segmint.mart import sql_functions as fn
from segmint.mart.guess import DATE_FORMATS

UNREAD = r"^([A-Za-z_][A-Za-z0-9_]*): cannot read '(.*)' as a (?:timestamp|date)$"
"""A quarantine reason for a date or timestamp value that was not read (column, value)."""

EXAMPLE_FORMAT = "%d.%m.%Y"
"""The format shown when no known format reads the values."""


def date_format_notes(quarantined: ibis.Table, in_effect: Sequence[str] = ()) -> list[str]:
    """One note per date or timestamp column with values quarantined as unreadable.

    Args:
        quarantined: the load's rejected rows (a ``reason`` column).
        in_effect: the date formats the load used (repeated in the flags suggested).
    """
    picked = quarantined.filter(quarantined.reason.re_search(UNREAD))
    unread = picked.select(
        column=picked.reason.re_extract(UNREAD, 1), value=picked.reason.re_extract(UNREAD, 2)
    )
    reads = {
        f"f{i}": fn.try_strptime(unread.value, ibis.literal([f])).count()
        for i, f in enumerate(DATE_FORMATS)
    }
    counts = unread.group_by("column").aggregate(
        n=unread.count(), example=unread.value.min(), **reads
    )
    rows: list[dict[str, Any]] = counts.order_by("column").execute().to_dict("records")
    return [_note(row, in_effect) for row in rows]


def _note(row: dict[str, Any], in_effect: Sequence[str]) -> str:
    """The note for one column's counts: values unread, an example, and the flags."""
    scored = {f: int(row[f"f{i}"]) for i, f in enumerate(DATE_FORMATS)}
    best = max(scored.values())
    top = [f for f, k in scored.items() if k == best] if best else []
    month_first = [f for f in top if f.startswith("%m")]
    day_first = [f for f in top if f.startswith("%d")]
    choices = [month_first[0], day_first[0]] if month_first and day_first else top[:1]
    n = int(row["n"])
    what, it, they = (
        ("value is not read as a date", "it", "it is")
        if n == 1
        else ("values are not read as dates", "them", "they are")
    )
    start = f"{row['column']}: {n:,} {what} (such as {row['example']!r})"
    special = _special_form(str(row["example"]), it) if not choices else None
    if special:  # no format flag reads these; an example flag would mislead
        return f"{start}; {special}"
    if not choices and EXAMPLE_FORMAT in in_effect:  # the example would change nothing
        return (
            f"{start}; no date format segmint knows reads {it}, {_flags(in_effect)} included "
            f"(not a calendar date?): correct {it} in the file, or load again with the "
            f"strftime format {they} written in"
        )
    if not choices:
        return (
            f"{start}; if {they} dates written another way, load again giving the strftime "
            f"format: {_flags([*in_effect, EXAMPLE_FORMAT])}"
        )
    flags = " or ".join(_flags([*in_effect, c]) for c in choices)
    return f"{start}; load again with {flags} to read {it} (ISO dates are read as well)"


EPOCH = re.compile(r"^\d{9,}(\.\d+)?$")
"""A count of seconds (or milli-, microseconds) since 1970, as web analytics tools export
times (``1734689700``, GA4's ``event_timestamp`` in microseconds)."""
ZONE_NAME = re.compile(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*[A-Za-z]{2,5}$")
"""A time followed by a time zone's name or abbreviation (``14:00:00 CET``)."""


def _special_form(example: str, it: str) -> str | None:
    """What to do about values no strftime format of a flag reads, by the form of
    ``example``: epoch numbers and times with a zone name; None for other values."""
    if EPOCH.match(example):
        return (
            "numbers such as seconds since 1970 are not read as times: "
            f"write {it} as dates and times (2024-12-20 10:15:00) in the export"
        )
    if ZONE_NAME.search(example) and not example.rstrip().upper().endswith(("UTC", "Z")):
        return (
            "a time zone's name after the time is not read: write the time with its UTC offset "
            "(14:00:00+01:00, the offset is dropped and the clock time kept) or without a zone"
        )
    return None


def _flags(formats: Sequence[str]) -> str:
    """``--date-format`` flags for ``formats``, each once, quoted for the shell."""
    return " ".join(f"--date-format {_quoted(f)}" for f in dict.fromkeys(formats))


def _quoted(text: str) -> str:
    """``text`` in single quotes, as the other date messages show formats (shell-quoted
    when it holds a quote itself)."""
    return shlex.quote(text) if "'" in text else f"'{text}'"
