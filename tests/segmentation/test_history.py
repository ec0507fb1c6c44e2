"""The ``history`` retention rule: each series' own cut-off (segmentations, scores, the
recommendation lists), the dates readers need kept, the runs equal to the runs of what is
left, dry runs that count what real runs delete."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.exceptions import MartError
from segmint.insight.migration import migration
from segmint.mart import TABLES, Mart, connect
from segmint.mart.privacy import HistoryResult, audit
from segmint.scoring.campaigns.audience import segment_labels, stored_run
from segmint.scoring.recommend.export import export_rows
from segmint.segmentation import store
from segmint.segmentation.history import apply_history
from segmint.workflows import recommend

from .conftest import CUSTOMERS, Write, computed, day, kept, save, writes


def dates_of(mart: Mart, table: str, **where: str) -> list[dt.date]:
    t = mart.table(table)
    for column, value in where.items():
        t = t.filter(t[column] == value)
    found = t.select("as_of").distinct().order_by("as_of").as_of.to_pandas()
    return [pd.Timestamp(d).date() for d in found]


def add_scores(mart: Mart, model: str, score: str, offsets: list[int]) -> None:
    rows = {
        "customer_id": [c for _ in offsets for c in ("c1", "c2")],
        "as_of": [day(o) for o in offsets for _ in ("c1", "c2")],
        "model": model,
        "score_name": score,
        "value": 0.5,
    }
    frame = pd.DataFrame(rows)
    mart.insert("scores", ibis.memtable(frame, schema=TABLES["scores"].ibis_schema()))


def add_lists(mart: Mart, offsets: list[int]) -> None:
    """A list of two products for c1 and c2 at each of the dates."""
    rows = [
        {"customer_id": c, "rank": rank, "product_id": f"p{rank}", "score": 1.0 / rank,
         "method": "popularity", "reason": "popular", "as_of": day(o)}
        for o in offsets for c in ("c1", "c2") for rank in (1, 2)
    ]  # fmt: skip
    schema = TABLES["recommendations"].ibis_schema()
    mart.insert("recommendations", ibis.memtable(pd.DataFrame(rows), schema=schema))


def add_campaign(mart: Mart, start: dt.date) -> None:
    mart.raw.execute(
        "INSERT INTO campaigns (campaign_id, name, channel, start_date) VALUES (?, ?, ?, ?)",
        [f"c{start}", "spring", "email", start],
    )


def rows(mart: Mart, table: str) -> int:
    return int(mart.table(table).count().execute())


def test_each_series_counts_back_from_its_own_latest_date() -> None:
    with connect(":memory:") as mart:
        for offset in range(11):
            save(mart, ("rfm", 1, offset, {"c1": "a", "c2": "b"}))
        for offset in range(6):
            save(mart, ("tiers", 1, offset, {"c1": "a"}))
        add_scores(mart, "bgnbd", "clv", list(range(0, 20, 2)))  # latest day 18
        add_scores(mart, "churn_gbm", "churn_risk", [0, 1, 2])  # latest day 2
        result = apply_history(mart, 3, actor="dpo")
        assert dates_of(mart, "assignments", segmentation="rfm") == [day(n) for n in range(7, 11)]
        assert dates_of(mart, "assignments", segmentation="tiers") == [day(n) for n in (2, 3, 4, 5)]
        assert dates_of(mart, "scores", model="bgnbd") == [day(n) for n in (16, 18)]
        assert dates_of(mart, "scores", model="churn_gbm") == [day(n) for n in (0, 1, 2)]
        assert dict(result.cutoffs) == {
            "assignments:rfm": day(7),
            "assignments:tiers": day(2),
            "scores:bgnbd/clv": day(15),
        }
        assert (result.assignments_deleted, result.scores_deleted) == (7 * 2 + 2, 8 * 2)


def test_every_series_keeps_its_latest_date_whatever_the_period() -> None:
    with connect(":memory:") as mart:
        save(mart, ("old", 1, 0, {"c1": "a"}))
        save(mart, ("rfm", 1, 0, {"c1": "a"}))
        save(mart, ("rfm", 1, 400, {"c1": "b"}))
        add_scores(mart, "bgnbd", "clv", [0])
        add_scores(mart, "bgnbd", "p_alive", [0, 400])
        apply_history(mart, 1)
        assert dates_of(mart, "assignments", segmentation="old") == [day(0)]
        assert dates_of(mart, "assignments", segmentation="rfm") == [day(400)]
        assert dates_of(mart, "scores", score_name="clv") == [day(0)]
        assert dates_of(mart, "scores", score_name="p_alive") == [day(400)]


def test_a_dry_run_counts_what_the_real_run_deletes_and_changes_nothing() -> None:
    with connect(":memory:") as mart:
        for offset, segments in enumerate(["a", "a", "b", "b", "a", "a"]):
            save(mart, ("rfm", 1, offset, {"c1": segments, "c2": "a"}))
        add_scores(mart, "bgnbd", "clv", list(range(6)))
        add_lists(mart, list(range(6)))
        tables = ("assignments", "segment_runs", "scores", "recommendations")
        before = {t: rows(mart, t) for t in tables}
        runs = set(kept(mart))
        dry = apply_history(mart, 2, dry_run=True)
        assert {t: rows(mart, t) for t in before} == before
        assert audit.entries(mart) == []
        real = apply_history(mart, 2, actor="dpo")
        assert real == dry
        after = {t: rows(mart, t) for t in before}
        assert real.assignments_deleted == before["assignments"] - after["assignments"] == 6
        # c1's a-run and b-run of days 0-3 go; c2's a-run of days 0-5 now starts at day 3
        assert real.segment_runs_deleted == len(runs - set(kept(mart))) == 3
        assert real.scores_deleted == before["scores"] - after["scores"] == 6
        lists_gone = before["recommendations"] - after["recommendations"]
        assert real.recommendations_deleted == lists_gone == 3 * 4  # days 0-2, 2 customers × 2


def test_a_real_run_that_deleted_rows_is_audited_with_its_counts() -> None:
    with connect(":memory:") as mart:
        save(mart, ("rfm", 1, 0, {"c1": "a"}))
        save(mart, ("rfm", 1, 10, {"c1": "a"}))
        apply_history(mart, 5, actor="cli:dpo")  # c1's run of days 0-10 now starts at 10
        apply_history(mart, 5, actor="cli:dpo")  # nothing left to delete: no entry
        entries = audit.entries(mart, action="retention")
        assert [(e.actor, e.details) for e in entries] == [
            (
                "cli:dpo",
                {
                    "history_days": 5,
                    "assignments_deleted": 1,
                    "segment_runs_deleted": 1,
                    "scores_deleted": 0,
                    "recommendations_deleted": 0,
                },
            )
        ]


def test_the_runs_left_are_the_runs_of_the_assignments_left() -> None:
    """c1: a a b b a a → the old a-run goes, the b-run starts at the cut-off's first date."""
    with connect(":memory:") as mart:
        for offset, segment in enumerate(["a", "a", "b", "b", "a", "a"]):
            save(mart, ("rfm", 1, offset, {"c1": segment}))
        apply_history(mart, 2)
        assert kept(mart) == computed(mart)
        assert kept(mart) == [
            ("rfm", "c1", day(3), day(3), "b"),
            ("rfm", "c1", day(4), day(5), "a"),
        ]


