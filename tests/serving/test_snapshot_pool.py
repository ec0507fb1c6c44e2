"""The server's side of the snapshot: registration, preparing it, and the pool that follows it.

What writers publish, and the file modes, are in ``tests/mart/test_snapshot.py``.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import segmint
from segmint.exceptions import MartError
from segmint.mart import Mart, connection
from segmint.mart.connection import MartBusyError
from segmint.mart.snapshot import snapshot_path
from segmint.serving import snapshot_pool
from segmint.serving.snapshot_pool import (
    ServingRegistration,
    SnapshotPool,
    _running,
    end_background,
    prepare_in_background,
    prepare_snapshot,
)

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("held", flush=True)
sys.stdin.read()
"""


@contextmanager
def held(path: Path, mode: str) -> Iterator[int]:
    """Another process holding the DuckDB file ``path`` open (``ro`` or ``rw``); its pid."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    try:
        yield child.pid
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def rows(mart: Mart) -> int:
    return mart.count("products")


def add_product(path: Path, product_id: str) -> None:
    with segmint.connect(path) as mart:
        mart.raw.execute(
            "INSERT INTO products (product_id, name) VALUES ($1, 'thing')", [product_id]
        )


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are created readable by everyone."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_pool_switches_to_a_new_snapshot_and_finishes_leases_on_the_old(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    prepare_snapshot(path)
    pool = SnapshotPool(path)
    try:
        assert not pool.refresh()
        with pool.lease() as before:
            add_product(path, "p2")  # a writer publishes while a request runs
            assert pool.refresh() and pool.generation == 2
            assert rows(before) == 1  # the running request finishes on what it started with
            with pool.lease() as after:
                assert rows(after) == 2
        links = list(tmp_path.glob("mart.duckdb.serving-*.duckdb"))
        assert len(links) == 1  # the old generation closed with its last lease
    finally:
        pool.close()
    assert not list(tmp_path.glob("mart.duckdb.serving-*.duckdb"))


def test_the_watcher_switches_by_itself(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    prepare_snapshot(path)
    pool = SnapshotPool(path)
    switched = threading.Event()
    pool.watch(switched.set, interval=0.05)
    try:
        add_product(path, "p2")
        assert switched.wait(timeout=60)
        with pool.lease() as mart:
            assert rows(mart) == 2
    finally:
        pool.close()


def test_links_of_servers_that_died_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    prepare_snapshot(path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f"mart.duckdb.serving-{int(dead.stdout)}-3.duckdb"
    alive = tmp_path / f"mart.duckdb.serving-{os.getppid()}-1.duckdb"
    stale.write_bytes(b"")
    alive.write_bytes(b"")
    SnapshotPool(path).close()
    assert not stale.exists() and alive.exists()


def test_the_last_server_to_stop_removes_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    first, second = ServingRegistration(path), ServingRegistration(path)
    prepare_snapshot(path)
    first.release()
    assert snapshot_path(path).exists()  # the second server still reads it
    second.release()
    assert not snapshot_path(path).exists()
    add_product(path, "p1")
    assert not snapshot_path(path).exists()  # writers copy nothing for nobody


def test_a_starting_server_serves_the_last_snapshot_while_a_writer_runs(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    prepare_snapshot(path)
    told: list[str] = []
    with held(path, "rw"):
        assert prepare_snapshot(path, on_wait=told.append) == snapshot_path(path)
    assert len(told) == 1 and "Serving the last snapshot" in told[0]


def test_a_starting_server_without_snapshot_waits_for_the_writer_then_says_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    told: list[str] = []
    with held(path, "rw"), pytest.raises(MartBusyError, match=r"Waited 0 s for it to finish"):
        prepare_snapshot(path, wait=0.2, on_wait=told.append)
    assert told and "Waiting up to 0 s" in told[0]
    assert not snapshot_path(path).exists()


def test_a_snapshot_made_in_the_background_is_taken_up_not_copied_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    copies: list[Path] = []
    copy = connection.copy_to_snapshot
    monkeypatch.setattr(connection, "copy_to_snapshot", lambda m: copies.append(m) or copy(m))
    prepare_in_background(path)
    server = ServingRegistration(path)  # as a starting server: registered, then prepares
    try:
        assert prepare_snapshot(path) == snapshot_path(path)
        assert len(copies) == 1  # the background's copy, still current
        assert not snapshot_pool._BACKGROUND  # waited for, its registration let go
        assert snapshot_path(path).exists()  # the server's registration keeps it
    finally:
        server.release()
    assert not snapshot_path(path).exists()


def test_a_server_that_never_starts_lets_the_background_snapshot_go(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    prepare_in_background(path)
    end_background(path)
    assert not snapshot_path(path).exists() and not snapshot_pool._BACKGROUND


def test_the_background_leaves_waiting_for_a_writer_to_the_server_which_says_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    told: list[str] = []
    with held(path, "rw"):
        prepare_in_background(path)
        with pytest.raises(MartBusyError, match=r"Waited 0 s for it to finish"):
            prepare_snapshot(path, wait=0.2, on_wait=told.append)
    assert told and "Waiting up to 0 s" in told[0]


def test_without_hard_links_the_pool_reads_private_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    def refuse(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    prepare_snapshot(path)
    monkeypatch.setattr("segmint.serving.snapshot_pool.os.link", refuse)
    pool = SnapshotPool(path)
    try:
        add_product(path, "p2")
        assert pool.refresh()
        with pool.lease() as mart:
            assert rows(mart) == 2
            assert mode_of(Path(mart.path)) == 0o600
    finally:
        pool.close()
    assert not list(tmp_path.glob("mart.duckdb.serving-*.duckdb"))


def test_a_pool_without_a_snapshot_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    with pytest.raises(MartError, match=r"no serving snapshot .*segmint serve"):
        SnapshotPool(path)
    assert not list(tmp_path.glob("mart.duckdb.serving-*.duckdb"))


def test_preparing_the_snapshot_of_no_mart_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MartError):
        prepare_snapshot(tmp_path / "missing.duckdb")
    assert not snapshot_path(tmp_path / "missing.duckdb").exists()


def test_leases_reuse_idle_cursors_and_concurrent_ones_get_their_own(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    prepare_snapshot(path)
    pool = SnapshotPool(path)
    try:
        with pool.lease_numbered() as (number, first):
            assert number == pool.generation == 1
            with pool.lease() as second:
                assert second is not first
                assert rows(second) == rows(first) == 1
        with pool.lease() as again:
            assert again in (first, second)
        assert pool.path == str(path)
    finally:
        pool.close()


def test_refresh_without_a_new_snapshot_keeps_serving(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    prepare_snapshot(path)
    pool = SnapshotPool(path)
    try:
        snapshot_path(path).unlink()  # e.g. the last other server stopped
        assert not pool.refresh()
        with pool.lease() as mart:
            assert rows(mart) == 1
    finally:
        pool.close()


def test_leases_from_many_threads_see_the_same_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    add_product(path, "p1")
    prepare_snapshot(path)
    pool = SnapshotPool(path)
    seen: list[int] = []

    def read() -> None:
        with pool.lease() as mart:
            seen.append(rows(mart))

    try:
        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        pool.close()
    assert seen == [1] * 8


def test_releasing_twice_does_nothing_more(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    registration = ServingRegistration(path)
    prepare_snapshot(path)
    registration.release()
    assert not snapshot_path(path).exists()
    registration.release()


def test_running_knows_this_process() -> None:
    assert _running(os.getpid())
