"""``segmint warm``: a server started after it takes the kept warm state back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from segmint.config import get_settings
from segmint.mart.snapshot import warm_state_path
from segmint.serving.snapshot_pool import ServingRegistration, SnapshotPool, prepare_snapshot
from segmint.serving.sorted_copies import SortedCopies
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
