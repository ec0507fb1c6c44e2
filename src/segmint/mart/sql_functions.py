"""Engine functions Ibis does not name, declared once as Ibis builtin UDFs.

Each is a DuckDB scalar function called by name; keeping them here keeps every other
module free of SQL strings.
"""

from __future__ import annotations

import datetime
import gzip
from pathlib import Path
from typing import IO

import ibis

# Ibis derives each function's signature from the annotations below; the bodies are unused.


@ibis.udf.scalar.builtin(name="try_strptime")
def try_strptime(value: str, formats: list[str]) -> datetime.datetime:
    """Parse text with the first matching strftime format; NULL when none matches."""


@ibis.udf.scalar.builtin(name="to_json")
def to_json(value) -> str:  # no annotation: Ibis reads it as "any type"
    """A value (usually a struct of a row's columns) as JSON text."""


@ibis.udf.scalar.builtin(name="json_valid")
def json_valid(value: str) -> bool:
    """True when the text is valid JSON."""


@ibis.udf.scalar.builtin(name="json_keys")
def json_keys(value: str) -> list[str]:
    """The keys of a JSON object."""


@ibis.udf.scalar.builtin(name="json_extract_string")
def json_extract_string(value: str, path: str) -> str:
    """The value at a JSON path, as text."""


@ibis.udf.scalar.builtin(name="timezone")
def clock_in_zone(zone: str, value: datetime.datetime) -> datetime.datetime:
    """The clock time in time zone ``zone`` (an IANA name) of an instant (a timestamp with a
    time zone)."""


@ibis.udf.scalar.builtin(name="regexp_split_to_array")
def _regexp_split(value: str, pattern: str) -> list[str]:
    """Split text on a regular expression."""


def split_whitespace(value: ibis.StringValue) -> ibis.ArrayValue:
    """Split text on runs of white space."""
    result: ibis.ArrayValue = _regexp_split(value, r"\s+")
    return result


def open_text(path: Path, encoding: str) -> IO[str]:
    """Open a possibly gzip-compressed text file for reading."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding=encoding, newline=None)
    return path.open(encoding=encoding, newline=None)