def test_a_trimmed_run_starts_on_the_first_date_the_customer_is_read_from_the_cut_off() -> None:
    """c2's b-run of days 2-5 crosses day 3, where the version read (stored last) has no
    row for c2 but an older version does: once day 2 goes the run starts at day 5."""
    with connect(":memory:") as mart:
        save(mart, ("tiers", 1, 2, {"c1": "a", "c2": "b"}))
        save(mart, ("tiers", 1, 5, {"c1": "a", "c2": "b"}))
        save(mart, ("tiers", 1, 3, {"c2": "a"}))
        save(mart, ("tiers", 2, 3, {"c1": "b"}))
        apply_history(mart, 2)
        assert kept(mart) == computed(mart)
        assert ("tiers", "c2", day(5), day(5), "b") in kept(mart)


@settings(max_examples=40, deadline=None)
@given(
    writes(last_offset=6, max_size=9), st.integers(1, 4), st.lists(st.integers(0, 6), max_size=2)
)
def test_the_runs_left_equal_the_runs_computed_from_what_is_left(
    history: list[Write], days: int, starts: list[int]
) -> None:
    """Any stores (versions, dates again, customers missing a date), any period, campaigns
    whose dates are kept before the cut-off: the runs equal those of the assignments."""
    with connect(":memory:") as mart:
        for write in history:
            save(mart, write)
        for start in set(starts):
            add_campaign(mart, day(start))
        runs = set(kept(mart))
        dry = apply_history(mart, days, dry_run=True)
        real = apply_history(mart, days)
        assert kept(mart) == computed(mart)
        assert real == dry
        assert real.segment_runs_deleted == len(runs - set(kept(mart)))


