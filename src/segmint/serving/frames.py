"""Small helpers turning engine results into JSON-ready Python values."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pandas as pd

MIDNIGHT = "T00:00:00.000"


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame`` as a list of JSON-ready dicts: missing values as None, dates as ISO text
    (``2024-06-30`` for a date at midnight, else the full timestamp)."""
    parsed: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    for row in parsed:
        for key, value in row.items():
            if isinstance(value, str) and value.endswith(MIDNIGHT) and len(value) == 23:
                row[key] = value[:10]
    return parsed


def scalar(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing or not a number."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def as_date(value: Any) -> dt.date:
    """A date from a pandas, numpy or datetime value."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


EXPONENT_ABOVE = 1e16
EXPONENT_BELOW = 1e-15


def json_value(value: Any) -> Any:
    """One engine value as :func:`records` gives it, without building a pandas frame.

    Floats keep 10 decimals (10 significant digits in exponent form beyond 1e16 or below
    1e-15), missing and infinite numbers become None, a timestamp becomes ISO text to the
    millisecond (the date alone at midnight), a date its ISO text: what ``to_json`` writes.
    """
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if value == 0.0:
            return 0.0
        size = abs(value)
        if size >= EXPONENT_ABOVE or size < EXPONENT_BELOW:
            return float(f"{value:.9e}")
        return round(value, 10)
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        utc = value.astimezone(dt.UTC).replace(tzinfo=None)
        return f"{utc.isoformat(timespec='milliseconds')}Z"
    text = value.isoformat(timespec="milliseconds")
    return text[:10] if text.endswith(MIDNIGHT) else text


def row_records(
    columns: list[str], rows: list[tuple[Any, ...]], drop: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Engine rows as :func:`records` gives them, leaving out the columns in ``drop``."""
    kept = [(i, name) for i, name in enumerate(columns) if name not in drop]
    return [{name: json_value(row[i]) for i, name in kept} for row in rows]
