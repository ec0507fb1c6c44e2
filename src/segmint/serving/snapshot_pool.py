"""Serving a mart without ever locking it: the server's side of :mod:`segmint.mart.snapshot`.

A server (``segmint serve``, :func:`segmint.api.create_app`) calls :func:`prepare_snapshot`
at start: it registers itself (:class:`ServingRegistration`), opens the mart for writing a
moment, checkpoints and copies it to the snapshot, and closes it. From then on it reads
only the snapshot, through a :class:`SnapshotPool`: read-only connections, one cursor per
request, and a watcher that notices a new snapshot (published by a writer that closed) with
one ``stat`` a second and switches to it. Requests already running finish on the old
connection, which closes when the last of them ends.

DuckDB keeps one database per path in a process, so a new open of the same path would give
the old snapshot back. Each generation therefore opens its own hard link to the snapshot
file (``<mart>.serving-<pid>-<n>.duckdb``: the same file, another name), removed when the
generation closes (on a file system without hard links, a private copy); links left by a
server that was killed are removed by the next one.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import ibis

from segmint.config import Settings, get_settings
from segmint.exceptions import MartError
from segmint.mart.connection import Mart, MartBusyError, connect, open_read_only
from segmint.mart.snapshot import FILE_MODE, snapshot_path

log = logging.getLogger(__name__)

WAIT = 120.0
"""Seconds a starting server waits for a writer to finish when there is no snapshot yet."""
RETRY = 0.5
"""Seconds between two tries to open a mart a writer holds."""
WATCH_INTERVAL = 1.0
"""Seconds between two looks for a new snapshot."""

SnapshotState = tuple[int, int, int]
"""Inode, size and modification time of a snapshot file: a new snapshot changes them."""


class ServingRegistration:
    """This process serves the mart: a shared lock on ``<mart>.serving.lock`` while it runs.

    Writers publish snapshots only while one exists; :meth:`release` removes the snapshot
    when no other server holds the lock, so writers of a mart nobody serves copy nothing.
    """

    def __init__(self, mart: Path | str) -> None:
        self.mart = Path(mart)
        lock = Path(f"{mart}.serving.lock")
        self._fd: int | None = os.open(lock, os.O_RDWR | os.O_CREAT, FILE_MODE)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        """Stop serving; remove the snapshot when this was the last server of the mart."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another server still reads the snapshot
            snapshot_path(self.mart).unlink(missing_ok=True)
        finally:
            os.close(fd)


_BACKGROUND: dict[Path, tuple[threading.Thread, ServingRegistration]] = {}
"""Snapshots being made in the background (:func:`prepare_in_background`), by mart."""


def prepare_in_background(mart: Path | str, settings: Settings | None = None) -> None:
    """Register as a server of ``mart`` and start making its snapshot in a thread.

    ``segmint serve`` calls this before the server's code is imported, so the copy of the
    mart (seconds for a large one) runs while the rest is imported; :func:`prepare_snapshot`
    then waits for it and finds the snapshot current. A writer holding the mart is not
    waited for here: the foreground :func:`prepare_snapshot` waits and says so. Any failure
    is left for that call to meet and report.
    """
    path = Path(mart).resolve()
    registration = ServingRegistration(path)  # no other server removes the snapshot meanwhile
    thread = threading.Thread(
        target=_prepare_quietly, args=(path, settings), name="segmint-snapshot", daemon=True
    )
    _BACKGROUND[path] = (thread, registration)
    thread.start()


def _prepare_quietly(path: Path, settings: Settings | None) -> None:
    try:
        _make_snapshot(path, settings, wait=0.0, on_wait=None)
    except Exception as exc:  # the foreground call meets it again and reports it
        log.debug("the snapshot of %s was not made in the background: %s", path, exc)


def end_background(mart: Path | str) -> None:
    """Wait for the background snapshot of ``mart`` (if one was started) and let go of its
    registration: the caller has registered itself, or gives up serving."""
    started = _BACKGROUND.pop(Path(mart).resolve(), None)
    if started is not None:
        started[0].join()
        started[1].release()


def prepare_snapshot(
    mart: Path | str,
    settings: Settings | None = None,
    *,
    wait: float = WAIT,
    on_wait: Callable[[str], None] | None = None,
) -> Path:
    """Make the serving snapshot of ``mart`` current; return its path.

    Opens the mart for writing a moment (which brings its tables up to date), checkpoints it
    and copies it, unless a copy made in the background (:func:`prepare_in_background`) is
    still current. When a writer holds the mart, an existing snapshot is served as it is
    (the writer publishes a new one when it closes); without one, this waits up to ``wait``
    seconds for the writer to finish, saying so once through ``on_wait``.

    Raises:
        MartError: there is no mart at ``mart``.
        MartBusyError: the mart stayed busy for ``wait`` seconds and has no snapshot yet.
    """
    end_background(mart)
    return _make_snapshot(mart, settings, wait=wait, on_wait=on_wait)


def _make_snapshot(
    mart: Path | str,
    settings: Settings | None,
    *,
    wait: float,
    on_wait: Callable[[str], None] | None,
) -> Path:
    """:func:`prepare_snapshot` itself."""
    snapshot = snapshot_path(mart)
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            opened = connect(mart, settings=settings, create=False)
        except MartBusyError as exc:
            if snapshot.exists():
                if on_wait is not None:
                    on_wait(
                        f"{exc} Serving the last snapshot until that write publishes a new one."
                    )
                return snapshot
            if time.monotonic() >= deadline:
                raise MartBusyError(
                    f"{exc} Waited {wait:.0f} s for it to finish; start the server again when "
                    "it has."
                ) from None
            if not told and on_wait is not None:
                on_wait(f"{exc} Waiting up to {wait:.0f} s for it to finish.")
                told = True
            time.sleep(RETRY)
            continue
        try:
            opened.publish(force=not snapshot.exists())
        finally:
            opened.publishes = False
            opened.close()
        return snapshot


