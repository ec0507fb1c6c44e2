"""One writer per Spark warehouse: a second process is refused, opens of one process share."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.mart.connection import MartBusyError
from segmint.mart.warehouse_lock import LOCK_NAME, acquire, release

from .conftest import held_elsewhere, other_process_can_lock


def test_a_second_process_is_refused_and_told_who_writes(tmp_path: Path) -> None:
    with held_elsewhere(tmp_path) as pid, pytest.raises(MartBusyError) as refused:
        acquire(tmp_path)
    assert f"another process (pid {pid}) is writing the Spark mart" in str(refused.value)
    key = acquire(tmp_path)  # the other process ended: its lock went with it
    release(key)


def test_opens_of_one_process_share_the_lock_until_the_last_is_released(tmp_path: Path) -> None:
    first, second = acquire(tmp_path), acquire(tmp_path)
    assert first == second
    release(first)
    assert not other_process_can_lock(tmp_path)
    release(second)
    assert other_process_can_lock(tmp_path)
    assert (tmp_path / LOCK_NAME).is_file()


def test_releasing_what_is_not_held_does_nothing(tmp_path: Path) -> None:
    release(tmp_path.resolve())
    release(acquire(tmp_path))
    release(tmp_path.resolve())
    assert other_process_can_lock(tmp_path)
