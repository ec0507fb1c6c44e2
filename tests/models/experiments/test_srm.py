"""Sample-ratio mismatch: silent on a fair split, loud on a broken one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import ModelInputError
from segmint.models.experiments import assign_groups, sample_ratio_check


def test_hillstrom_three_arms_match_equal_shares(hillstrom: pd.DataFrame) -> None:
    counts = hillstrom["segment"].value_counts().to_numpy()
    check = sample_ratio_check(counts, [1, 1, 1])
    assert check.p_value == pytest.approx(0.904, abs=0.001)
    assert not check.mismatch


def test_a_fair_assignment_passes() -> None:
    ids = [f"C{i:06d}" for i in range(20_000)]
    control = assign_groups(ids, 0.1, random_state=3)
    check = sample_ratio_check([int((~control).sum()), int(control.sum())], [0.9, 0.1])
    assert not check.mismatch and check.p_value > 0.5


def test_a_broken_split_is_flagged() -> None:
    rng = np.random.default_rng(0)
    control = rng.random(50_000) < 0.5
    lost = control & (rng.random(50_000) < 0.05)  # an export dropped 5 % of the controls
    counts = [int((~control).sum()), int((control & ~lost).sum())]
    check = sample_ratio_check(counts, [0.5, 0.5])
    assert check.mismatch and check.p_value < 0.001
    assert check.expected[0] == pytest.approx(sum(counts) / 2)


@pytest.mark.parametrize(
    ("counts", "shares", "message"),
    [
        ([10], [1.0], "one count and one planned share per group"),
        ([10, 5], [0.5], "one count and one planned share per group"),
        ([10, -1], [0.5, 0.5], "non-negative"),
        ([10, 5], [1.0, 0.0], "planned shares must be positive"),
    ],
)
def test_bad_inputs_are_explained(counts: list[int], shares: list[float], message: str) -> None:
    with pytest.raises(ModelInputError, match=message):
        sample_ratio_check(counts, shares)