class _Generation:
    """One read-only connection on one snapshot file, with its cursors and leases."""

    def __init__(self, number: int, link: Path, state: SnapshotState, main: Mart) -> None:
        self.number = number
        self.link = link
        self.state = state
        self.main = main
        self.idle: list[Mart] = []
        self.opened: list[Mart] = []
        self.leases = 0
        self.retired = False

    def cursor(self) -> Mart:
        if self.idle:
            return self.idle.pop()
        mart = Mart(
            ibis.duckdb.from_connection(self.main.raw.cursor()), self.main.path, read_only=True
        )
        self.opened.append(mart)
        return mart

    def close(self) -> None:
        for mart in self.opened:
            mart.raw.close()
        self.opened.clear()
        self.idle.clear()
        self.main.close()
        self.link.unlink(missing_ok=True)


class SnapshotPool:
    """Read-only connections on the serving snapshot of a mart, a cursor per request.

    DuckDB connections are not safe to use from two threads at once, but cursors of one
    connection are independent and see the same database. A request leases a cursor for its
    whole life (FastAPI may run its dependencies and its body on different threads, so a
    per-thread cursor would be shared), and concurrent requests run in parallel.
    :meth:`refresh` (called by the watcher every second) switches to a new snapshot.

    Args:
        mart: the mart file whose snapshot (made by :func:`prepare_snapshot`) is served.
        settings: engine settings; read from the environment when omitted.

    Raises:
        MartError: the snapshot does not exist.
    """

    def __init__(self, mart: Path | str, settings: Settings | None = None) -> None:
        self.mart = Path(mart)
        self.snapshot = snapshot_path(mart)
        self.settings = settings or get_settings(mart)
        self._lock = threading.Lock()
        self._numbers = 0
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        _remove_stale_links(self.mart)
        self._current = self._open()
        self._generations = [self._current]

    @property
    def path(self) -> str:
        """The mart file served (its snapshot, strictly)."""
        return str(self.mart)

    @property
    def generation(self) -> int:
        """Number of the snapshot served now; increases with every switch."""
        with self._lock:
            return self._current.number

    def _open(self) -> _Generation:
        self._numbers += 1
        link = Path(f"{self.mart}.serving-{os.getpid()}-{self._numbers}.duckdb")
        link.unlink(missing_ok=True)
        try:
            os.link(self.snapshot, link)
        except FileNotFoundError:
            raise MartError(
                f"no serving snapshot {self.snapshot}: start the server with `segmint serve`, "
                "which makes it"
            ) from None
        except OSError:  # a file system without hard links: a private copy does the same
            log.info("no hard links in %s; copying the snapshot instead", self.mart.parent)
            os.close(os.open(link, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE))
            shutil.copyfile(self.snapshot, link)  # into the private file: its mode stays
        try:
            main = open_read_only(link, self.settings)
        except BaseException:
            link.unlink(missing_ok=True)
            raise
        return _Generation(self._numbers, link, _state(link) or (0, 0, 0), main)

    @contextmanager
    def lease_numbered(self) -> Iterator[tuple[int, Mart]]:
        """A cursor of the current snapshot and that snapshot's number, for the block."""
        with self._lock:
            generation = self._current
            mart = generation.cursor()
            generation.leases += 1
        try:
            yield generation.number, mart
        finally:
            with self._lock:
                generation.leases -= 1
                generation.idle.append(mart)
                done = generation.retired and generation.leases == 0
                if done:
                    self._generations.remove(generation)
            if done:
                generation.close()

    @contextmanager
    def lease(self) -> Iterator[Mart]:
        """A cursor of the current snapshot for the duration of the block."""
        with self.lease_numbered() as (_, mart):
            yield mart

    def refresh(self) -> bool:
        """Switch to the snapshot file now in place when it is a new one; True when it was."""
        state = _state(self.snapshot)
        with self._lock:
            if state is None or state == self._current.state:
                return False
        fresh = self._open()
        with self._lock:
            old, self._current = self._current, fresh
            self._generations.append(fresh)
            old.retired = True
            done = old.leases == 0
            if done:
                self._generations.remove(old)
        if done:
            old.close()
        log.info("serving the new snapshot %d of %s", fresh.number, self.mart)
        return True

    def watch(self, on_switch: Callable[[], None], interval: float = WATCH_INTERVAL) -> None:
        """Look for a new snapshot every ``interval`` seconds in a background thread and call
        ``on_switch`` after switching to one."""

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    if self.refresh():
                        on_switch()
                except Exception:  # the server goes on serving the snapshot it has
                    log.exception("switching to the new snapshot of %s failed", self.mart)

        self._watcher = threading.Thread(target=loop, name="segmint-snapshot", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        """Stop watching; close every connection and remove their links."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        with self._lock:
            generations, self._generations = self._generations, []
        for generation in generations:
            generation.close()


def _state(path: Path) -> SnapshotState | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def _remove_stale_links(mart: Path) -> None:
    """Remove the snapshot links of servers of ``mart`` that no longer run."""
    pattern = re.compile(re.escape(mart.name) + r"\.serving-(\d+)-\d+\.duckdb$")
    for path in mart.parent.iterdir():
        found = pattern.match(path.name)
        if found and not _running(int(found.group(1))):
            with suppress(OSError):
                path.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
