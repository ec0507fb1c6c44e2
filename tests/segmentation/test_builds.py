"""Stored segmentation results reused: kept for the same definition, date and data key,
replaced for any other, and never trusted once their rows or their record changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ibis
import pandas as pd
import pytest

from segmint.mart import Mart, connect
from segmint.segmentation import builds, store

DAY = dt.date(2024, 3, 31)
DEFINITION = {"bins": 5, "segments": ["high", "low"]}
FIRST = {"c1": "high", "c2": "low", "c3": "low"}
OTHER = {"c1": "low", "c2": "low", "c3": "high"}


@pytest.fixture
def mart() -> Iterator[Mart]:
    with connect(":memory:") as m:
        yield m


def rows(pairs: dict[str, str]) -> ibis.Table:
    frame = pd.DataFrame({"customer_id": list(pairs), "segment": list(pairs.values())})
    return ibis.memtable(frame.astype({"customer_id": "string", "segment": "string"}))


def saved(mart: Mart, pairs: dict[str, str], key: str | None, definition: dict = DEFINITION) -> int:  # type: ignore[type-arg]
    return store.save(mart, "value", "rules", definition, DAY, rows(pairs), key).version


def stored(mart: Mart) -> dict[str, str]:
    frame = store.assignments(mart, "value", DAY).execute()
    return dict(zip(frame.customer_id, frame.segment, strict=True))


def test_the_same_key_keeps_the_stored_result(mart: Mart) -> None:
    version = saved(mart, FIRST, "k1")
    assert saved(mart, OTHER, "k1") == version
    assert stored(mart) == FIRST  # read, not rewritten
    assert builds.unchanged(mart, "value", version, DAY, "k1")


def test_another_key_replaces_it(mart: Mart) -> None:
    saved(mart, FIRST, "k1")
    version = saved(mart, OTHER, "k2")
    assert stored(mart) == OTHER
    assert not builds.unchanged(mart, "value", version, DAY, "k1")


def test_a_new_definition_is_computed(mart: Mart) -> None:
    first = saved(mart, FIRST, "k1")
    second = saved(mart, OTHER, "k1", {**DEFINITION, "bins": 4})
    assert second == first + 1
    assert stored(mart) == OTHER


def test_a_result_stored_without_a_key_forgets_the_record(mart: Mart) -> None:
    saved(mart, FIRST, "k1")
    saved(mart, OTHER, None)
    assert stored(mart) == OTHER
    saved(mart, FIRST, "k1")  # the old key no longer vouches for what is stored
    assert stored(mart) == FIRST


def test_missing_rows_are_computed_again(mart: Mart) -> None:
    saved(mart, FIRST, "k1")
    mart.delete("assignments", customer_id="c3")
    saved(mart, FIRST, "k1")
    assert stored(mart) == FIRST


def test_no_key_and_no_record_leave_no_table(mart: Mart) -> None:
    saved(mart, FIRST, None)
    assert builds.BUILDS not in mart.table_names()
