"""The one choice of a segmentation's version as of a date that every reader makes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ibis
import pytest

from segmint.mart import Mart, connect, segment_versions
from segmint.mart.fetch import rows
from segmint.segmentation import store

JAN = dt.date(2024, 1, 31)
FEB = dt.date(2024, 2, 29)
MAR = dt.date(2024, 3, 31)
V1 = {"rules": "first"}
V2 = {"rules": "second"}


@pytest.fixture
def mart() -> Iterator[Mart]:
    with connect(":memory:") as m:
        yield m


def save(mart: Mart, definition: dict[str, str], day: dt.date, segment: str) -> int:
    """Store customer c1 in ``segment`` as of ``day`` under ``definition``; its version."""
    one = ibis.memtable({"customer_id": ["c1"], "segment": [segment]})
    return store.save(mart, "tiers", "rules", definition, day, one).version


def chosen(mart: Mart) -> dict[dt.date, int]:
    return {r["as_of"]: r["version"] for r in rows(segment_versions.chosen_versions(mart, "tiers"))}


def test_an_older_version_run_later_holds_the_latest_date(mart: Mart) -> None:
    save(mart, V1, FEB, "v1 feb")
    save(mart, V1, MAR, "v1 mar")
    assert save(mart, V2, JAN, "v2 jan") == 2  # stored last, on an earlier date
    assert segment_versions.latest_date(mart, "tiers") == MAR
    assert segment_versions.latest_date(mart, "tiers", dt.date(2024, 2, 15)) == JAN
    assert segment_versions.latest_date(mart, "tiers", dt.date(2024, 1, 1)) is None
    assert segment_versions.earliest_date(mart, "tiers") == JAN
    assert segment_versions.version_on(mart, "tiers", MAR) == 1
    assert segment_versions.version_on(mart, "tiers", JAN) == 2
    assert segment_versions.version_on(mart, "tiers", dt.date(2024, 4, 30)) is None
    assert chosen(mart) == {JAN: 2, FEB: 1, MAR: 1}


def test_on_a_date_two_versions_share_the_one_stored_last_wins(mart: Mart) -> None:
    save(mart, V1, JAN, "v1")
    save(mart, V2, JAN, "v2")
    assert segment_versions.version_on(mart, "tiers", JAN) == 2
    assert chosen(mart) == {JAN: 2}
    save(mart, V1, JAN, "v1 again")  # the first definition stored again: now the newest
    assert segment_versions.version_on(mart, "tiers", JAN) == 1
    assert chosen(mart) == {JAN: 1}


def test_a_hostile_name_is_a_value(mart: Mart) -> None:
    save(mart, V1, JAN, "v1")
    hostile = "tiers' OR '1'='1"
    assert segment_versions.latest_date(mart, hostile) is None
    assert segment_versions.version_on(mart, hostile, JAN) is None
    assert chosen(mart) == {JAN: 1}
    assert rows(segment_versions.chosen_versions(mart, hostile)) == []
