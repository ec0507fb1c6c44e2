"""The split computed by the engine equals the split computed on arrays, for any identifier."""

from __future__ import annotations

import hashlib

import ibis
import numpy as np
import pytest

from segmint.exceptions import ModelInputError
from segmint.mart import Mart
from segmint.models.experiments import assign_groups
from segmint.scoring.campaigns import assign, assignment_key

HOSTILE = [
    "o'brien",
    'say "hi"',
    "x'); DROP TABLE orders; --",
    "Zoë",
    "顧客-7",
    "",
    "  padded  ",
    "0042",
]


def _engine_groups(
    mart: Mart, ids: list[str], strata: list[str | None], holdout_share: float, random_state: int
) -> np.ndarray:
    members = ibis.memtable(
        {"customer_id": ids, "stratum": strata},
        schema={"customer_id": "string", "stratum": "string"},
    )
    frame = (
        mart.con.execute(assign(members, holdout_share, random_state))
        .set_index("customer_id")
        .loc[ids]
    )
    return np.asarray(frame["group"].to_numpy() == "control")


@pytest.mark.parametrize(
    ("holdout_share", "random_state"), [(0.1, 0), (1 / 3, 7), (0.5, 123_456_789), (0.07, 42)]
)
def test_engine_and_arrays_agree(empty: Mart, holdout_share: float, random_state: int) -> None:
    ids = [f"C{i:06d}" for i in range(6_000)] + HOSTILE
    strata: list[str | None] = [None if i % 11 == 0 else f"S{i % 7}" for i in range(len(ids))]
    engine = _engine_groups(empty, ids, strata, holdout_share, random_state)
    arrays = assign_groups(ids, holdout_share, random_state, strata)
    assert np.array_equal(engine, arrays)


def test_a_stratum_named_twice_assigns_each_member_once(empty: Mart) -> None:
    ids = [f"C{i:03d}" for i in range(200)]
    strata = ["At Risk" if i % 2 else "Lost" for i in range(200)]
    members = ibis.memtable({"customer_id": ids, "stratum": strata})
    named = ["At Risk", "Lost", "At Risk"]  # --segment "At Risk" given twice
    frame = empty.con.execute(assign(members, 0.2, 5, named)).set_index("customer_id")
    assert frame.index.is_unique and len(frame) == len(ids)
    expected = assign_groups(ids, 0.2, 5, strata)
    assert np.array_equal(frame.loc[ids, "group"].to_numpy() == "control", expected)


def test_engine_key_is_the_sha256_prefix(empty: Mart) -> None:
    table = ibis.memtable({"customer_id": HOSTILE})
    keys = empty.con.execute(table.select(key=assignment_key(table.customer_id, 9)))["key"]
    expected = [hashlib.sha256(f"9:{c}".encode()).hexdigest()[:16] for c in HOSTILE]
    assert keys.tolist() == expected
    assert empty.count("orders") == 0  # the hostile id was a value, never SQL


def test_engine_refuses_a_bad_design(empty: Mart) -> None:
    table = ibis.memtable({"customer_id": ["a", "b"], "stratum": ["", ""]})
    with pytest.raises(ModelInputError, match="holdout_share must be a share"):
        assign(table, 1.5, 0)
    with pytest.raises(ModelInputError, match="random_state must be a non-negative"):
        assign(table, 0.5, -3)
