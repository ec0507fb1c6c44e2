"""A segment covariate reads the segments every other reader reads as of a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ibis
import pytest

from segmint.exceptions import MartError
from segmint.features.btyd_covariate import COVARIATE, covariate_values
from segmint.mart import Mart, connect
from segmint.segmentation import store

JAN = dt.date(2024, 1, 31)
FEB = dt.date(2024, 2, 29)
MAR = dt.date(2024, 3, 31)


@pytest.fixture
def mart() -> Iterator[Mart]:
    with connect(":memory:") as m:
        yield m


def save(mart: Mart, version: str, day: dt.date, segment: str) -> None:
    """Store customer c1 of ``tiers`` in ``segment`` as of ``day`` under definition ``version``."""
    one = ibis.memtable({"customer_id": ["c1"], "segment": [segment]})
    store.save(mart, "tiers", "rules", {"v": version}, day, one)


def covariate(mart: Mart, day: dt.date) -> list[str]:
    return covariate_values(mart, "segment:tiers", day).to_pandas()[COVARIATE].tolist()


def test_an_older_version_run_later_is_the_latest_up_to_the_date(mart: Mart) -> None:
    save(mart, "1", FEB, "v1 feb")
    save(mart, "1", MAR, "v1 mar")
    save(mart, "2", JAN, "v2 jan")  # a changed definition stored last, run as of January
    assert (
        covariate(mart, MAR)
        == ["v1 mar"]
        == store.assignments(mart, "tiers", MAR).to_pandas().segment.tolist()
    )
    assert covariate(mart, dt.date(2024, 2, 10)) == ["v2 jan"]
    with pytest.raises(MartError, match=r"'tiers' has no assignments up to 2024-01-01"):
        covariate(mart, dt.date(2024, 1, 1))


def test_on_a_date_two_versions_share_the_one_stored_last_is_read(mart: Mart) -> None:
    save(mart, "1", JAN, "v1")
    save(mart, "2", JAN, "v2")
    save(mart, "1", JAN, "v1 again")  # definition 1 stored again: the newest
    assert covariate(mart, FEB) == ["v1 again"]
    save(mart, "2", JAN, "v2 again")
    assert covariate(mart, FEB) == ["v2 again"]
    save(mart, "3", dt.date(2023, 12, 31), "v3 dec")  # stored last, but no results in January
    assert covariate(mart, FEB) == ["v2 again"]


def test_an_unknown_segmentation_lists_the_stored_ones(mart: Mart) -> None:
    save(mart, "1", JAN, "v1")
    with pytest.raises(
        MartError, match=r"no segmentation named 'x' to use as a covariate; stored: tiers$"
    ):
        covariate_values(mart, "segment:x", JAN)
