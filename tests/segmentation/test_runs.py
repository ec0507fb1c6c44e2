"""The runs the store keeps equal the runs computed from every stored assignment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings

from segmint.mart import Mart, connect
from segmint.mart.spark import connect_spark
from segmint.segmentation import store
from segmint.segmentation.runs import RULES_TABLE, RUN_COLUMNS, RUNS_TABLE, current

from .conftest import DAY, Write, computed, day, kept, read, save, writes


@settings(max_examples=60, deadline=None)
@given(writes(last_offset=5, max_size=7))
def test_the_kept_runs_equal_the_runs_of_every_stored_assignment(history: list[Write]) -> None:
    """Dates in any order, stored again, new versions of a stored date, older versions
    stored again, customers who miss a date: after every store the table holds exactly the
    runs of the assignments, those of the version every reader reads as of each date."""
    with connect(":memory:") as mart:
        for write in history:
            save(mart, write)
            assert kept(mart) == computed(mart) == read(mart)


def test_a_refreshed_date_extends_the_runs_that_go_on_and_starts_the_others() -> None:
    with connect(":memory:") as mart:
        save(mart, ("rfm", 1, 0, {"c1": "a", "c2": "a", "c3": "b"}))
        save(mart, ("rfm", 1, 1, {"c1": "a", "c2": "b", "c4": "a"}))
        save(mart, ("rfm", 1, 2, {"c1": "a", "c2": "a"}))  # c2 back where it was
        day0, day1, day2 = (DAY + dt.timedelta(days=n) for n in range(3))
        assert kept(mart) == [
            ("rfm", "c1", day0, day2, "a"),
            ("rfm", "c2", day0, day0, "a"),
            ("rfm", "c2", day1, day1, "b"),
            ("rfm", "c2", day2, day2, "a"),
            ("rfm", "c3", day0, day0, "b"),
            ("rfm", "c4", day1, day1, "a"),
        ]
        assert kept(mart) == computed(mart)


def test_a_mart_stored_before_the_table_existed_gets_it_with_the_next_store() -> None:
    with connect(":memory:") as mart:
        save(mart, ("rfm", 1, 0, {"c1": "a", "c2": "b"}))
        save(mart, ("tiers", 1, 0, {"c1": "a"}))
        mart.drop_table(RUNS_TABLE)  # as an older segmint left it
        save(mart, ("rfm", 1, 1, {"c1": "b"}))
        assert kept(mart) == computed(mart)
        assert ("tiers", "c1", DAY, DAY, "a") in kept(mart)
        mart.drop_table(RUNS_TABLE)
        save(mart, ("new", 1, 0, {"c2": "a"}))  # a first date, on such a mart
        assert kept(mart) == computed(mart)
        assert ("rfm", "c1", DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1), "b") in kept(
            mart
        )


@pytest.mark.slow
@pytest.mark.spark
def test_the_kept_runs_are_the_same_on_spark(spark_session: Any, tmp_path: Path) -> None:
    """A later date (runs extended), the first date again (runs computed again): on Spark
    the table holds the runs of the assignments, as on DuckDB."""
    history: list[Write] = [
        ("rfm", 1, 0, {"c1": "a", "c2": "a", "c3": "b"}),
        ("rfm", 1, 2, {"c1": "a", "c2": "b"}),
        ("rfm", 1, 0, {"c1": "b", "c2": "a"}),
        ("rfm", 1, 3, {"c1": "b", "c3": "b"}),
    ]
    spark = connect_spark(tmp_path / "warehouse", spark_session)
    try:
        with connect(":memory:") as duck:
            for write in history:
                save(spark, write)
                save(duck, write)
            on_spark = spark.table(RUNS_TABLE).select(*RUN_COLUMNS).execute()
            on_duck = kept(duck)
        runs = sorted(
            (s, c, pd.Timestamp(since).date(), pd.Timestamp(as_of).date(), segment)
            for s, c, since, as_of, segment in on_spark.itertuples(index=False, name=None)
        )
        assert runs == on_duck and len(runs) == 6  # c1 three, c2 two, c3 one (date 0 gone)
    finally:
        spark.close()


def test_runs_left_behind_by_a_write_they_missed_are_computed_again() -> None:
    """Assignments written without their runs (an older segmint, or a store interrupted
    between the two writes on Spark): the next store notices and computes them again."""
    with connect(":memory:") as mart:
        save(mart, ("rfm", 1, 0, {"c1": "a", "c2": "a"}))
        mart.raw.execute(
            "INSERT INTO assignments VALUES ('rfm', 1, $1, 'c1', 'b')", [DAY + dt.timedelta(1)]
        )
        save(mart, ("rfm", 1, 2, {"c1": "b", "c2": "a"}))
        assert kept(mart) == computed(mart)
        mart.raw.execute("DELETE FROM assignments WHERE segmentation = 'rfm'")
        save(mart, ("rfm", 1, 5, {"c2": "b"}))  # its runs of deleted dates are gone too
        assert (
            kept(mart)
            == computed(mart)
            == [("rfm", "c2", DAY + dt.timedelta(5), DAY + dt.timedelta(5), "b")]
        )


def test_an_older_version_stored_again_is_read_on_every_date_it_has_results() -> None:
    """The older definition stored at a later date is the version stored last, so it is
    read again at the earlier date both have results for (not only at its new date); then
    stored at the date only the newer one had, it is read there too."""
    with connect(":memory:") as mart:
        save(mart, ("rfm", 1, 0, {"c1": "a"}))
        save(mart, ("rfm", 2, 0, {"c1": "b"}))
        save(mart, ("rfm", 2, 1, {"c1": "b"}))
        assert kept(mart) == [("rfm", "c1", day(0), day(1), "b")]
        save(mart, ("rfm", 1, 2, {"c1": "a"}))  # a later date: the runs are not just extended
        assert kept(mart) == [
            ("rfm", "c1", day(0), day(0), "a"),
            ("rfm", "c1", day(1), day(1), "b"),
            ("rfm", "c1", day(2), day(2), "a"),
        ]
        save(mart, ("rfm", 1, 1, {"c1": "a"}))
        assert kept(mart) == computed(mart) == read(mart) == [("rfm", "c1", day(0), day(2), "a")]


def test_a_reused_result_of_an_older_version_is_read_and_its_runs_follow() -> None:
    """Stored again unchanged from the same data, the older definition's result is not
    written again, but it is the version stored last: its segments are read that day."""
    with connect(":memory:") as mart:
        for definition, segment in ((1, "a"), (2, "b"), (1, "a")):
            frame = pd.DataFrame({"customer_id": ["c1"], "segment": [segment]})
            rows = ibis.memtable(frame)
            store.save(mart, "rfm", "rules", {"d": definition}, DAY, rows, source_key="k")
        assert kept(mart) == computed(mart) == read(mart) == [("rfm", "c1", DAY, DAY, "a")]


def test_runs_kept_by_an_older_rule_are_computed_again_with_the_next_store() -> None:
    """An older segmint kept the highest version's runs and recorded no rule: readers
    compute the runs until the next store, which computes every segmentation's again."""
    with connect(":memory:") as mart:
        for write in [("rfm", 1, 0, {"c1": "a"}), ("rfm", 2, 0, {"c1": "b"})]:
            save(mart, write)
        save(mart, ("rfm", 1, 0, {"c1": "a"}))
        mart.drop_table(RULES_TABLE)  # as an older segmint left it, with its runs
        mart.raw.execute(f"UPDATE {RUNS_TABLE} SET segment = 'b'")
        assert not current(mart)
        assert computed(mart) == read(mart) == [("rfm", "c1", DAY, DAY, "a")]
        save(mart, ("tiers", 1, 0, {"c2": "a"}))  # another segmentation's first date
        assert current(mart)
        assert kept(mart) == computed(mart) == read(mart)
        assert ("rfm", "c1", DAY, DAY, "a") in kept(mart)


