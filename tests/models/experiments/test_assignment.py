"""Deterministic stratified assignment from a sha256 prefix."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from segmint.exceptions import ModelInputError
from segmint.models.experiments import assign_groups, assignment_key, stratum_offset

IDS = [f"C{i:07d}" for i in range(5_000)]


def test_key_is_the_sha256_prefix_of_seed_and_id() -> None:
    expected = hashlib.sha256(b"42:C0000001").hexdigest()[:16]
    assert assignment_key(42, "C0000001") == expected
    assert 0.0 <= stratum_offset(42, "Champions") < 1.0


def test_the_same_seed_reproduces_the_split_and_another_seed_does_not() -> None:
    first = assign_groups(IDS, 0.2, random_state=1)
    assert np.array_equal(first, assign_groups(IDS, 0.2, random_state=1))
    assert not np.array_equal(first, assign_groups(IDS, 0.2, random_state=2))


def test_a_customer_keeps_its_group_when_the_input_order_changes() -> None:
    shuffled = list(np.random.default_rng(0).permutation(IDS))
    by_id = dict(zip(IDS, assign_groups(IDS, 0.3, random_state=5), strict=True))
    again = dict(zip(shuffled, assign_groups(shuffled, 0.3, random_state=5), strict=True))
    assert by_id == again


def test_every_stratum_holds_out_its_share_within_one() -> None:
    strata = [f"S{i % 37}" for i in range(len(IDS))]
    control = assign_groups(IDS, 0.15, random_state=9, strata=strata)
    labels = np.array(strata)
    for stratum in set(strata):
        members = labels == stratum
        assert abs(control[members].sum() - 0.15 * members.sum()) < 1.0


def test_tiny_strata_still_hold_out_the_planned_share_overall() -> None:
    strata = [str(i // 2) for i in range(len(IDS))]  # 2,500 strata of two
    control = assign_groups(IDS, 0.1, random_state=4, strata=strata)
    assert control.mean() == pytest.approx(0.1, abs=0.015)  # per-stratum rounding would give 0


def test_groups_do_not_depend_on_the_customer() -> None:
    control = assign_groups(IDS, 0.5, random_state=12)
    numbers = np.arange(len(IDS))
    assert abs(numbers[control].mean() - numbers[~control].mean()) < 100  # no drift by id


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"holdout_share": 0.0}, "holdout_share must be a share"),
        ({"random_state": -1}, "random_state must be a non-negative whole number"),
        ({"strata": ["a"]}, "strata must give one stratum per customer"),
    ],
)
def test_bad_designs_are_explained(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"holdout_share": 0.1, "random_state": 0, **kwargs}
    with pytest.raises(ModelInputError, match=message):
        assign_groups(IDS[:3], **arguments)  # type: ignore[arg-type]


def test_duplicate_customers_are_refused() -> None:
    with pytest.raises(ModelInputError, match="customer_ids must be unique"):
        assign_groups(["a", "a"], 0.5, random_state=0)
