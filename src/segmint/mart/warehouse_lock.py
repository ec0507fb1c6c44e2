"""One writer at a time on a Spark warehouse, as DuckDB allows one writer per mart file.

A DuckDB mart file is locked by DuckDB itself; a warehouse of Parquet folders has no such
lock, and two loads running at once would both take the next ingest id and both append.
A process that opens a warehouse for writing therefore holds an exclusive ``flock`` on
its ``.segmint.lock`` file until the mart is closed or the process ends (the kernel
releases it even after a crash, so no stale lock is ever left behind). Opens of the same
warehouse within one process share the lock, as DuckDB shares one database per file; a
second process gets :class:`~segmint.mart.connection.MartBusyError` naming the holder.
On a cluster the lock guards the driver that writes; the folder must be on a file system
whose locks the drivers share (a local disk, NFSv4), as docs/scale-out.md says.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from segmint.mart.connection import MartBusyError

LOCK_NAME = ".segmint.lock"
"""The lock file in the warehouse folder (a leading dot: never taken for a table)."""


@dataclass
class _Held:
    """An open, locked lock file and how many opens of this process share it."""

    fd: int
    opens: int = 1


_HELD: dict[Path, _Held] = {}
"""The warehouses this process holds, by resolved folder."""


def acquire(warehouse: Path) -> Path:
    """Take (or share) the write lock of ``warehouse``; the key to :func:`release` it by.

    Raises:
        MartBusyError: another process holds it; names its process id.
    """
    key = warehouse.resolve()
    held = _HELD.get(key)
    if held is not None:
        held.opens += 1
        return key
    path = key / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise MartBusyError(
            f"another process (pid {holder}) is writing the Spark mart {warehouse}. Wait for "
            "it to finish and run this again."
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _HELD[key] = _Held(fd)
    return key


def release(key: Path) -> None:
    """Give back one open's share of the lock; the last one unlocks the warehouse."""
    held = _HELD.get(key)
    if held is None:
        return
    held.opens -= 1
    if held.opens == 0:
        del _HELD[key]
        os.close(held.fd)  # closing the descriptor drops the flock
