"""A server's warm state on disk: written whole or not at all, read back under its key only."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from segmint.insight.profile import profile
from segmint.mart import Mart
from segmint.mart.snapshot import discard_warm_state, warm_state_path
from segmint.serving import warm_state
from segmint.serving.persisted_values import same
from segmint.serving.sorted_copies import SortedCopies
from segmint.serving.warm_state import WarmState, load, save, state_key


@pytest.fixture(scope="module")
def state(mart: Mart) -> Iterator[WarmState]:
    copies = SortedCopies()
    copies.rebuild(mart)
    built = copies.current()
    assert built is not None
    day = mart.raw.execute("SELECT max(as_of) FROM assignments").fetchone()
    assert day is not None
    results = [
        (("profile", "rfm", day[0]), profile(mart, "rfm", day[0])),
        (("cached", "answer"), b"bytes are not kept"),
        (("dates", "rfm"), [dt.date(2025, 1, 1), day[0]]),
    ]
    yield WarmState(built, results)


def test_a_saved_state_reads_back_with_the_same_rows_and_results(
    mart: Mart, state: WarmState, tmp_path: Path
) -> None:
    root = tmp_path / "demo.duckdb.serving-state"
    # the bytes are left for the server to compute
    assert save(root, "k1", state, time.time_ns()) == 2
    assert root.stat().st_mode & 0o777 == 0o700
    back = load(root, "k1")
    assert back is not None
    assert [key for key, _ in back.results] == [
        ("profile", "rfm", state.results[0][0][2]),
        ("dates", "rfm"),
    ]
    assert same(back.results[0][1], state.results[0][1])
    ids = [row[0] for row in mart.raw.execute("SELECT customer_id FROM customers").fetchall()]
    built = state.copies
    assert set(back.copies.tables) == set(built.tables)
    for name, table in built.tables.items():
        assert all(back.copies.tables[name].rows(i) == table.rows(i) for i in ids), name
    assert back.copies.features is not None and built.features is not None
    assert back.copies.features[0] == built.features[0]
    assert back.copies.orders is not None and built.orders is not None
    assert all(back.copies.orders.rows(i) == built.orders.rows(i) for i in ids)
    assert back.copies.has_scores == built.has_scores
    assert back.copies.listed is not None and built.listed is not None  # the list, if any
    assert list(back.copies.listed.keys) == list(built.listed.keys)


def test_every_file_saved_is_readable_by_its_owner_only(state: WarmState, tmp_path: Path) -> None:
    """The copies hold e-mail addresses: each file is 0600 like the mart, not 0644, whatever
    the umask lets files be made with (and the folders 0700)."""
    before = os.umask(0o022)
    try:
        root = tmp_path / "demo.duckdb.serving-state"
        save(root, "k1", state, time.time_ns())
    finally:
        os.umask(before)
    files = [p for p in root.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"manifest.json", "table-0.keys.npy", "table-0.arrow"}
    assert any(p.name.startswith("result-") for p in files)
    assert {p.name: p.stat().st_mode & 0o777 for p in files} == {p.name: 0o600 for p in files}
    folders = [root, *(p for p in root.rglob("*") if p.is_dir())]
    assert all(p.stat().st_mode & 0o777 == 0o700 for p in folders)


def test_another_key_finds_nothing_and_a_new_save_removes_the_old(
    state: WarmState, tmp_path: Path
) -> None:
    root = tmp_path / "state"
    save(root, "old", state, time.time_ns())
    assert load(root, "other") is None
    (root / f"{warm_state.TEMPORARY}999999999-abandoned").mkdir()  # a killed writer's
    save(root, "new", state, time.time_ns())
    assert sorted(p.name for p in root.iterdir()) == ["new"]
    assert load(root, "old") is None and load(root, "new") is not None


def test_a_damaged_state_is_ignored_with_a_warning(
    state: WarmState, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    save(tmp_path, "k", state, time.time_ns())
    (tmp_path / "k" / "orders.arrow").write_bytes(b"not arrow")
    with caplog.at_level(logging.WARNING):
        assert load(tmp_path, "k") is None
    assert "cannot be read" in caplog.text


def test_the_key_changes_with_the_data_seen_only() -> None:
    seen = ([{"segmentation": "rfm", "version": "1"}], ((dt.date(2025, 1, 1),), (800,), None))
    key = state_key(seen)
    assert key == state_key(seen)
    assert state_key(([], seen[1])) != key
    assert state_key((seen[0], ((dt.date(2025, 1, 1),), (801,), None))) != key


def test_a_state_of_data_older_than_a_discard_is_not_kept(state: WarmState, tmp_path: Path) -> None:
    mart = tmp_path / "shop.duckdb"
    root = warm_state_path(mart)
    assert save(root, "before", state, written=time.time_ns()) == 2
    read = time.time_ns()  # a server reads the data, then an erasure discards the state
    time.sleep(0.01)
    discard_warm_state(mart)
    assert save(root, "computed-before", state, written=read) is None
    assert not root.exists() or not any(root.iterdir())
    time.sleep(0.01)
    (tmp_path / "written-after").touch()  # the file system's clock, as the mart's
    written = (tmp_path / "written-after").stat().st_mtime_ns
    assert save(root, "after", state, written=written) == 2
    assert [p.name for p in root.iterdir()] == ["after"]
