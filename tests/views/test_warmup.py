"""The warmer computes the first profiles off the request path and notices a changed mart."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pytest

from segmint.config import get_settings
from segmint.exceptions import MartError
from segmint.features import stored_dates
from segmint.features.asof import default_as_of
from segmint.insight.day_facts import DayFacts, day_facts
from segmint.mart import Mart, connect
from segmint.mart.privacy import forget
from segmint.mart.snapshot import warm_state_path
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token
from segmint.segmentation import store
from segmint.serving import warm_state
from segmint.serving.persisted_values import same
from segmint.serving.snapshot_pool import ServingRegistration, SnapshotPool, prepare_snapshot
from segmint.serving.sorted_copies import COPIED, SortedCopies
from segmint.views import warmup
from segmint.views.customer_view import customer_360
from segmint.views.dashboard import Dashboard
from segmint.views.warmup import MOST_DELAY, Warmer


@pytest.fixture(scope="module")
def mart(mart_path: Path) -> Iterator[Mart]:
    """This module's copy of the demo mart, opened."""
    with connect(mart_path, create=False) as opened:
        yield opened


def warmer_over(mart: Mart) -> Warmer:
    @contextmanager
    def lease() -> Iterator[Mart]:
        yield mart

    return Warmer(lease, Dashboard(ttl=None, catalogue_ttl=None), SortedCopies())


