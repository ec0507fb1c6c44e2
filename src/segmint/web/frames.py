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
