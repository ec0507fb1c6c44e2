"""Columns held small give the same values back, also when merged from parts held apart."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from segmint.serving import compact_columns
from segmint.serving.compact_columns import SAMPLE, compact, few_values, merged, narrowest


def test_whole_numbers_take_the_narrowest_type() -> None:
    assert narrowest(-128, 127) == pa.int8()
    assert narrowest(0, 128) == pa.int16()
    assert narrowest(-40_000, 0) == pa.int32()
    assert narrowest(0, 2**31) == pa.int64()


def test_a_column_read_as_a_dictionary_keeps_it_with_small_indices() -> None:
    read = pa.chunked_array([pc.dictionary_encode(pa.array(["x", "y", None, "x"]))])
    held = compact(read)
    assert held.type == pa.dictionary(pa.int8(), pa.string())
    assert held.to_pylist() == ["x", "y", None, "x"]


@pytest.mark.parametrize(
    "pieces",
    [
        # dictionaries with different values and index widths
        [pa.array(["a", "b"] * 10), pa.array([f"v{i % 200}" for i in range(1000)])],
        # one piece encoded, the other plain
        [pa.array(["a", "b"] * 10), pa.array([f"v{i}" for i in range(10)])],
        # whole numbers narrowed apart (int8 and int32)
        [pa.array(list(range(100)), pa.int64()), pa.array([10**6, -(10**6)], pa.int64())],
        # dates, one part empty, nulls
        [
            pa.array([dt.date(2025, 1, 1 + i % 3) for i in range(30)]),
            pa.array([], pa.date32()),
            pa.array([None, dt.date(2024, 2, 29)] * 20),
        ],
    ],
)
def test_pieces_merged_give_every_value_in_order(pieces: list[pa.Array]) -> None:
    compacted = [compact(pa.chunked_array([piece])) for piece in pieces]
    result = merged(compacted)
    expected = [value for piece in pieces for value in piece.to_pylist()]
    assert [result[i].as_py() for i in range(len(result))] == expected
    backwards = list(range(len(expected)))[::-1][::2]  # every other row, last first
    picked = merged(compacted, pa.array(backwards))
    assert [picked[i].as_py() for i in range(len(picked))] == [expected[i] for i in backwards]


def test_a_column_whose_first_rows_are_mostly_distinct_is_kept_plain() -> None:
    # the first SAMPLE rows all differ: not counted further, even though the whole column
    # would have few enough values; the rows come back the same
    distinct = [f"id{i}" for i in range(SAMPLE)]
    column = pa.chunked_array([pa.array(distinct + ["x"] * (4 * SAMPLE))])
    assert few_values(column.combine_chunks()) is False
    held = compact(column)
    assert held.type == pa.string()
    assert held.to_pylist() == column.to_pylist()


def test_few_values_are_counted_over_the_whole_column() -> None:
    # the first rows repeat, the rest all differ: the whole column decides
    column = pa.array(["x"] * SAMPLE + [f"id{i}" for i in range(2 * SAMPLE)])
    assert few_values(column) is False
    assert few_values(pa.array(["x", "y"] * SAMPLE)) is True


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=60), st.booleans())
@example([0, 0, 0, 0, 1, 2, 3, 4, 5] + [0] * 21, False)  # as many values as the limit: few
def test_counting_a_longer_start_first_decides_as_the_whole_column(
    values: list[int], text: bool
) -> None:
    # small sizes stand in for the real ones: the early answer must be the whole's answer
    array = pa.array([str(v) for v in values] if text else values)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compact_columns, "SAMPLE", 4)
        patch.setattr(compact_columns, "LONGER", 16)
        patch.setattr(compact_columns, "DICTIONARY_MOST", 6)
        found = few_values(array)
    limit = int(0.5 * len(values)) if text else min(6, int(0.5 * len(values)))
    seen = len(set(values[:4]))
    expected = not (seen > limit or seen > 0.5 * len(values[:4])) and len(set(values)) <= limit
    assert found is expected
