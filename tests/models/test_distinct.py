"""Distinct values and rows: the whole-number fast path gives exactly what hashing floats gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.models import _distinct
from segmint.models._distinct import (
    _packed_whole_numbers,
    _whole_number_keys,
    distinct_rows,
    distinct_values,
)

RNG = np.random.default_rng(11)
DAYS = RNG.integers(0, 730, 4000).astype(float)

WHOLE = {
    "counts": RNG.integers(0, 40, 4000).astype(float),
    "days": DAYS,
    "weeks from days": DAYS / 7,
    "hours from minutes": RNG.integers(0, 5000, 4000) / 60,
    "one value": np.full(50, 3.0),
}
NOT_WHOLE = {
    "continuous": RNG.uniform(0, 100, 4000),
    "weeks with one odd value": np.append(DAYS / 7, 1 / 3),
    "weeks computed by multiplying": DAYS * (1 / 7),  # k * (1/7) is not always k / 7
    "beyond the lookup span": np.append(DAYS, 5e6),
}


def _first_appearance_rows(*columns: np.ndarray) -> tuple[np.ndarray, list[tuple[float, ...]]]:
    """Reference: each row's index into its distinct rows, numbered by first appearance."""
    seen: dict[tuple[float, ...], int] = {}
    index = [seen.setdefault(row, len(seen)) for row in zip(*columns, strict=True)]
    return np.array(index), list(seen)


@pytest.mark.parametrize("name", list(WHOLE))
def test_whole_multiples_of_a_small_fraction_get_exact_keys(name: str) -> None:
    values = WHOLE[name]
    keys, denominator = _whole_number_keys(values)
    assert keys is not None
    np.testing.assert_array_equal(keys / denominator, values)


def test_weeks_from_days_are_keyed_by_days() -> None:
    keys, denominator = _whole_number_keys(WHOLE["weeks from days"])
    assert denominator == 7.0 and keys is not None
    np.testing.assert_array_equal(keys, DAYS)


@pytest.mark.parametrize("name", list(NOT_WHOLE))
def test_other_values_get_no_keys(name: str) -> None:
    keys, _ = _whole_number_keys(NOT_WHOLE[name])
    assert keys is None


@pytest.mark.parametrize("name", [*WHOLE, *NOT_WHOLE])
def test_distinct_values_equal_pandas_factorize(name: str) -> None:
    values = {**WHOLE, **NOT_WHOLE}[name]
    codes, levels = distinct_values(values)
    expected_codes, expected_levels = pd.factorize(values)
    np.testing.assert_array_equal(codes, expected_codes)
    np.testing.assert_array_equal(levels, expected_levels)
    assert levels.dtype == np.float64


def test_distinct_values_of_nothing_are_empty() -> None:
    codes, levels = distinct_values(np.array([]))
    assert codes.size == 0 and levels.size == 0


@pytest.mark.parametrize(
    "columns",
    [
        ("counts", "days", "weeks from days"),
        ("counts", "continuous", "weeks from days"),
        ("continuous", "weeks with one odd value", "counts"),
    ],
)
def test_distinct_rows_are_the_rows_in_order_of_first_appearance(
    columns: tuple[str, ...],
) -> None:
    # few distinct values per column, so rows repeat
    arrays = [{**WHOLE, **NOT_WHOLE}[name][:4000][RNG.integers(0, 60, 4000)] for name in columns]
    row, distinct = distinct_rows(*arrays)
    expected_row, expected_rows = _first_appearance_rows(*arrays)
    np.testing.assert_array_equal(row, expected_row)
    assert list(zip(*distinct, strict=True)) == expected_rows


def test_rows_too_wide_for_one_integer_are_packed_in_steps() -> None:
    # ten columns of 200 distinct non-whole values: 200^10 codes overflow 64 bits
    arrays = [RNG.integers(0, 200, 3000) + 0.5 for _ in range(10)]
    arrays[0][1500:] = arrays[0][:1500]  # repeat half the rows
    for array in arrays[1:]:
        array[1500:] = array[:1500]
    row, distinct = distinct_rows(*arrays)
    expected_row, expected_rows = _first_appearance_rows(*arrays)
    np.testing.assert_array_equal(row, expected_row)
    assert list(zip(*distinct, strict=True)) == expected_rows


@pytest.mark.parametrize("n_rows", [4000, 200_000])
def test_distinct_rows_are_the_same_without_the_fast_path(
    n_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(n_rows)
    days = rng.integers(0, 730, n_rows).astype(float)
    arrays = [rng.integers(0, 40, n_rows).astype(float), days / 7, np.floor(days / 3)]
    assert _packed_whole_numbers(tuple(arrays)) is not None
    fast_row, fast = distinct_rows(*arrays)
    monkeypatch.setattr(_distinct, "_denominator", lambda values: None)
    slow_row, slow = distinct_rows(*arrays)
    np.testing.assert_array_equal(fast_row, slow_row)
    for ours, general in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(ours, general)


def test_rows_are_packed_only_when_every_value_is_whole_and_they_fit_32_bits() -> None:
    rng = np.random.default_rng(5)
    counts, weeks = rng.integers(0, 40, 150_000).astype(float), rng.integers(0, 730, 150_000) / 7
    assert _packed_whole_numbers((counts, weeks)) is not None
    odd_in_the_last_chunk = weeks.copy()
    odd_in_the_last_chunk[-1] = 1 / 3
    assert _packed_whole_numbers((counts, odd_in_the_last_chunk)) is None
    wide = rng.integers(0, 3_000_000, 150_000).astype(float)  # 3e6 * 3e6 codes > 2^32
    assert _packed_whole_numbers((wide, wide)) is None
