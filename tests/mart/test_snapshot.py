"""Opening the mart without locking others out: file modes, read-only opens, the serving
snapshot writers publish, and the server's pool that follows new snapshots."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import segmint
from segmint.exceptions import MartError
from segmint.mart import Mart
from segmint.mart.connection import MartBusyError
from segmint.mart.snapshot import (
    discard_warm_state,
    snapshot_path,
    warm_state_guard,
    warm_state_path,
)
from segmint.serving.snapshot_pool import prepare_snapshot

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


def test_the_warm_state_lives_beside_the_mart_and_is_discarded_whole(tmp_path: Path) -> None:
    mart = tmp_path / "shop.duckdb"
    kept = warm_state_path(mart)
    assert kept == tmp_path / "shop.duckdb.serving-state"
    (kept / "key").mkdir(parents=True)
    (kept / "key" / "customer_pii.arrow").write_bytes(b"personal data")
    discard_warm_state(mart)
    assert not kept.exists()
    discard_warm_state(mart)  # nothing left: nothing to do
    discard_warm_state(":memory:")


def test_a_discard_is_marked_under_the_lock_savers_take(tmp_path: Path) -> None:
    mart = tmp_path / "shop.duckdb"
    root = warm_state_path(mart)
    with warm_state_guard(root) as discarded:
        assert discarded is None  # never discarded
    before = time.time_ns()
    discard_warm_state(mart)
    with warm_state_guard(root) as discarded:
        assert discarded is not None and discarded >= before - 10_000_000  # the coarse clock
        marked = discarded
    time.sleep(0.01)
    discard_warm_state(mart)
    with warm_state_guard(root) as discarded:
        assert discarded is not None and discarded > marked
    assert {p.name for p in tmp_path.iterdir()} == {
        "shop.duckdb.serving-state.lock",
        "shop.duckdb.serving-state.discarded",
    }
    for name in ("lock", "discarded"):
        assert (tmp_path / f"shop.duckdb.serving-state.{name}").stat().st_mode & 0o777 == 0o600
