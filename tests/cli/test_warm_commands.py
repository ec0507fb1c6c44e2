"""``segmint warm``: a server started after it takes the kept warm state back."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from segmint.config import get_settings
from segmint.mart import connect
from segmint.mart.privacy.keys import ENV_KEY
from segmint.mart.snapshot import discard_warm_state, warm_state_path
from segmint.serving.snapshot_pool import ServingRegistration, SnapshotPool, prepare_snapshot
from segmint.serving.sorted_copies import SortedCopies
from segmint.serving.warm_state import load
from segmint.views.dashboard import Dashboard
from segmint.views.warmup import Warmer

from .conftest import Segmint


def test_warm_keeps_what_a_server_on_the_same_data_takes_back(
    segmint_cli: Segmint, demo_mart_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mart = segmint_cli.mart
    shutil.copy(demo_mart_file, mart)
    made = segmint_cli("warm")
    assert made.exit_code == 0, made.stderr
    assert "kept the dashboard's warm state" in made.stdout
    assert len(list(warm_state_path(mart).iterdir())) == 1
    again = segmint_cli("warm")
    assert again.exit_code == 0 and "already kept" in again.stdout

    # what a server does at start: a snapshot, then its warmer over the snapshot's cursors
    def computed(*args: object) -> None:
        raise AssertionError("kept by `segmint warm`, so it should not be computed")

    registration = ServingRegistration(mart)
    try:
        prepare_snapshot(mart)
        pool = SnapshotPool(mart, get_settings(mart, serving=True))
        try:
            warmer = Warmer(
                pool.lease, Dashboard(ttl=None), SortedCopies(), kept=warm_state_path(mart)
            )
            monkeypatch.setattr(warmer, "_warm", computed)
            monkeypatch.setattr(warmer.copies, "rebuild", computed)
            with pool.lease() as snapshot:
                assert warmer.check(snapshot) and warmer.taken_back
                customer = snapshot.raw.execute("SELECT min(customer_id) FROM customers").fetchone()
                assert customer is not None
                assert warmer.copies.rows("customers", customer[0])
        finally:
            pool.close()
    finally:
        registration.release()


def test_warm_without_a_mart_says_so(segmint_cli: Segmint) -> None:
    result = segmint_cli("warm")
    assert result.exit_code == 2
    assert f"no mart at {segmint_cli.mart}" in result.stderr


def test_warm_after_an_erasure_keeps_the_state_without_the_erased(
    segmint_cli: Segmint, demo_mart_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mart = segmint_cli.mart
    shutil.copy(demo_mart_file, mart)
    monkeypatch.setenv(ENV_KEY, "warm-tests-privacy-key-0123456789abcdef")
    assert segmint_cli("warm").exit_code == 0
    with connect(mart, read_only=True) as opened:
        person = opened.raw.execute("SELECT min(customer_id) FROM customers").fetchone()
    assert person is not None
    erased = segmint_cli("forget", person[0], "--reason", "erasure request 9")
    assert erased.exit_code == 0, erased.stderr
    assert not warm_state_path(mart).exists()
    made = segmint_cli("warm")
    assert made.exit_code == 0, made.stderr
    assert "kept the dashboard's warm state" in made.stdout
    (key,) = warm_state_path(mart).iterdir()
    back = load(warm_state_path(mart), key.name)
    assert back is not None and not back.copies.tables["customers"].rows(person[0])


def test_warm_says_so_when_a_discard_after_the_last_write_keeps_it_from_keeping(
    segmint_cli: Segmint, demo_mart_file: Path
) -> None:
    mart = segmint_cli.mart
    shutil.copy(demo_mart_file, mart)
    time.sleep(0.01)
    discard_warm_state(mart)  # as an erasure that wrote the mart before this moment
    result = segmint_cli("warm")
    assert result.exit_code == 2
    assert "was computed" in result.stderr and "but not kept" in result.stderr
    assert not warm_state_path(mart).exists() or not any(warm_state_path(mart).iterdir())
