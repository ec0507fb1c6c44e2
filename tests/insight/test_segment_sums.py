"""Sums per segment of several segmentations at once equal each segmentation's own."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.insight import segment_sums
from segmint.insight.segment_sums import OneSegmentation, SegmentSums

COLUMNS = {"rfm": ("segment_0", "member_0"), "tiers": ("segment_1", "member_1")}

ROWS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e", "f", "g"],
        "spend": [10.0, None, 5.0, 2.5, None, 7.0, None],
        "band": ["x", "y", None, "x", "y", "x", "y"],
        "segment_0": ["hi", "hi", "lo", None, None, "lo", "mid"],
        "member_0": [True, True, True, True, None, True, True],  # d: a member of no segment
        "segment_1": ["gold", None, "gold", "tin", "tin", None, None],
        "member_1": [True, None, True, True, True, None, None],
    }
)
"""Members of two segmentations: ``e`` only of ``tiers``, ``b``, ``f`` and ``g`` only of
``rfm``; ``e``'s and ``g``'s spend unknown, so that ``tin`` adds a group of nulls only to
a known spend and ``mid`` has no known spend at all."""

SCHEMA = ibis.schema(
    {"customer_id": "string", "spend": "float64", "band": "string"}
    | {"segment_0": "string", "member_0": "boolean", "segment_1": "string", "member_1": "boolean"}
)

PURCHASES = pd.DataFrame(
    {"customer_id": ["a", "a", "c", "e", "z"], "category": ["p", "q", "p", None, "p"]}
    | {"revenue": [1.0, 2.0, 4.0, 8.0, 16.0]}
)


def spend_sums(table: ir.Table) -> dict[str, ir.Value]:
    return {"total": table.spend.sum(), "known": table.spend.count(), "members": table.count()}


def members_of(table: ir.Table, segmentation: str) -> ir.Table:
    """The members of ``segmentation`` with a ``segment`` column, as a profile reads them."""
    segment, member = COLUMNS[segmentation]
    mine = table.filter(table[member].notnull())
    return mine.mutate(segment=mine[segment])


def in_order(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("segment", "value") if c in frame]
    ordered = frame.sort_values(keys, na_position="last").reset_index(drop=True)
    return ordered.astype({c: "float64" for c in ordered if c not in keys})


def purchases_of(purchases: ir.Table) -> segment_sums.Rows:
    return lambda members, keys: purchases.join(members.select("customer_id", *keys), "customer_id")


@pytest.mark.parametrize("segmentation", list(COLUMNS))
def test_the_sums_of_each_segmentation_are_its_own(segmentation: str) -> None:
    table = ibis.memtable(ROWS, schema=SCHEMA)
    purchases = ibis.memtable(PURCHASES)
    together = SegmentSums(table, COLUMNS).of(segmentation)
    assert together is not None
    alone = OneSegmentation(members_of(table, segmentation))
    pairs = [
        (together.sums("spend", spend_sums), alone.sums("spend", spend_sums)),
        (
            together.sums("bands", spend_sums, value=lambda t: t.band.fill_null("unknown")),
            alone.sums("bands", spend_sums, value=lambda t: t.band.fill_null("unknown")),
        ),
        (
            together.sums(
                "bought",
                lambda t: {"amount": t.revenue.sum()},
                purchases_of(purchases),
                lambda t: t.category,
            ),
            alone.sums(
                "bought",
                lambda t: {"amount": t.revenue.sum()},
                purchases_of(purchases),
                lambda t: t.category,
            ),
        ),
    ]
    for mine, own in pairs:
        pd.testing.assert_frame_equal(in_order(mine), in_order(own))


def test_a_measure_over_nulls_only_is_null_as_the_engine_sums_it() -> None:
    sums = SegmentSums(ibis.memtable(ROWS, schema=SCHEMA), COLUMNS).of("tiers")
    assert sums is not None
    tin = sums.sums("spend", spend_sums).set_index("segment").loc["tin"]
    assert tin.known == 1 and tin.total == 2.5  # d's spend; e's is unknown
    rfm = SegmentSums(ibis.memtable(ROWS, schema=SCHEMA), COLUMNS).of("rfm")
    assert rfm is not None
    found = rfm.sums("spend", spend_sums)
    unknown = found[found.segment.isna()].iloc[0]  # d: a member without a segment
    assert unknown.members == 1 and unknown.total == 2.5
    mid = found.set_index("segment").loc["mid"]
    assert mid.members == 1 and mid.known == 0 and pd.isna(mid.total)


def test_each_key_is_summed_once_for_every_segmentation() -> None:
    table = ibis.memtable(ROWS, schema=SCHEMA)
    summed: list[list[str]] = []

    def rows(members: ir.Table, keys: list[str]) -> ir.Table:
        summed.append(keys)
        return members

    sums = SegmentSums(table, COLUMNS)
    for name in COLUMNS:
        per = sums.of(name)
        assert per is not None
        per.sums("spend", spend_sums, rows)
        per.sums("spend", spend_sums, rows)
    assert summed == [["segment_0", "member_0", "segment_1", "member_1"]]
    assert sums.of("unknown") is None


def test_too_many_groups_are_summed_per_segmentation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment_sums, "MOST_GROUPS", 2)
    table = ibis.memtable(ROWS, schema=SCHEMA)
    sums = SegmentSums(table, COLUMNS)
    per = sums.of("rfm")
    assert per is not None
    found = per.sums("spend", spend_sums)
    own = OneSegmentation(members_of(table, "rfm")).sums("spend", spend_sums)
    pd.testing.assert_frame_equal(in_order(found), in_order(own))
    assert sums._found["spend"] is None  # this aggregate is summed per segmentation
    few = per.sums("a", lambda t: {"n": t.count()}, lambda t, keys: t.filter(t.customer_id == "a"))
    assert few.segment.tolist() == ["hi"] and few.n.tolist() == [1]
    assert sums._found["a"] is not None  # one group: summed at once


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", None]),
            st.sampled_from(["x", "y", None]),
            st.booleans(),
            st.booleans(),
            st.one_of(st.none(), st.integers(-5, 5)),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_sums_of_random_memberships_equal_each_segmentation_s_own(
    rows: list[tuple[str | None, str | None, bool, bool, int | None]],
) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(rows))],
            "spend": pd.array([r[4] for r in rows], dtype="Int64").astype("Float64"),
            "band": ["x"] * len(rows),
            "segment_0": [r[0] for r in rows],
            "member_0": [True if r[2] else None for r in rows],
            "segment_1": [r[1] for r in rows],
            "member_1": [True if r[3] else None for r in rows],
        }
    )
    table = ibis.memtable(frame, schema=SCHEMA)
    sums = SegmentSums(table, COLUMNS)
    for name in COLUMNS:
        per = sums.of(name)
        assert per is not None
        own = OneSegmentation(members_of(table, name)).sums("spend", spend_sums)
        pd.testing.assert_frame_equal(in_order(per.sums("spend", spend_sums)), in_order(own))
