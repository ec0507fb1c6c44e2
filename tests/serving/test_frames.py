"""Engine values made JSON-ready without pandas give what the pandas route gives."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from segmint.serving.frames import json_value, records, row_records


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_floats_match_records(values: list[float]) -> None:
    expected = [r["v"] for r in records(pd.DataFrame({"v": values}, dtype="float64"))]
    got = [json_value(v) for v in values]
    assert [repr(g) for g in got] == [repr(e) for e in expected]


@given(
    st.lists(
        st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
        min_size=1,
        max_size=30,
    )
)
def test_timestamps_match_records(values: list[dt.datetime]) -> None:
    expected = [r["v"] for r in records(pd.DataFrame({"v": values}))]
    assert [json_value(v) for v in values] == expected


def test_midnight_is_a_date_and_other_values_pass_through() -> None:
    assert json_value(dt.datetime(2024, 6, 30)) == "2024-06-30"
    assert json_value(dt.datetime(2024, 6, 30, 0, 0, 0, 999)) == "2024-06-30"
    assert json_value(dt.datetime(2024, 6, 30, 0, 0, 0, 1000)) == "2024-06-30T00:00:00.001"
    assert json_value(dt.date(2024, 6, 30)) == "2024-06-30"
    assert json_value(math.nan) is None and json_value(-math.inf) is None
    assert [json_value(v) for v in (None, True, 7, "C01")] == [None, True, 7, "C01"]


def test_rows_keep_column_order_and_drop_what_is_asked() -> None:
    rows = [(1, "a", 0.5), (2, None, None)]
    got = row_records(["n", "ingest_id", "x"], rows, ("ingest_id",))
    assert got == [{"n": 1, "x": 0.5}, {"n": 2, "x": None}]
    assert list(got[0]) == ["n", "x"]
