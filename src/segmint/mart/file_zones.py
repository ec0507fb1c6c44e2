"""Timestamps with a time zone in a typed file, read as the clock time of their zone.

The mart's timestamps are the shop's clock time, without a zone (:doc:`data-model`): text
written with a UTC offset (``2025-03-01T23:30:00+01:00``) keeps its clock time and drops the
offset (:func:`segmint.mart.parsing.parse_timestamp`). A Parquet file holds instants instead:
a column of timestamps "adjusted to UTC", with the writer's zone in the Arrow schema kept
beside it (pandas and Arrow keep ``Europe/Paris``, Spark and others ``UTC`` or none). Read
as they are, those would land on the UTC clock, or on the clock of the machine loading them,
so an order placed at 00:30 in Paris would fall on the day before in one format and not in
the other. Each such column is turned into the clock time of its own zone; a column with no
zone recorded reads as UTC whatever the machine's zone.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from segmint.exceptions import InputError
from segmint.mart import sql_functions as fn
from segmint.mart.connection import Mart

_FIXED = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
"""A zone written as a fixed offset (``+05:30``), which Arrow allows and the engine does not
name."""


def zones(path: Path) -> dict[str, str]:
    """The time zone the Parquet file at ``path`` records for each of its columns of
    timestamps that have one (a column read with a zone but missing here reads as UTC)."""
    schema = pq.read_schema(path)
    return {
        field.name: str(field.type.tz)
        for field in schema
        if pa.types.is_timestamp(field.type) and field.type.tz
    }


def check_zone(mart: Mart, zone: str, path: Path, column: str) -> None:
    """Refuse a zone the engine cannot convert to before any row is read.

    Raises:
        InputError: ``zone`` is neither a fixed offset nor a zone name the engine knows.
    """
    if _FIXED.match(zone):
        return
    try:  # the zone is a bound value, never SQL text
        mart.raw.execute("SELECT timezone(?, TIMESTAMPTZ '2000-01-01 00:00:00+00')", [zone])
    except duckdb.Error:
        raise InputError(
            f"{path}: column {column!r} holds timestamps in the time zone {zone!r}, which is "
            "not a zone name segmint knows (such as Europe/Paris) nor an offset (+05:30); "
            "write the file with a zone name, or with UTC"
        ) from None


def clock_time(value: ibis.Value, zone: str) -> ibis.Value:
    """The clock time in ``zone`` (a name or a fixed offset) of the instants ``value``."""
    fixed = _FIXED.match(zone)
    if fixed is None:
        return fn.clock_in_zone(ibis.literal(zone), value)
    sign, hours, minutes = fixed.groups()
    offset = (int(hours) * 60 + int(minutes)) * (-1 if sign == "-" else 1)
    utc: ibis.TimestampValue = fn.clock_in_zone(ibis.literal("UTC"), value)
    return utc + ibis.interval(minutes=offset)
