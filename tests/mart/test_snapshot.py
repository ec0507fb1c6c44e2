"""Opening the mart without locking others out: file modes, read-only opens, the serving
snapshot writers publish, and the server's pool that follows new snapshots."""

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
from segmint.mart import Mart
from segmint.mart.connection import MartBusyError
from segmint.mart.snapshot import snapshot_path
from segmint.serving.snapshot_pool import ServingRegistration, SnapshotPool, prepare_snapshot

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


def test_a_new_mart_file_is_readable_by_its_owner_only(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "new.duckdb"
    segmint.connect(path).close()
    assert mode_of(path) == 0o600


def test_a_published_snapshot_is_readable_by_its_owner_only(
    tmp_path: Path, umask_022: None
) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    path.chmod(0o644)  # a mart made before: its snapshot is private all the same
    prepare_snapshot(path)
    assert mode_of(snapshot_path(path)) == 0o600


def test_read_only_commands_open_beside_another_reader(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    with held(path, "ro"), segmint.connect(path, read_only=True) as mart:
        assert mart.read_only and rows(mart) == 0


def test_a_write_while_another_process_writes_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    with held(path, "rw") as pid, pytest.raises(MartBusyError) as caught:
        segmint.connect(path, create=False)
    assert f"in use by another process {pid}" in str(caught.value)
    assert "Try again when it has finished" in str(caught.value)


def test_read_only_needs_an_existing_mart(tmp_path: Path) -> None:
    with pytest.raises(MartError, match=r"no mart at .*segmint init"):
        segmint.connect(tmp_path / "none.duckdb", read_only=True)


def test_read_only_brings_a_mart_of_an_older_segmint_up_to_date_first(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with segmint.connect(path) as mart:
        mart.con.drop_table("api_tokens")
    with segmint.connect(path, read_only=True) as mart:
        assert mart.is_up_to_date()


def test_read_only_in_a_process_that_writes_the_mart_shares_that_open(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    with segmint.connect(path) as writer:
        writer.raw.execute("INSERT INTO products (product_id) VALUES ('p1')")
        with segmint.connect(path, read_only=True) as reader:
            assert rows(reader) == 1


def test_writers_publish_only_while_a_snapshot_exists_and_only_changes(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    snapshot = snapshot_path(path)
    add_product(path, "p1")
    assert not snapshot.exists()  # nobody serves it: nothing is copied
    prepare_snapshot(path)
    first = snapshot.stat()
    segmint.connect(path).close()  # opened, nothing changed
    assert snapshot.stat().st_ino == first.st_ino
    add_product(path, "p2")
    assert snapshot.stat().st_ino != first.st_ino
    with segmint.connect(snapshot, read_only=True) as copy:
        assert rows(copy) == 2
    assert not list(tmp_path.glob("*.tmp"))


def test_publish_keeps_the_connection_open(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    segmint.connect(path).close()
    prepare_snapshot(path)
    with segmint.connect(path) as mart:
        mart.raw.execute("INSERT INTO products (product_id) VALUES ('p1')")
        assert mart.publish()
        assert not mart.publish()  # nothing new since
        with segmint.connect(snapshot_path(path), read_only=True) as copy:
            assert rows(copy) == 1


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
