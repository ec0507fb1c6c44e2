"""Benjamini–Hochberg adjusted p-values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from segmint.exceptions import ModelInputError
from segmint.models.experiments import benjamini_hochberg


def test_matches_scipy_in_the_original_order() -> None:
    p = np.random.default_rng(1).uniform(0, 0.2, 40)
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p, method="bh"))


def test_worked_example() -> None:
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    assert q == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def test_controls_false_discoveries_among_null_segments() -> None:
    rng = np.random.default_rng(7)
    raw_hits = adjusted_hits = 0
    for _ in range(500):
        p = rng.uniform(size=20)  # twenty segments, no real lift in any
        raw_hits += bool((p < 0.05).any())
        adjusted_hits += bool((benjamini_hochberg(p) < 0.05).any())
    assert raw_hits / 500 > 0.5
    assert adjusted_hits / 500 < 0.08


def test_empty_and_bad_input() -> None:
    assert benjamini_hochberg([]).size == 0
    with pytest.raises(ModelInputError, match="p-values must lie in"):
        benjamini_hochberg([0.2, 1.5])
