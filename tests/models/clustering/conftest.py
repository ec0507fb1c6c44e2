"""Well-separated Gaussian blobs with known labels, the textbook case clustering must get right."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray


def make_blobs(
    n: int = 1200, centres: int = 4, dims: int = 3, spread: float = 0.5, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``n`` points around ``centres`` random centres 10 apart on average, and their labels."""
    rng = np.random.default_rng(seed)
    middles = rng.uniform(-10, 10, size=(centres, dims))
    labels = rng.integers(0, centres, size=n)
    return middles[labels] + rng.normal(0, spread, size=(n, dims)), labels


@pytest.fixture
def blobs() -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    return make_blobs()


@pytest.fixture
def blob_maker() -> Callable[..., tuple[NDArray[np.float64], NDArray[np.int64]]]:
    """:func:`make_blobs`, for tests that need other sizes or seeds."""
    return make_blobs
