"""The serving snapshot: a copy of the mart file that a dashboard server reads.

DuckDB lets one process write a database file, and only when no other process has it open
at all (a read-write open takes an exclusive lock on the file, a read-only open a shared
one). A server reading the mart itself would therefore make every load fail for as long as
it runs. So the server reads ``<mart>.serving.duckdb`` instead, and whoever writes the mart
publishes a new copy there when it is done (:meth:`segmint.mart.Mart.publish`, called on
closing): after a ``CHECKPOINT`` the mart file holds every committed change, and it is
copied to a temporary file beside it that then replaces the snapshot in one step
(``os.replace``). A server that still reads the old snapshot keeps its open file until it
switches to the new one; nobody ever waits for anybody.

Snapshots exist only while a server runs on the mart (it makes the first one when it
starts and removes it when it stops), so writers of a mart nobody serves copy nothing.
The copy keeps the mart file's modification time, which is how a writer that changed
nothing knows it has nothing to publish. Snapshot files are readable by their owner only.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".serving.duckdb"
WARM_STATE_SUFFIX = ".serving-state"
FILE_MODE = 0o600
"""Mode of the mart file and of its snapshots: they hold personal data."""


def snapshot_path(mart: Path | str) -> Path:
    """Where the serving snapshot of the mart file ``mart`` lives."""
    return Path(f"{mart}{SUFFIX}")


def warm_state_path(mart: Path | str) -> Path:
    """Where servers of the mart file ``mart`` keep their warm state (the 360° view's copies
    and the dashboard's results, :mod:`segmint.serving.warm_state`)."""
    return Path(f"{mart}{WARM_STATE_SUFFIX}")


def discard_warm_state(mart: Path | str) -> None:
    """Remove the servers' warm state of ``mart``: it holds personal data (an erasure or a
    retention run calls this), and a server computes it again when it needs it.

    A server may be warming on the data as they were before (its snapshot is replaced only
    when the writer closes), and would keep that state once done. So the discard is marked,
    under the lock savers take: :func:`warm_state_guard` tells a saver when, and a state
    computed from data written no later than that is not kept.
    """
    if str(mart) == ":memory:":
        return
    root = warm_state_path(mart)
    with warm_state_guard(root):
        shutil.rmtree(root, ignore_errors=True)
        mark = _discard_mark(root)
        os.close(os.open(mark, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        os.utime(mark)  # the file system's clock, the one the mart's own times come from


@contextmanager
def warm_state_guard(root: Path) -> Iterator[int | None]:
    """Hold the lock of the warm state folder ``root`` for the block (discards wait for it);
    yields the modification time (ns) of its last discard, None when it was never discarded.

    A saver renames its finished state into ``root`` inside the block, only when the data it
    was computed from were last written after that time.
    """
    root.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(f"{root}.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            discarded: int | None = _discard_mark(root).stat().st_mtime_ns
        except FileNotFoundError:
            discarded = None
        yield discarded
    finally:
        os.close(handle)  # releases the lock


def _discard_mark(root: Path) -> Path:
    return Path(f"{root}.discarded")


def is_current(mart: Path | str) -> bool:
    """True when the snapshot of ``mart`` exists and was copied from the mart file as it is."""
    try:
        source, copy = Path(mart).stat(), snapshot_path(mart).stat()
    except OSError:
        return False
    return (source.st_size, source.st_mtime_ns) == (copy.st_size, copy.st_mtime_ns)


def copy_to_snapshot(mart: Path | str) -> Path:
    """Copy the mart file ``mart`` over its snapshot in one atomic step; return the snapshot.

    The caller must hold the mart open for writing, checkpointed (its write-ahead log
    empty), so that nobody changes the file while it is copied.

    Raises:
        OSError: the folder cannot be written (the temporary file is removed).
    """
    source = Path(mart)
    target = snapshot_path(source)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{source.name}.", suffix=".tmp", dir=source.parent
    )
    os.close(handle)  # mkstemp made it readable by its owner only; copyfile keeps that
    try:
        shutil.copyfile(source, temporary)
        stat = source.stat()
        os.utime(temporary, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        Path(temporary).chmod(FILE_MODE)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def wal_is_empty(mart: Path | str) -> bool:
    """True when the mart's write-ahead log is absent or empty (everything is in the file)."""
    try:
        return Path(f"{mart}.wal").stat().st_size == 0
    except FileNotFoundError:
        return True