def wait_until(check: Callable[[], bool], seconds: float = 120) -> bool:
    """Wait until ``check()`` holds or ``seconds`` pass; whether it held (the background
    thread's warm-up of the demo mart takes seconds)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def refuse() -> object:
    raise AssertionError("this should have been warmed, not computed")


def test_first_look_warms_every_segmentation_and_builds_the_copies(mart: Mart) -> None:
    warmer = warmer_over(mart)
    assert warmer.check(mart)
    dashboard = warmer.dashboard
    for name in dashboard.names(mart):
        day = dashboard.dates(mart, name)[-1]
        assert dashboard.results.get(("profile", name, day), refuse) is not None
        assert dashboard.results.get(("overview", name, day), refuse) is not None
    customer = mart.raw.execute("SELECT min(customer_id) FROM assignments").fetchone()
    assert customer is not None and warmer.copies.rows("assignments", customer[0])
    assert warmer.copies.recent_orders(mart, customer[0], 20) is not None
    warmer.copies.clear()


def test_segmentations_of_one_date_share_its_facts_computed_once(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[dt.date] = []

    @contextmanager
    def counted(opened: Mart, day: dt.date, names: list[str]) -> Iterator[DayFacts]:
        computed.append(day)
        with day_facts(opened, day, names) as facts:
            assert facts.joined is not None and set(facts.joined.columns) == set(names)
            yield facts

    def not_shared(*args: object) -> None:
        raise AssertionError("a profile computed what its date shares")

    monkeypatch.setattr(warmup, "day_facts", counted)
    profile_module = importlib.import_module("segmint.insight.profile")
    monkeypatch.setattr(profile_module, "day_facts", not_shared)
    monkeypatch.setattr(profile_module.base, "with_features", not_shared)
    warmer = warmer_over(mart)
    warmer._warm(mart)
    dashboard = warmer.dashboard
    days = {dashboard.dates(mart, name)[-1] for name in dashboard.names(mart)}
    assert len(dashboard.names(mart)) > len(days)  # else nothing would be shared
    assert sorted(computed) == sorted(days)
    names = dashboard.names(mart)
    assert all(dashboard.has_profile(name, dashboard.dates(mart, name)[-1]) for name in names)
    assert dashboard.results.get(("base_figures", computed[0]), refuse) is not None
    warmer._warm(mart)  # every profile cached: no date's facts computed again
    assert sorted(computed) == sorted(days)


def test_a_date_whose_facts_cannot_be_computed_does_not_stop_the_others(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)
    dashboard = warmer.dashboard
    latest = {name: dashboard.dates(mart, name)[-1] for name in dashboard.names(mart)}
    earlier = {name: dashboard.dates(mart, name)[0] for name in latest}
    moved = next(name for name in latest if earlier[name] < latest[name])
    dates = dashboard.dates  # the segmentation ``moved`` warmed at its earlier date
    monkeypatch.setattr(
        dashboard, "dates", lambda m, name: dates(m, name)[:1] if name == moved else dates(m, name)
    )

    def failing(opened: Mart, day: dt.date, names: list[str]) -> AbstractContextManager[DayFacts]:
        if day != earlier[moved]:
            raise MartError("the mart has no order_lines table")
        return day_facts(opened, day, names)

    monkeypatch.setattr(warmup, "day_facts", failing)
    warmer._warm(mart)  # no error
    assert dashboard.has_profile(moved, earlier[moved])
    assert not any(dashboard.has_profile(name, latest[name]) for name in latest)


def test_the_copies_are_built_when_a_summary_fails_and_the_next_look_tries_again(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)

    def fail(*args: object) -> None:
        raise MemoryError("the engine ran out of memory")

    monkeypatch.setattr(warmer.dashboard, "overview", fail)
    with pytest.raises(MemoryError):
        warmer.check(mart)
    customer = mart.raw.execute("SELECT min(customer_id) FROM assignments").fetchone()
    assert customer is not None and warmer.copies.rows("assignments", customer[0])
    monkeypatch.undo()
    assert warmer.check(mart)  # not seen as warm: looked at again
    warmer.copies.clear()


def test_the_tables_copied_whole_are_built_beside_the_summaries(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)
    beside: list[str] = []
    handed: list[object] = []
    built_whole, rebuild = warmup.whole_copies, warmer.copies.rebuild

    def whole(opened: Mart) -> Any:
        beside.append(threading.current_thread().name)
        return built_whole(opened)

    def copy(opened: Mart, *args: Any) -> None:
        handed.append(args[0])
        rebuild(opened, *args)

    monkeypatch.setattr(warmup, "whole_copies", whole)
    monkeypatch.setattr(warmer.copies, "rebuild", copy)
    assert warmer.check(mart)
    assert len(beside) == 1 and beside[0].startswith("segmint-copy-whole")
    present = {name for name in COPIED if mart.has_table(name)}
    assert isinstance(handed[0], dict) and set(handed[0]) == present and len(present) == 4
    assert all(copy is not None for copy in handed[0].values())
    customer = mart.raw.execute("SELECT min(customer_id) FROM customers").fetchone()
    assert customer is not None and warmer.copies.rows("customers", customer[0])
    warmer.copies.clear()


def test_copies_whose_early_build_failed_are_built_with_the_others(
    mart: Mart, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    warmer = warmer_over(mart)

    def failing(opened: Mart) -> Any:
        raise MemoryError("the engine ran out of memory")

    monkeypatch.setattr(warmup, "whole_copies", failing)
    assert warmer.check(mart)
    assert "beside the summaries failed" in caplog.text
    customer = mart.raw.execute("SELECT min(customer_id) FROM customers").fetchone()
    assert customer is not None and warmer.copies.rows("customers", customer[0])
    warmer.copies.clear()


def cap(mart: Mart) -> str:
    """The engine's memory cap in force (the buffer pool's, which a failed change of the
    setting leaves as it was)."""
    with mart.raw.cursor() as own:  # the warmer's thread may be using the connection
        found = own.execute("SELECT memory_limit FROM pragma_database_size()").fetchone()
    assert found is not None
    return str(found[0])


@contextmanager
def capped(mart: Mart, warmer: Warmer) -> Iterator[dict[str, str]]:
    """The mart's engine capped at 300MB and ``warmer`` raising it to 700MB while it
    summarises; yields the caps as the engine reports them; the module's cap set back and
    the copies let go after."""
    reported = {}
    for limit in ("700MB", "300MB"):
        mart.raw.execute("SET memory_limit = $1", [limit])
        reported[limit] = cap(mart)
    warmer.memory = ("700MB", "300MB")
    try:
        yield {"raised": reported["700MB"], "serving": reported["300MB"]}
    finally:
        mart.raw.execute("SET memory_limit = $1", [get_settings().memory_limit])
        warmer.copies.clear()


def test_the_summaries_get_the_raised_cap_the_copies_and_a_retry_the_servers(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)
    seen: list[tuple[str, str]] = []
    overview, rebuild = warmer.dashboard.overview, warmer.copies.rebuild
    failing = [True]

    def summarise(*args: Any) -> Any:
        seen.append(("summaries", cap(mart)))
        if failing[0]:
            raise MemoryError("the engine ran out of memory")
        return overview(*args)

    def copy(opened: Mart, *args: Any) -> None:
        seen.append(("copies", cap(mart)))
        rebuild(opened, *args)

    monkeypatch.setattr(warmer.dashboard, "overview", summarise)
    monkeypatch.setattr(warmer.copies, "rebuild", copy)
    with capped(mart, warmer) as caps:
        with pytest.raises(MemoryError):
            warmer.check(mart)
        assert seen == [("summaries", caps["raised"]), ("copies", caps["serving"])]
        assert cap(mart) == caps["serving"]
        seen.clear()
        failing[0] = False
        assert warmer.check(mart)  # the retry: the copies of the failed try are held
        assert seen and set(seen) == {("summaries", caps["serving"])}
        assert cap(mart) == caps["serving"]


@pytest.mark.parametrize("refusals", [2, warmup.SET_BACK_TRIES])
def test_a_cap_the_engine_cannot_lower_yet_is_tried_again(
    mart: Mart, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, refusals: int
) -> None:
    warmer = warmer_over(mart)
    set_cap = warmup._set_cap
    refused = [refusals]

    def busy(opened: Mart, limit: str) -> None:
        if limit == "300MB" and refused[0]:  # requests hold more than the cap
            refused[0] -= 1
            raise duckdb.OutOfMemoryException("Failed to change memory limit")
        set_cap(opened, limit)

    monkeypatch.setattr(warmup, "_set_cap", busy)
    monkeypatch.setattr(warmup, "SET_BACK_PAUSE", 0.0)
    with capped(mart, warmer) as caps, caplog.at_level(logging.WARNING, warmup.__name__):
        assert warmer.check(mart)  # the warm-up succeeds either way
        lowered = refusals < warmup.SET_BACK_TRIES
        assert cap(mart) == caps["serving" if lowered else "raised"]
        assert ("could not set the engine's memory cap back" in caplog.text) is not lowered
        warmer._settle()  # the background loop's next look
        assert cap(mart) == caps["serving"]


def test_the_background_loop_sets_a_refused_cap_back_at_its_next_look(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)
    set_cap = warmup._set_cap
    refused = [warmup.SET_BACK_TRIES]  # every try of the warm-up itself

    def busy(opened: Mart, limit: str) -> None:
        if limit == "300MB" and refused[0]:
            refused[0] -= 1
            raise duckdb.OutOfMemoryException("Failed to change memory limit")
        set_cap(opened, limit)

    monkeypatch.setattr(warmup, "_set_cap", busy)
    monkeypatch.setattr(warmup, "SET_BACK_PAUSE", 0.0)
    with capped(mart, warmer) as caps:
        warmer.start()
        try:
            assert wait_until(lambda: not warmer.warming)
            assert wait_until(lambda: not warmer._raised)  # by the loop, not by the test
            assert cap(mart) == caps["serving"]
        finally:
            warmer.stop()


def test_a_retry_of_unchanged_data_keeps_the_copies_and_the_summaries_that_succeeded(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)
    rebuilds: list[int] = []
    rebuild = warmer.copies.rebuild
    monkeypatch.setattr(
        warmer.copies, "rebuild", lambda m, *args: (rebuilds.append(1), rebuild(m, *args))
    )
    dashboard = warmer.dashboard
    names = dashboard.names(mart)
    failing = names[-1]
    overview = dashboard.overview

    def fail_one(opened: Mart, name: str, day: dt.date) -> object:
        if name == failing:
            raise MemoryError("the engine ran out of memory")
        return overview(opened, name, day)

    monkeypatch.setattr(dashboard, "overview", fail_one)
    with pytest.raises(MemoryError):
        warmer.check(mart)
    monkeypatch.setattr(dashboard, "overview", overview)
    first = names[0]
    kept = dashboard.results.get(("profile", first, dashboard.dates(mart, first)[-1]), refuse)
    assert warmer.check(mart)
    assert rebuilds == [1]  # the copies of the failed try are kept
    again = dashboard.results.get(("profile", first, dashboard.dates(mart, first)[-1]), refuse)
    assert again is kept  # not computed again
    day = dashboard.dates(mart, failing)[-1]
    assert dashboard.results.get(("overview", failing, day), refuse) is not None
    warmer.copies.clear()


def test_data_changed_back_after_a_failed_warm_up_is_warmed_again(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)
    assert warmer.check(mart)
    customer = mart.raw.execute("SELECT min(customer_id) FROM customers").fetchone()
    assert customer is not None
    day = stored_dates(mart)[-1]
    row = ["extra", day, customer[0]]
    mart.raw.execute("INSERT INTO assignments VALUES ($1, 1, $2, $3, 'only one')", row)
    try:

        def fail(*args: object) -> None:
            raise MemoryError("the engine ran out of memory")

        monkeypatch.setattr(warmer.dashboard, "personas", fail)
        with pytest.raises(MemoryError):
            warmer.check(mart)  # the changed data fails to warm
        monkeypatch.undo()
    finally:
        mart.raw.execute(
            "DELETE FROM assignments WHERE segmentation = $1 AND as_of = $2 AND customer_id = $3",
            row,
        )
    assert warmer.check(mart)  # the data as first seen: warmed again, not taken as current
    warmer.copies.clear()


def test_failed_tries_are_spaced_further_apart_up_to_a_limit(mart: Mart) -> None:
    warmer = warmer_over(mart)
    warmer.interval = 30.0
    assert [warmer.delay(n) for n in range(5)] == [30.0, 30.0, 60.0, 120.0, 240.0]
    assert warmer.delay(20) == MOST_DELAY
    assert warmer.delay(5_000) == MOST_DELAY  # no overflow after days of failures


@contextmanager
def extra_assignment(mart: Mart) -> Iterator[tuple[str, dt.date]]:
    """One more stored assignment (segmentation 'extra') while the block runs: the customer
    and the date."""
    customer = mart.raw.execute("SELECT min(customer_id) FROM customers").fetchone()
    assert customer is not None
    day = stored_dates(mart)[-1]
    one = ibis.memtable({"customer_id": [customer[0]], "segment": ["only one"]})
    store.save(mart, "extra", "rules", {"extra": True}, day, one)
    try:
        yield customer[0], day
    finally:
        for table in ("assignments", "segment_runs", "segmentations"):
            mart.raw.execute(f"DELETE FROM {table} WHERE segmentation = 'extra'")


def shows_extra(mart: Mart, copies: SortedCopies, customer: str, day: dt.date) -> bool:
    view = customer_360(mart, customer, copies=copies)
    stored = day.isoformat()
    extra = {"segmentation": "extra", "since": stored, "as_of": stored, "segment": "only one"}
    return extra in view.segments


def test_an_unchanged_mart_is_not_warmed_again_a_changed_one_is(mart: Mart) -> None:
    warmer = warmer_over(mart)
    assert warmer.check(mart)
    assert not warmer.check(mart)
    with extra_assignment(mart) as (customer, day):
        assert warmer.check(mart)
        assert shows_extra(mart, warmer.copies, customer, day)
    warmer.copies.clear()


def test_the_background_thread_warms_up_then_stops(mart: Mart) -> None:
    warmer = warmer_over(mart)
    assert warmer.warming
    warmer.start()
    assert wait_until(lambda: not warmer.warming)
    warmer.stop()
    warmer.copies.clear()


def test_a_wake_makes_the_warmer_look_again_at_once(mart: Mart) -> None:
    warmer = warmer_over(mart)
    warmer.interval = 3600.0  # without a wake, the second look would be an hour away
    looks: list[bool] = []
    look = warmer.check
    warmer.check = lambda opened: looks.append(look(opened)) or looks[-1]  # type: ignore[method-assign]
    warmer.start()
    try:
        assert wait_until(lambda: not warmer.warming and len(looks) >= 1)
        assert looks == [True]
        warmer.wake()  # the server switched to a new snapshot
        assert wait_until(lambda: len(looks) >= 2)
        assert looks == [True, False]  # looked again; nothing had changed
    finally:
        warmer.stop()
        warmer.copies.clear()


def kept_warmer(mart: Mart, root: Path) -> Warmer:
    warmer = warmer_over(mart)
    warmer.kept = root
    return warmer


def test_a_new_server_on_unchanged_data_takes_the_kept_state_back(
    mart: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kept_warmer(mart, tmp_path)
    assert first.check(mart)
    assert len(list(tmp_path.iterdir())) == 1
    second = kept_warmer(mart, tmp_path)

    def computed(*args: object) -> None:
        raise AssertionError("kept, so it should not be computed")

    monkeypatch.setattr(second, "_warm", computed)
    monkeypatch.setattr(second.copies, "rebuild", computed)
    assert second.check(mart)
    assert not second.check(mart)  # seen: unchanged
    dashboard = second.dashboard
    for name in dashboard.names(mart):
        day = dashboard.dates(mart, name)[-1]
        assert same(
            dashboard.results.get(("profile", name, day), refuse),
            first.dashboard.results.get(("profile", name, day), refuse),
        )
        assert dashboard.results.get(("overview", name, day), refuse) is not None
    ids = [row[0] for row in mart.raw.execute("SELECT customer_id FROM customers").fetchall()]
    for customer_id in ids[:50]:
        assert customer_360(mart, customer_id, copies=second.copies) == customer_360(
            mart, customer_id, copies=first.copies
        )
    assert second.copies.recent_orders(mart, ids[0], 20) is not None  # trusted: file unchanged
    first.copies.clear()
    second.copies.clear()


def test_changed_data_is_computed_and_kept_anew(mart: Mart, tmp_path: Path) -> None:
    first = kept_warmer(mart, tmp_path)
    assert first.check(mart)
    before = {p.name for p in tmp_path.iterdir()}
    with extra_assignment(mart) as (customer, day):
        second = kept_warmer(mart, tmp_path)
        warmed: list[Mart] = []
        warm = second._warm
        second._warm = lambda opened: (warmed.append(opened), warm(opened))[1]  # type: ignore[method-assign]
        assert second.check(mart)
        assert warmed  # computed, not taken back
        assert shows_extra(mart, second.copies, customer, day)
        after = {p.name for p in tmp_path.iterdir()}
        assert len(after) == 1 and after != before  # the old state replaced
    first.copies.clear()
    second.copies.clear()


def test_a_commit_that_keeps_the_data_keeps_the_state(
    mart: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kept_warmer(mart, tmp_path)
    assert first.check(mart)
    create_token(mart, Role.viewer, "a new token: the file changes, the data do not")
    assert not first.check(mart)
    second = kept_warmer(mart, tmp_path)

    def computed(*args: object) -> None:
        raise AssertionError("kept, so it should not be computed")

    monkeypatch.setattr(second, "_warm", computed)
    assert second.check(mart)
    first.copies.clear()
    second.copies.clear()


def test_a_state_that_cannot_be_kept_leaves_the_server_warm(
    mart: Mart, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    warmer = kept_warmer(mart, blocked)
    with caplog.at_level(logging.WARNING):
        assert warmer.check(mart)
    assert "could not keep the warm state" in caplog.text
    assert warmer.copies.built
    warmer.copies.clear()


def test_the_background_thread_keeps_the_state_after_saying_it_is_ready(
    mart: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = kept_warmer(mart, tmp_path)
    ready_when_saved: list[bool] = []
    save = warm_state.save

    def saving(*args: Any) -> int:
        ready_when_saved.append(not warmer.warming)
        return save(*args)

    monkeypatch.setattr(warm_state, "save", saving)
    warmer.start()
    wait_until(lambda: bool(ready_when_saved))
    warmer.stop()
    assert ready_when_saved == [True]
    assert len(list(tmp_path.iterdir())) == 1
    warmer.copies.clear()


def test_a_state_warmed_before_an_erasure_is_not_kept_after_it(
    demo_mart_file: Path, tmp_path: Path, privacy_key: str
) -> None:
    """A server warming its snapshot of the data before an erasure keeps nothing once the
    erasure has discarded the warm state; on the next snapshot it keeps the state again."""
    path = tmp_path / "shop.duckdb"
    shutil.copy(demo_mart_file, path)
    registration = ServingRegistration(path)
    try:
        prepare_snapshot(path)
        pool = SnapshotPool(path, get_settings(path, serving=True))
        try:
            root = warm_state_path(path)
            warmer = Warmer(pool.lease, Dashboard(ttl=None), SortedCopies(), kept=root)
            warmer._deferred = True  # as the background loop: kept after the warm-up
            with pool.lease() as snapshot:
                assert warmer.check(snapshot)
                person = snapshot.raw.execute("SELECT min(customer_id) FROM customers").fetchone()
            assert person is not None
            with connect(path) as writer:  # meanwhile, an erasure
                forget(writer, [person[0]], "erasure request 7", key=privacy_key)
            warmer._keep()
            assert not warmer.kept_now
            assert not root.exists() or not any(root.iterdir())
            assert pool.refresh()  # the server takes up the snapshot the erasure published
            with pool.lease() as snapshot:
                assert warmer.check(snapshot)
            warmer._keep()
            assert warmer.kept_now
            kept = list(root.iterdir())
            assert len(kept) == 1
            back = warm_state.load(root, kept[0].name)
            assert back is not None and not back.copies.tables["customers"].rows(person[0])
            warmer.copies.clear()
        finally:
            pool.close()
    finally:
        registration.release()


def test_the_background_thread_reads_the_360_tables_after_saying_it_is_ready(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)
    ready_when_read: list[bool] = []

    def reading(read: Mart) -> None:
        ready_when_read.append(not warmer.warming)

    monkeypatch.setattr(warmup, "preload", reading)
    warmer.start()
    wait_until(lambda: bool(ready_when_read))
    warmer.stop()
    assert ready_when_read == [True]
    warmer.copies.clear()
    direct = warmer_over(mart)  # a look outside the loop reads them at once
    assert direct.check(mart)
    assert len(ready_when_read) == 2
    direct.copies.clear()


def test_the_background_thread_computes_the_value_page_after_saying_it_is_ready(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = warmer_over(mart)
    ready_when_computed: list[bool] = []
    computed = warmer.dashboard.value_risk

    def computing(read: Mart, day: dt.date) -> object:
        ready_when_computed.append(not warmer.warming)
        return computed(read, day)

    monkeypatch.setattr(warmer.dashboard, "value_risk", computing)
    warmer.start()
    wait_until(lambda: bool(ready_when_computed))
    warmer.stop()
    assert ready_when_computed == [True]
    day = default_as_of(mart)
    assert any(key == ("value_risk", day) for key, _ in warmer.dashboard.results.items())
    warmer.copies.clear()


def test_a_state_that_fails_to_be_kept_does_not_end_the_background_thread(
    mart: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = kept_warmer(mart, tmp_path)
    went_on: list[bool] = []

    def broken(*args: Any) -> int:
        raise ValueError("a result that cannot be written")

    monkeypatch.setattr(warm_state, "save", broken)
    monkeypatch.setattr(warmup, "preload", lambda read: went_on.append(True))
    warmer.start()
    wait_until(lambda: bool(went_on))
    alive = warmer._thread is not None and warmer._thread.is_alive()
    warmer.stop()
    assert went_on == [True] and alive  # the loop went on past the failed keep
    warmer.copies.clear()
