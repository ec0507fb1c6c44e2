"""Keeping the server's caches warm off the request path.

The first profile of a segmentation takes seconds (about 5 s at a million customers, with
what the profiles of its date share computed once), so no request should be the one that
computes it. :class:`Warmer` runs in one background
thread with its own cursor: at start, and whenever the mart has changed when it looks
again (every ``interval`` seconds, or at once when :meth:`Warmer.wake` says the server
switched to a new snapshot of the mart), it lets go of the sorted copies of the 360° view and
the dashboard's cached results, computes what the pages show first (for every stored
segmentation, the default one first, its dates, latest profile, overview and personas;
the profiles of one date share the year's purchases, summed once),
builds the copies again, and once it has said the server is ready reads the tables the
360° view looks into once (so their blocks are in memory; about 1.8 s at a million
customers, and the snapshot the server just wrote is rarely cold meanwhile) and computes
the value & risk page of the last day with an order (its grid is cut from every scored
customer: seconds at a million, not kept on disk). The summaries
come first because computing them holds the most memory; of the copies only those of the
four tables copied whole are built meanwhile, in a second thread on a cursor of its own
(:func:`~segmint.serving.sorted_copies.whole_copies`: about 1.1 s and 0.17 GB at a million
customers, while the summaries leave a core idle part of the time), and the 360° view
reads the mart until they are built. When a
warm-up fails (the engine out of memory, say), the next try keeps what was built and
computes what is missing, and the tries are spaced further apart each time (up to
:data:`MOST_DELAY`) until one succeeds; a new snapshot of the mart is looked at at once.

With a folder to keep it in, a warm-up that succeeded is written to disk
(:mod:`segmint.serving.warm_state`), and a server that starts on the same data takes it
back (the copies mapped from the files, the results read) instead of computing it: at a
million customers, under a second instead of most of a minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import duckdb

from segmint.exceptions import SegmintError
from segmint.features.asof import default_as_of
from segmint.insight.day_facts import DayFacts, day_facts
from segmint.mart import Mart
from segmint.segmentation import store
from segmint.serving import warm_state
from segmint.serving.sorted_copies import (
    FileState,
    SortedCopies,
    Whole,
    file_state,
    fingerprint,
    own_cursor,
    preload,
    whole_copies,
)
from segmint.views.dashboard import Dashboard

log = logging.getLogger(__name__)

INTERVAL = 30.0
"""Seconds between two looks at whether the mart changed."""

MOST_DELAY = 600.0
"""Longest wait before trying again after warm-ups that failed in a row."""

SET_BACK_TRIES = 5
"""Tries to set the server's memory cap back after the summaries before leaving it to the
next look."""

SET_BACK_PAUSE = 0.2
"""Seconds between two of those tries (requests hold the engine's memory for less)."""


class Warmer:
    """Warms and refreshes the dashboard's caches and the sorted copies in the background.

    Args:
        lease: gives a cursor of the mart for the duration of a ``with`` block.
        dashboard: the cached reads to warm and clear.
        copies: the sorted copies to rebuild.
        interval: seconds between looks at whether the mart changed.
        kept: the folder to keep the warm state in (None: computed at every start).
        memory: the engine's memory cap while the summaries are computed and the one to set
            back before the copies are built (None: the cap is left as it is). Of the rest
            of the warm-up only the copies of the tables copied whole are held while the
            summaries are computed, which spill to disk under a server's cap.
    """

    def __init__(
        self,
        lease: Callable[[], AbstractContextManager[Mart]],
        dashboard: Dashboard,
        copies: SortedCopies,
        interval: float = INTERVAL,
        kept: Path | None = None,
        memory: tuple[str, str] | None = None,
    ) -> None:
        self.lease = lease
        self.dashboard = dashboard
        self.copies = copies
        self.interval = interval
        self.kept = kept
        self.memory = memory
        self._raised = False  # the cap is raised (a set-back failed, say)
        self._unkept: tuple[Path, str, int] | None = None
        self._unread = False  # the tables the 360° view looks into are to be read once
        self._value_due = False  # the value & risk page is to be computed once
        self._deferred = False  # the loop writes and reads after saying it is ready
        self.taken_back = False
        """Whether the last warm-up took a kept state back instead of computing it."""
        self.kept_now = False
        """Whether the last warm-up that computed the state wrote it to disk."""
        self._seen: tuple[Any, ...] | None = None
        self._tried: tuple[Any, ...] | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def warming(self) -> bool:
        """True until the first warm-up has finished."""
        return not self._ready.is_set()

    def start(self) -> None:
        """Warm up in a background thread, then look for changes every ``interval`` seconds."""
        self._deferred = True
        self._thread = threading.Thread(target=self._loop, name="segmint-warmer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look whether the mart changed now rather than at the end of the interval."""
        self._wake.set()

    def stop(self) -> None:
        """Stop looking and wait for the step in progress to end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def check(self, mart: Mart) -> bool:
        """Warm everything again when the mart changed since the last look; True when it did.

        After a failed warm-up of unchanged data, the next look keeps the copies built then
        and the summaries that succeeded, and computes only what is missing. With a folder
        to keep the warm state in, it is taken back from there when kept for this state of
        the data, and written there after a warm-up that computed it (by the background
        loop after it says it is ready, since writing takes seconds; else at once). The
        tables the 360° view looks into are read once the same way (:meth:`_preload`).
        """
        files = file_state(mart)  # before looking: a commit meanwhile is noticed next time
        state = (_catalogue(mart), fingerprint(mart))
        if state == self._seen:
            self.copies.confirm(files)
            return False
        retry = state == self._tried and self.copies.built
        self._tried, self._seen = state, None  # warm until this look succeeds
        kept = None if self.kept is None else (self.kept, warm_state.state_key(state))
        if not retry:
            self.copies.clear()  # let go of the old copies before computing anything new
            self.dashboard.invalidate()
            self.taken_back = kept is not None and self._restore(*kept, files)
            if self.taken_back:
                self._preload(mart)
                self._seen = state
                return True
        started = time.perf_counter()
        log.info(
            "computing what the dashboard shows first (profiles, overviews, personas)%s; "
            "pages are slower until it is done",
            " that a failed try left out" if retry else " and the 360° view's copies",
        )
        with (
            own_cursor(mart) as beside,
            ThreadPoolExecutor(1, thread_name_prefix="segmint-copy-whole") as side,
        ):
            whole = None if retry else side.submit(whole_copies, beside)
            try:
                with self._summary_memory(mart, retry):
                    self._warm(mart)  # before the other copies: the summaries hold the most
            finally:  # the 360° view is served from the copies even when a summary failed
                summarised = time.perf_counter()
                if whole is None:
                    self.copies.confirm(files)
                else:
                    self.copies.rebuild(mart, _built(whole), files)
                    self._preload(mart)
        self._seen = state
        done = time.perf_counter()
        log.info(
            "the dashboard is warm: computed in %.1f s (summaries %.1f s, copies %.1f s)",
            *(done - started, summarised - started, done - summarised),
        )
        self._unkept = None if kept is None else (*kept, _written(files))
        self.kept_now = False
        if not self._deferred:
            self._keep()
        return True

    @contextmanager
    def _summary_memory(self, mart: Mart, retry: bool) -> Iterator[None]:
        """The engine's memory cap raised to the first of :attr:`memory` for the block, the
        second set back after it (:meth:`_set_back`). Not on a retry, which computes what a
        failed try left out while the copies that try built are held."""
        if self.memory is None or retry:
            yield
            return
        _set_cap(mart, self.memory[0])
        self._raised = True
        try:
            yield
        finally:
            self._set_back(mart)

    def _set_back(self, mart: Mart) -> None:
        """Set the server's cap back when it is raised. Lowering it makes the engine give up
        memory first, which fails while requests on other cursors hold more than the cap:
        it is then tried again :data:`SET_BACK_TRIES` times, :data:`SET_BACK_PAUSE` seconds
        apart, and else left to the background loop's next look (:meth:`_settle`), with a
        warning; the warm-up goes on meanwhile."""
        if self.memory is None or not self._raised:
            return
        for attempt in range(SET_BACK_TRIES):
            try:
                _set_cap(mart, self.memory[1])
            except duckdb.OutOfMemoryException:
                if attempt + 1 < SET_BACK_TRIES:
                    time.sleep(SET_BACK_PAUSE)
                continue
            self._raised = False
            return
        log.warning(
            "could not set the engine's memory cap back to %s after warming the summaries "
            "(requests hold more now); it stays at %s until the next look",
            *(self.memory[1], self.memory[0]),
        )

    def _settle(self) -> None:
        """The background loop's retry of :meth:`_set_back` (a failure is logged)."""
        if not self._raised:
            return
        try:
            with self.lease() as mart:
                self._set_back(mart)
        except Exception:
            log.exception("setting the engine's memory cap back failed")

    def _preload(self, mart: Mart) -> None:
        """Read the tables the 360° view looks into once (:func:`preload`): at once, or by
        the background loop after it says it is ready (reading them takes seconds, and
        the server's snapshot was just written, so its blocks are rarely cold meanwhile);
        the value & risk page is computed then too (:meth:`_value`)."""
        if self._deferred:
            self._unread = self._value_due = True
        else:
            preload(mart)

    def _value(self) -> None:
        """The value & risk page of the last day with an order, computed by the background
        loop after it says it is ready (a failure is logged: the page computes it)."""
        if not self._value_due or self._stop.is_set():
            return
        self._value_due = False
        try:
            with self.lease() as mart:
                self.dashboard.value_risk(mart, default_as_of(mart))
        except SegmintError as exc:  # no orders yet, say: the page says the same
            log.info("the value & risk page was not computed ahead: %s", exc)
        except Exception:
            log.exception("computing the value & risk page ahead of its first visit failed")

    def _read(self) -> None:
        """The deferred :meth:`_preload` (a failure is logged: lookups only wait for the
        disk)."""
        if not self._unread or self._stop.is_set():
            return
        self._unread = False
        try:
            with self.lease() as mart:
                preload(mart)
        except Exception:
            log.exception("reading the 360° view's tables once failed")

    def _keep(self) -> None:
        """Write what the last warm-up computed to disk, when it has not been written yet
        (a failure is logged: the server only loses a faster next start)."""
        if self._unkept is None:
            return
        root, key, written = self._unkept
        self._unkept = None
        built = self.copies.current()
        if built is None:
            return
        state = warm_state.WarmState(built, self.dashboard.results.items())
        try:
            self.kept_now = warm_state.save(root, key, state, written) is not None
        except OSError as exc:
            log.warning("could not keep the warm state in %s: %s", root, exc)

    def _restore(self, root: Path, key: str, files: FileState) -> bool:
        """Take back the warm state kept under ``key`` in ``root``; True when there was one."""
        started = time.perf_counter()
        kept = warm_state.load(root, key)
        if kept is None:
            return False
        self.copies.adopt(kept.copies, files)
        for result_key, value in kept.results:
            self.dashboard.results.put(result_key, value)
        log.info(
            "the dashboard is warm: took back the state kept for this data (%d results) in %.1f s",
            len(kept.results),
            time.perf_counter() - started,
        )
        return True

    def delay(self, failures: int) -> float:
        """Seconds until the next look after ``failures`` failed looks in a row: the interval
        after none or one, then doubled for each further failure up to :data:`MOST_DELAY`
        (a warm-up that fails the same way each time does not run without rest)."""
        doublings = min(max(failures - 1, 0), 32)
        return min(self.interval * 2.0**doublings, max(self.interval, MOST_DELAY))

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()  # a wake from now on is seen after this look
            try:
                with self.lease() as mart:
                    self.check(mart)
                failures = 0
            except Exception:  # the server goes on; requests compute what is missing
                failures += 1
                log.exception(
                    "warming the dashboard's caches failed; next try in %.0f s (at once when "
                    "the server switches to a new snapshot of the mart)",
                    self.delay(failures),
                )
            self._ready.set()
            self._settle()  # before the reads below, which fill the engine's buffers
            try:  # after the server says it is ready: writing takes seconds
                self._keep()
            except Exception:  # a state that cannot be kept must not end the warmer
                log.exception("could not keep the warm state; the next start computes it")
            self._read()
            self._value()
            self._wake.wait(self.delay(failures))

    def _warm(self, mart: Mart) -> None:
        """Profile, overview and personas of every stored segmentation, the default first.

        Segmentations of the same date share what their profiles and overviews have in
        common (the year's purchases summed once per date, their members joined with the
        date's features once, the tests on one sample, the base's figures).
        """
        dashboard = self.dashboard
        dashboard.feature_dates(mart)
        try:
            first = dashboard.default_segmentation(mart)
        except SegmintError:
            return  # nothing stored yet
        names = [first, *(n for n in dashboard.names(mart) if n != first)]
        for day, group in _by_date(dashboard, mart, names).items():
            if self._stop.is_set():
                return
            missing = [name for name in group if not dashboard.has_profile(name, day)]
            try:
                with day_facts(mart, day, missing) if missing else nullcontext() as shared:
                    self._warm_date(mart, day, group, shared)
            except SegmintError as exc:  # the date's facts: its pages will say the same
                log.warning("could not warm the segmentations as of %s: %s", day, exc)

    def _warm_date(
        self, mart: Mart, day: dt.date, names: list[str], shared: DayFacts | None
    ) -> None:
        """Profile, overview and personas of the segmentations ``names`` as of ``day``."""
        dashboard = self.dashboard
        for name in names:
            if self._stop.is_set():
                return
            try:
                dashboard.version(mart, name, day)
                dashboard.profile(mart, name, day, shared)
                dashboard.overview(mart, name, day)
                dashboard.personas(mart, name, day, shared)
            except SegmintError as exc:  # a page will show the same error to the user
                log.warning("could not warm segmentation '%s': %s", name, exc)


def _by_date(dashboard: Dashboard, mart: Mart, names: list[str]) -> dict[dt.date, list[str]]:
    """``names`` by their latest stored date, in the order of ``names`` (dates in the order
    of their first segmentation); a segmentation whose dates cannot be read is left out."""
    groups: dict[dt.date, list[str]] = {}
    for name in names:
        try:
            day = dashboard.dates(mart, name)[-1]
        except SegmintError as exc:
            log.warning("could not warm segmentation '%s': %s", name, exc)
            continue
        groups.setdefault(day, []).append(name)
    return groups


def _built(whole: Future[Whole]) -> Whole | None:
    """The whole copies built beside the summaries; None (logged) when building them failed,
    and the copies' rebuild reads them itself."""
    try:
        return whole.result()
    except Exception:
        log.exception("copying the customers' tables beside the summaries failed")
        return None


def _set_cap(mart: Mart, limit: str) -> None:
    """Set the engine's memory cap (of every cursor of the mart's database) to ``limit``."""
    mart.raw.execute("SET memory_limit = $1", [limit])


def _catalogue(mart: Mart) -> list[dict[str, Any]]:
    """The stored segmentations with their versions and dates, to compare between looks."""
    frame = store.segmentations(mart).execute()
    rows: list[dict[str, Any]] = frame.astype(str).to_dict("records")
    return rows


def _written(files: FileState) -> int:
    """When (ns) the mart's files in ``files`` were last written."""
    return max((stamp[1] for stamp in files if stamp is not None), default=0)
