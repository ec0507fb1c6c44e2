"""Vectorised column helpers of the synthetic retailer, against loops written out."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.mart.schema import TABLES
from segmint.synth.columns import (
    build_table,
    categorical,
    categorical_by_row,
    dates,
    format_ids,
    id_width,
    json_objects,
    mart_schema,
    pick,
    segments,
    timestamps,
)


@given(
    numbers=st.lists(st.integers(0, 99_999_999), max_size=20),
    prefix=st.sampled_from(["", "C", "ORD-"]),
)
def test_format_ids_equals_string_formatting(numbers: list[int], prefix: str) -> None:
    formatted = format_ids(prefix, np.array(numbers, dtype=np.int64), 8).to_pylist()
    assert formatted == [f"{prefix}{n:08d}" for n in numbers]


def test_format_ids_of_nothing() -> None:
    assert format_ids("C", np.array([], dtype=np.int64), 5).to_pylist() == []


@pytest.mark.parametrize(
    ("count", "minimum", "width"), [(0, 3, 3), (1, 1, 1), (999, 2, 3), (1000, 2, 4), (5, 7, 7)]
)
def test_id_width(count: int, minimum: int, width: int) -> None:
    assert id_width(count, minimum) == width


def test_pick_with_negative_index_as_null() -> None:
    assert pick(["a", "b"], np.array([1, 0, -1, 1])).to_pylist() == ["b", "a", None, "b"]
    assert pick(["a", "b"], np.array([0, 1])).null_count == 0


def test_timestamps_truncate_to_the_second_and_dates_to_the_day() -> None:
    start_day = (dt.date(2024, 1, 1) - dt.date(1970, 1, 1)).days
    days = np.array([0.0, 0.5, 1.999999, 31.25])
    stamps = timestamps(start_day * 86_400_000_000, days).to_pylist()
    assert stamps == [
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 1, 12),
        dt.datetime(2024, 1, 2, 23, 59, 59),
        dt.datetime(2024, 2, 1, 6),
    ]
    assert dates(start_day, days).to_pylist() == [
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 2),
        dt.date(2024, 2, 1),
    ]


def test_categorical_one_distribution_follows_its_shares() -> None:
    rng = np.random.default_rng(1)
    drawn = categorical(rng, np.array([0.2, 0.0, 0.8]), 20_000)
    counts = np.bincount(drawn, minlength=3) / 20_000
    assert counts[1] == 0
    assert counts == pytest.approx([0.2, 0.0, 0.8], abs=0.02)


def test_categorical_rows_need_not_sum_to_one() -> None:
    rng = np.random.default_rng(2)
    probs = np.array([[0.0, 5.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.3]])
    for _ in range(50):
        assert list(categorical(rng, probs)) == [1, 0, 2]


def test_categorical_by_row_uses_each_elements_row() -> None:
    rng = np.random.default_rng(3)
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    rows = np.array([2, 0, 1, 1, 2, 0])
    assert list(categorical_by_row(rng, probs, rows)) == [1, 0, 2, 2, 1, 0]
    mixed = np.array([[0.25, 0.75]])
    drawn = categorical_by_row(rng, mixed, np.zeros(20_000, dtype=np.int64))
    assert drawn.mean() == pytest.approx(0.75, abs=0.02)


def test_segments_give_group_and_position() -> None:
    owner, position = segments(np.array([2, 0, 3]))
    assert list(owner) == [0, 0, 2, 2, 2]
    assert list(position) == [0, 1, 0, 1, 2]


def test_json_objects_are_valid_json() -> None:
    objects = json_objects("n", pa.array(["1", '"x"', "null"])).to_pylist()
    assert [json.loads(o) for o in objects] == [{"n": 1}, {"n": "x"}, {"n": None}]


def test_mart_schema_and_build_table_follow_the_mart() -> None:
    schema = mart_schema("orders")
    assert schema.names == TABLES["orders"].column_names
    assert "ingest_id" not in schema.names
    columns = {name: pa.nulls(2) for name in schema.names} | {
        "order_id": np.array(["o1", "o2"]),
    }
    table = build_table("orders", columns)
    assert table.schema == schema
    assert table.column("order_id").to_pylist() == ["o1", "o2"]


def test_build_table_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="order_id"):
        build_table("orders", {})
