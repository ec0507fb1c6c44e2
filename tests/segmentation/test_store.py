"""The store of segmentations: versions, replacing results per as_of, and reading them back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from types import SimpleNamespace

import ibis
import pandas as pd
import pytest

from segmint.exceptions import MartError, SegmintError
from segmint.mart import Mart, connect
from segmint.segmentation import store

JAN = dt.date(2024, 1, 31)
FEB = dt.date(2024, 2, 29)
MAR = dt.date(2024, 3, 31)
DEFINITION = {"bins": 5, "segments": ["high", "low"]}


@pytest.fixture
def mart() -> Iterator[Mart]:
    with connect(":memory:") as m:
        yield m


def rows(pairs: dict[str, str | None]) -> ibis.Table:
    frame = pd.DataFrame({"customer_id": list(pairs), "segment": list(pairs.values())})
    return ibis.memtable(frame.astype({"customer_id": "string", "segment": "string"}))


def stored(mart: Mart, name: str | None = None) -> pd.DataFrame:
    """Every stored assignment row, optionally of one segmentation, sorted."""
    table = mart.table("assignments")
    if name is not None:
        table = table.filter(table.segmentation == name)
    frame = table.execute()
    frame["as_of"] = [store.pd_date(d) for d in frame.as_of]
    return frame.sort_values(["version", "as_of", "customer_id"]).reset_index(drop=True)


def read(
    mart: Mart, name: str, as_of: dt.date | None = None, version: int | None = None
) -> dict[str, str]:
    frame = store.assignments(mart, name, as_of, version).execute()
    return dict(zip(frame.customer_id, frame.segment, strict=True))


def test_the_first_save_is_version_1(mart: Mart) -> None:
    result = store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high", "b": "low"}))
    assert result == store.StoredSegmentation("value", 1, "rules", DEFINITION)
    table = stored(mart)
    assert table[
        ["segmentation", "version", "as_of", "customer_id", "segment"]
    ].values.tolist() == [
        ["value", 1, JAN, "a", "high"],
        ["value", 1, JAN, "b", "low"],
    ]
    defs = mart.table("segmentations").execute()
    assert defs.segmentation.tolist() == ["value"]
    assert json.loads(defs.definition.iloc[0]) == DEFINITION


def test_saving_the_same_definition_again_replaces_that_dates_results(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high", "b": "low"}))
    again = store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "low", "c": "high"}))
    assert again.version == 1
    assert read(mart, "value", JAN) == {"a": "low", "c": "high"}
    assert len(stored(mart)) == 2
    assert mart.count("segmentations") == 1


def test_the_same_definition_on_another_date_keeps_both_dates(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high", "b": "low"}))
    feb = store.save(
        mart, "value", "rules", dict(reversed(DEFINITION.items())), FEB, rows({"a": "low"})
    )
    assert feb.version == 1  # key order does not make a new definition
    assert store.as_of_dates(mart, "value") == [JAN, FEB]
    assert read(mart, "value", JAN) == {"a": "high", "b": "low"}
    assert read(mart, "value", FEB) == {"a": "low"}


def test_a_changed_definition_is_the_next_version_and_keeps_the_old_results(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high"}))
    changed = {**DEFINITION, "bins": 4}
    v2 = store.save(mart, "value", "rules", changed, JAN, rows({"a": "low"}))
    assert v2.version == 2
    assert store.definition(mart, "value").definition == changed
    assert store.definition(mart, "value", 1).definition == DEFINITION
    assert read(mart, "value", JAN) == {"a": "low"}
    assert read(mart, "value", JAN, version=1) == {"a": "high"}
    assert stored(mart).version.tolist() == [1, 2]


def test_versions_belong_to_one_name(mart: Mart) -> None:
    store.save(mart, "one", "rules", DEFINITION, JAN, rows({"a": "high"}))
    store.save(mart, "one", "rules", {"x": 1}, JAN, rows({"a": "high"}))
    other = store.save(mart, "two", "rules", {"x": 2}, JAN, rows({"a": "low"}))
    assert other.version == 1
    assert read(mart, "one") == {"a": "high"}
    assert read(mart, "two") == {"a": "low"}


def test_null_segments_are_stored_as_unassigned(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high", "b": None}))
    assert read(mart, "value") == {"a": "high", "b": store.UNASSIGNED}


def test_a_customer_with_two_rows_is_an_error_and_nothing_is_stored(mart: Mart) -> None:
    frame = pd.DataFrame({"customer_id": ["a", "a", "b"], "segment": ["high", "low", "low"]})
    with pytest.raises(
        SegmintError,
        match=r"segmentation value: 1 customers have more than one segment; each customer must get exactly one",
    ):
        store.save(mart, "value", "rules", DEFINITION, JAN, ibis.memtable(frame))
    assert mart.count("assignments") == 0
    assert mart.count("segmentations") == 0


def test_assignments_without_a_segment_column_are_an_error(mart: Mart) -> None:
    table = ibis.memtable(pd.DataFrame({"customer_id": ["a"], "stage": ["new"]}))
    with pytest.raises(
        SegmintError, match=r"need columns customer_id and segment; missing \['segment'\]"
    ):
        store.save(mart, "value", "rules", DEFINITION, JAN, table)


def test_assignments_default_to_the_latest_date(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, FEB, rows({"a": "feb"}))
    store.save(mart, "value", "rules", DEFINITION, MAR, rows({"a": "mar"}))
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "jan"}))  # stored last
    assert read(mart, "value") == {"a": "mar"}
    assert read(mart, "value", FEB) == {"a": "feb"}


def test_an_unknown_name_lists_the_stored_ones(mart: Mart) -> None:
    with pytest.raises(MartError, match=r"no segmentation named 'rfm'; stored: none yet"):
        store.assignments(mart, "rfm")
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high"}))
    store.save(mart, "lifecycle", "lifecycle", {}, JAN, rows({"a": "new"}))
    with pytest.raises(MartError, match=r"no segmentation named 'rfm'; stored: lifecycle, value$"):
        store.assignments(mart, "rfm")


def test_an_unknown_date_lists_the_stored_dates(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high"}))
    store.save(mart, "value", "rules", DEFINITION, MAR, rows({"a": "high"}))
    with pytest.raises(
        MartError,
        match=r"segmentation 'value' has no results as of 2024-02-29; stored dates: 2024-01-31, 2024-03-31",
    ):
        store.assignments(mart, "value", FEB)


def test_an_unknown_version_lists_the_versions(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high"}))
    with pytest.raises(MartError, match=r"segmentation 'value' has no version 3; versions: \[1\]"):
        store.assignments(mart, "value", version=3)


def test_segmentations_summarises_the_latest_version_and_the_dates_of_any(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high", "b": "low"}))
    store.save(mart, "value", "rules", DEFINITION, FEB, rows({"a": "high", "b": "high"}))
    store.save(mart, "value", "rules", {"new": True}, MAR, rows({"a": "x", "b": "y", "c": "z"}))
    store.save(mart, "rfm", "rfm", {"bins": 5}, JAN, rows({"a": "Champions"}))
    summary = store.segmentations(mart).execute()
    assert summary.segmentation.tolist() == ["rfm", "value"]
    assert summary.version.tolist() == [1, 2]
    assert summary.kind.tolist() == ["rfm", "rules"]
    assert summary.n_as_of.tolist() == [1, 3]  # the dates reads without a date choose from
    assert [store.pd_date(d) for d in summary.last_as_of] == [JAN, MAR]
    assert summary.n_segments.tolist() == [1, 3]
    assert summary.created_at.notna().all()


def test_a_segmentation_without_results_is_an_error_on_reading(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({}))
    with pytest.raises(
        MartError, match=r"segmentation 'value' has no stored results; run it first"
    ):
        store.assignments(mart, "value")
    store.save(mart, "value", "rules", {"changed": 1}, JAN, rows({"a": "high"}))
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({}))  # version 1, stored last
    with pytest.raises(MartError, match=r"'value' has no stored results"):
        store.assignments(mart, "value", version=1)
    assert read(mart, "value") == {"a": "high"}  # the latest results are version 2's


def test_the_latest_results_are_read_though_an_older_version_has_them(mart: Mart) -> None:
    # `segment rules x v1.yaml` as of March, then `segment rules x v2.yaml --as-of` January
    store.save(mart, "value", "rules", DEFINITION, FEB, rows({"a": "v1 feb"}))
    store.save(mart, "value", "rules", DEFINITION, MAR, rows({"a": "v1 mar"}))
    store.save(mart, "value", "rules", {"changed": 1}, JAN, rows({"a": "v2 jan"}))
    assert store.definition(mart, "value").version == 2  # stored last
    assert store.as_of_dates(mart, "value") == [JAN, FEB, MAR]
    assert store.as_of_dates(mart, "value", 2) == [JAN]
    assert read(mart, "value") == {"a": "v1 mar"}
    assert store.version_as_of(mart, "value", MAR) == 1
    assert read(mart, "value", version=2) == {"a": "v2 jan"}
    assert read(mart, "value", FEB) == {"a": "v1 feb"}
    with pytest.raises(MartError, match=r"stored dates: 2024-01-31, 2024-02-29, 2024-03-31$"):
        store.assignments(mart, "value", dt.date(2024, 4, 30))


def test_going_back_to_an_earlier_definition_reads_the_newest_results(mart: Mart) -> None:
    # e.g. `segment rfm`, then `segment rfm --bins 4`, then `segment rfm` again next month.
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "v1"}))
    store.save(mart, "value", "rules", {"changed": 1}, JAN, rows({"a": "v2"}))
    back = store.save(mart, "value", "rules", DEFINITION, FEB, rows({"a": "back"}))
    assert back.version == 1
    assert read(mart, "value", FEB) == {"a": "back"}


def test_a_name_of_another_kind_is_refused_and_its_results_kept(mart: Mart) -> None:
    store.save(mart, "rfm", "rfm", {"bins": 5}, JAN, rows({"a": "Champions"}))
    with pytest.raises(
        SegmintError, match=r"'rfm' already names a segmentation of kind rfm; storing rules"
    ):
        store.save(mart, "rfm", "rules", DEFINITION, JAN, rows({"a": "Mine"}))
    assert read(mart, "rfm", JAN) == {"a": "Champions"}
    assert store.definition(mart, "rfm").kind == "rfm"


@pytest.mark.parametrize("name", ["", "   "])
def test_a_blank_name_is_refused(mart: Mart, name: str) -> None:
    with pytest.raises(SegmintError, match="needs a name"):
        store.save(mart, name, "rules", DEFINITION, JAN, rows({"a": "high"}))
    assert stored(mart).empty


def test_version_as_of_is_the_version_assignments_read(mart: Mart) -> None:
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "v1"}))
    store.save(mart, "value", "rules", {"changed": 1}, FEB, rows({"a": "v2"}))
    assert store.version_as_of(mart, "value", JAN) == 1
    assert store.version_as_of(mart, "value", FEB) == 2
    assert store.version_as_of(mart, "value", MAR) == 2  # no results then: the latest


def test_two_versions_stored_at_the_same_instant_read_the_higher_one(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A coarse clock (milliseconds on some systems) can stamp two saves alike: the summary
    names the version reads take, the higher one, as :func:`store.definition` does."""

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Frozen:
            return cls(2024, 4, 1, 12, 0, 0, tzinfo=tz)

    monkeypatch.setattr(store, "datetime", SimpleNamespace(datetime=Frozen, UTC=dt.UTC))
    store.save(mart, "value", "rules", DEFINITION, JAN, rows({"a": "high"}))
    store.save(mart, "value", "rules", {"new": True}, JAN, rows({"a": "x"}))
    monkeypatch.undo()
    assert store.definition(mart, "value").version == 2
    assert store.segmentations(mart).execute().version.tolist() == [2]
    assert read(mart, "value") == {"a": "x"}