def _in_stored_order(mart: Mart) -> list[tuple[str, str]]:
    """(segmentation, customer_id) of every kept run, in the order the table holds them."""
    found = mart.raw.execute(
        f"SELECT segmentation, customer_id FROM {RUNS_TABLE} ORDER BY rowid"
    ).fetchall()
    return [(str(s), str(c)) for s, c in found]


def _blocks_in_customer_order(rows: list[tuple[str, str]]) -> bool:
    """Whether each segmentation's rows are one block, in ``customer_id`` order."""
    names = [name for i, (name, _) in enumerate(rows) if i == 0 or rows[i - 1][0] != name]
    return len(names) == len(set(names)) and all(
        rows[i - 1][1] <= rows[i][1] for i in range(1, len(rows)) if rows[i - 1][0] == rows[i][0]
    )


def test_each_write_keeps_a_segmentation_s_runs_in_customer_order() -> None:
    """A first date, a refreshed date and the whole table computed again each write the
    runs in ``customer_id`` order, so a read of a range of customers skips the rest of the
    table (zone maps); customers given in descending order."""
    ids = [f"c{n:05d}" for n in range(3000, 0, -1)]
    with connect(":memory:") as mart:
        save(mart, ("rfm", 1, 0, {c: "ab"[n % 2] for n, c in enumerate(ids)}))
        assert _blocks_in_customer_order(_in_stored_order(mart))
        save(mart, ("rfm", 1, 1, {c: "ab"[n % 3 % 2] for n, c in enumerate(ids)}))
        assert _blocks_in_customer_order(_in_stored_order(mart))
        mart.drop_table(RUNS_TABLE)  # computed again from every assignment with the next store
        save(mart, ("tiers", 1, 0, dict.fromkeys(ids, "a")))
        stored = _in_stored_order(mart)
        assert _blocks_in_customer_order(stored)
        assert {name for name, _ in stored} == {"rfm", "tiers"}
        assert kept(mart) == computed(mart)
