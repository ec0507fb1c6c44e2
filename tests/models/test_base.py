"""Row compression and the count/age indexes the likelihoods gather from."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from segmint.models import _distinct
from segmint.models._base import Histories, compress_rows, distinct_pairs


@pytest.fixture(scope="module")
def customers() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """5,000 customers with few distinct histories, some with zero weight."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 8, 5000).astype(float)
    T = rng.integers(1, 30, x.size) / 7.0
    t_x = np.where(x > 0, np.floor(rng.uniform(0, 1, x.size) * T * 7) / 7, 0.0)
    weights = rng.choice([0.0, 1.0, 2.5], x.size)
    return x, t_x, T, weights


def test_merging_customers_sums_the_weights_of_identical_rows_in_order_of_appearance(
    customers: tuple[np.ndarray, ...],
) -> None:
    x, t_x, T, weights = customers
    totals: dict[tuple[float, float, float], float] = {}
    for row, weight in zip(zip(x, t_x, T, strict=True), weights, strict=True):
        totals[row] = totals.get(row, 0.0) + weight
    expected = [(row, total) for row, total in totals.items() if total > 0]
    merged = Histories.of_customers(x, t_x, T, weights)
    assert list(zip(merged.x, merged.t_x, merged.T, strict=True)) == [row for row, _ in expected]
    np.testing.assert_allclose(merged.weights, [total for _, total in expected], rtol=1e-15)
    (cx, ct_x, cT), cw = compress_rows(x, t_x, T, weights=weights)
    for ours, plain in ((merged.x, cx), (merged.t_x, ct_x), (merged.T, cT), (merged.weights, cw)):
        np.testing.assert_array_equal(ours, plain)


@pytest.mark.parametrize(
    "ages", ["weeks from days", "continuous", "T in days, recency in half days"]
)
def test_merging_is_the_same_without_the_whole_number_fast_path(
    ages: str, customers: tuple[np.ndarray, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    x, t_x, T, weights = customers
    if ages == "continuous":
        T = T + np.random.default_rng(3).uniform(0, 0.01, T.size)
    if ages == "T in days, recency in half days":
        T = np.ceil(T * 7)
        t_x = np.minimum(np.floor(t_x * 7 * 2 + (x > 0)) / 2, T)
    fast = Histories.of_customers(x, t_x, T, weights)
    monkeypatch.setattr(_distinct, "_denominator", lambda values: None)
    general = Histories.of_customers(x, t_x, T, weights)
    for field in fields(Histories):
        np.testing.assert_array_equal(getattr(fast, field.name), getattr(general, field.name))


@pytest.mark.parametrize("build", ["of", "of_customers"])
def test_indexes_point_back_at_each_rows_values(
    build: str, customers: tuple[np.ndarray, ...]
) -> None:
    data = getattr(Histories, build)(*customers)
    np.testing.assert_array_equal(data.counts[data.count_index], data.x)
    np.testing.assert_array_equal(data.ages[data.T_index], data.T)
    np.testing.assert_array_equal(data.ages[data.t_x_index], data.t_x)
    for k, total in zip(data.counts, data.count_weights, strict=True):
        assert total == pytest.approx(data.weights[data.x == k].sum())
    pair_x, pair_age, T_pair, t_x_pair = data.count_age_pairs
    assert len(set(zip(pair_x, pair_age, strict=True))) == pair_x.size
    np.testing.assert_array_equal(pair_x[T_pair], data.x)
    np.testing.assert_array_equal(pair_age[T_pair], data.T)
    np.testing.assert_array_equal(pair_x[t_x_pair], data.x)
    np.testing.assert_array_equal(pair_age[t_x_pair], data.t_x)


def test_distinct_pairs_are_distinct_and_gather_back(customers: tuple[np.ndarray, ...]) -> None:
    x, _, T, _ = customers
    first, second, index = distinct_pairs(x, T)
    assert len(set(zip(first, second, strict=True))) == first.size
    assert first.size == len(set(zip(x, T, strict=True)))
    np.testing.assert_array_equal(first[index], x)
    np.testing.assert_array_equal(second[index], T)


def test_no_weights_count_every_customer_once(customers: tuple[np.ndarray, ...]) -> None:
    x, t_x, T, _ = customers
    unweighted = Histories.of_customers(x, t_x, T, None)
    ones = Histories.of_customers(x, t_x, T, np.ones(x.size))
    for field in fields(Histories):
        np.testing.assert_array_equal(getattr(unweighted, field.name), getattr(ones, field.name))
    assert unweighted.weights.dtype == np.float64 and unweighted.weights.sum() == x.size
