"""The members of several segmentations joined once give the profiles each gives alone."""

from __future__ import annotations

import dataclasses
import importlib

import ibis.expr.types as ir
import pytest

from segmint.insight import profile
from segmint.insight.day_facts import day_facts
from segmint.insight.joined_members import joined_members
from segmint.insight.members import features_as_of
from segmint.insight.statistics import Moments, base_moments
from segmint.mart import Mart
from segmint.segmentation import store

from .conftest import AS_OF, assert_same_profile

NAMES = ["tiers", "style"]
"""``tiers`` has every customer of the two; ``style`` all but one."""


@pytest.mark.parametrize("name", NAMES)
def test_a_profile_from_the_joined_members_is_the_profile_alone(mart: Mart, name: str) -> None:
    alone = profile(mart, name, AS_OF, cost_to_serve=5.0)
    with day_facts(mart, AS_OF, NAMES) as shared:
        assert shared.joined is not None
        together = profile(mart, name, AS_OF, cost_to_serve=5.0, shared=shared)
    assert_same_profile(alone, together)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 3])
def test_the_shared_tests_sample_as_a_profile_alone_does(mart: Mart, name: str, seed: int) -> None:
    alone = profile(mart, name, AS_OF, max_customers=3, random_state=seed)
    with (
        day_facts(mart, AS_OF) as facts,
        joined_members(mart, AS_OF, NAMES, features_as_of(mart, AS_OF), 3) as joined,
    ):
        shared = dataclasses.replace(facts, joined=joined)
        together = profile(mart, name, AS_OF, max_customers=3, random_state=seed, shared=shared)
        used = joined.statistics(name, 3, seed)
    assert_same_profile(alone, together)
    assert alone.n_tested == 3
    assert (used is not None) == (seed == 0 and name == "tiers")  # else drawn apart


def test_tests_are_shared_by_the_segmentations_that_cover_every_member(mart: Mart) -> None:
    with joined_members(mart, AS_OF, NAMES, features_as_of(mart, AS_OF)) as joined:
        assert joined.tests is not None
        assert set(joined.tests.result()) == {"tiers"}
        assert joined.covering == {"tiers"}
        assert joined.statistics("style", 200_000, 0) is None
        assert joined.statistics("tiers", 200_000, 0) is not None
        members = joined.described("style").to_pandas()
    assert sorted(members.customer_id) == ["a1", "a2", "b1", "b2", "b3"]
    assert dict(zip(members.customer_id, members.segment, strict=True))["b1"] == "offline"


def test_a_segmentation_that_cannot_be_read_is_left_out(mart: Mart) -> None:
    with joined_members(mart, AS_OF, ["tiers", "nowhere"], features_as_of(mart, AS_OF)) as j:
        assert set(j.columns) == {"tiers"}
        assert len(j.described("tiers").to_pandas()) == 6


def test_the_base_moments_are_computed_once_for_the_covering_segmentations(mart: Mart) -> None:
    with joined_members(mart, AS_OF, NAMES, features_as_of(mart, AS_OF)) as joined:
        numeric = ["frequency", "monetary_total"]
        assert joined.base_moments("style", numeric) is None  # all but one: its own base
        first = joined.base_moments("tiers", numeric)
        assert first is not None and joined.base_moments("tiers", numeric) is first
        alone = base_moments(joined.described("tiers"), numeric)
        members = joined.described("tiers").to_pandas()
    assert {c: pytest.approx(v) for c, v in first.items()} == alone
    for column in numeric:
        expected = (members[column].astype(float).mean(), members[column].astype(float).std())
        assert first[column] == pytest.approx(expected, nan_ok=True)
    assert base_moments(joined.described("tiers"), []) == {}


def test_a_profile_uses_the_shared_moments_only_when_it_covers_every_member(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = importlib.import_module("segmint.insight.profile")
    own = module.base_moments
    computed: list[int] = []

    def counted(table: ir.Table, numeric: list[str]) -> Moments:
        computed.append(len(numeric))
        return own(table, numeric)

    monkeypatch.setattr(module, "base_moments", counted)
    with day_facts(mart, AS_OF, NAMES) as shared:
        profile(mart, "tiers", AS_OF, shared=shared)
        assert computed == []  # the shared ones
        profile(mart, "style", AS_OF, shared=shared)
    assert len(computed) == 1 and computed[0] > 0


def test_a_profile_reads_its_members_from_the_joined_table(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    own = store.assignments

    def counted(mart: Mart, segmentation: str, *args: object, **kwargs: object) -> ir.Table:
        read.append(segmentation)
        return own(mart, segmentation, *args, **kwargs)  # type: ignore[arg-type]

    with day_facts(mart, AS_OF, ["tiers"]) as shared:
        monkeypatch.setattr(store, "assignments", counted)
        profile(mart, "tiers", AS_OF, shared=shared)
        profile(mart, "style", AS_OF, shared=shared)  # not joined: read from the mart
    profile(mart, "tiers", AS_OF)
    assert read == ["style", "tiers"]