def test_the_dates_campaigns_break_results_down_by_are_kept() -> None:
    """Results by segment read the segments stored last before the campaign's start."""
    with connect(":memory:") as mart:
        for offset in (0, 3, 5, 9, 30, 31):
            save(mart, ("rfm", 1, offset, {"c1": "a" if offset % 2 else "b", "c2": "a"}))
        add_campaign(mart, day(7))
        before = stored_run(mart, "rfm", day(6))
        labels = segment_labels(mart, before).order_by("customer_id").to_pandas()
        apply_history(mart, 5)
        assert dates_of(mart, "assignments", segmentation="rfm") == [day(5), day(30), day(31)]
        assert stored_run(mart, "rfm", day(6)) == before
        assert ("rfm", "c2", day(5), day(31), "a") in kept(mart)  # across the gap: one run
        assert kept(mart) == computed(mart)
        after = segment_labels(mart, before).order_by("customer_id").to_pandas()
        pd.testing.assert_frame_equal(after, labels)


def test_each_versions_latest_date_is_kept_for_the_reads_that_default_to_it() -> None:
    """Version 1 (stored last) was run at an old date: it stays readable at that date, reads
    without a date read the latest results (version 2's); version 2's old dates go."""
    with connect(":memory:") as mart:
        for offset in (0, 1, 20, 21):
            save(mart, ("rfm", 2, offset, {"c1": "a"}))
        save(mart, ("rfm", 1, 2, {"c1": "b"}))
        save(mart, ("rfm", 1, 3, {"c1": "b"}))
        apply_history(mart, 5)
        assert dates_of(mart, "assignments", segmentation="rfm") == [day(3), day(20), day(21)]
        assert store.as_of_dates(mart, "rfm") == [day(3), day(20), day(21)]  # date picker
        assert store.as_of_dates(mart, "rfm", 2) == [day(3)]  # definition 1, stored second
        assert store.assignments(mart, "rfm").to_pandas().segment.tolist() == ["a"]
        assert store.assignments(mart, "rfm", day(3)).to_pandas().segment.tolist() == ["b"]


def test_migration_compares_dates_still_stored() -> None:
    with connect(":memory:") as mart:
        for offset, segment in enumerate(["a", "a", "b", "b"]):
            save(mart, ("rfm", 1, offset, {"c1": segment, "c2": "a"}))
        apply_history(mart, 2)
        moved = migration(mart, "rfm", day(1), day(3))
        assert moved.counts.loc["a", "b"] == 1
        assert moved.counts.loc["a", "a"] == 1


def test_runs_out_of_step_count_the_stored_rows_gone_never_a_negative_number() -> None:
    """A store interrupted between its two writes left day 5's assignments without their
    runs: the runs are computed whole, with more rows than were stored."""
    with connect(":memory:") as mart:
        for offset in range(5):
            save(mart, ("rfm", 1, offset, dict.fromkeys(CUSTOMERS, "a")))
        for customer in CUSTOMERS:
            mart.raw.execute(
                "INSERT INTO assignments VALUES ('rfm', 1, $1, $2, 'b')", [day(5), customer]
            )
        before = set(kept(mart))
        dry = apply_history(mart, 2, dry_run=True)
        real = apply_history(mart, 2)
        assert kept(mart) == computed(mart)
        gone = before - set(kept(mart))
        assert real.segment_runs_deleted == dry.segment_runs_deleted == len(gone) == 4


def test_the_lists_older_than_the_period_before_the_latest_lists_go() -> None:
    with connect(":memory:") as mart:
        add_lists(mart, [0, 10, 20, 28, 30])
        stored = rows(mart, "recommendations")
        dry = apply_history(mart, 10, dry_run=True)
        real = apply_history(mart, 10, actor="dpo")
        assert real == dry
        assert dates_of(mart, "recommendations") == [day(20), day(28), day(30)]
        assert real.recommendations_deleted == stored - rows(mart, "recommendations") == 8
        assert real.deleted == 8
        assert dict(real.cutoffs) == {"recommendations": day(20)}
        [entry] = audit.entries(mart, action="retention")
        assert entry.details["recommendations_deleted"] == 8
        shown = recommend.show(mart, "c1")  # the latest list, as before
        assert shown["rank"].tolist() == [1, 2]
        assert {pd.Timestamp(d).date() for d in shown.as_of} == {day(30)}
        with pytest.raises(MartError, match="stored dates: 2025-01-21, 2025-01-29, 2025-01-31"):
            export_rows(mart, "email", as_of=day(10))


def test_the_latest_lists_stay_whatever_the_period() -> None:
    with connect(":memory:") as mart:
        add_lists(mart, [0])
        assert apply_history(mart, 1) == HistoryResult(1)
        add_lists(mart, [400])
        apply_history(mart, 1)
        assert dates_of(mart, "recommendations") == [day(400)]
        mart.drop_table("recommendations")  # a mart made before the table existed
        assert apply_history(mart, 1) == HistoryResult(1)
