"""An in-memory cache of expensive per-(segmentation, date) results, computed once per key.

Profiles take seconds on a large mart; pages show the same ones again and again. Entries
live for ``ttl`` seconds, or until :meth:`ResultCache.clear` when ``ttl`` is None (the
server's :class:`segmint.views.warmup.Warmer` clears them when the mart changes, so no request
recomputes a profile just because time passed); a per-key lock makes concurrent first
requests wait for one computation instead of racing, and goes once no request holds or
waits for it (a server asks for ever new keys: audiences, dates, pages). A cache may also be bounded by the
estimated bytes its values hold (``max_bytes`` with ``weigh``), for values whose size varies
by orders of magnitude, such as whole audiences.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


class _KeyLock:
    """The lock of one key being computed, and how many requests hold or wait for it
    (counted under the cache's lock; at zero the cache forgets it)."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class ResultCache:
    """Least-recently-used results with a lifetime, bounded by count and optionally by bytes.

    Args:
        size: entries kept; the least recently used one goes first.
        ttl: seconds an entry stays valid; None: until :meth:`clear`.
        max_bytes: estimated bytes all entries may hold together (None: no bound): past it
            the least recently used entries go first, expired or not. A value estimated
            larger than the whole budget is returned (or, with :meth:`put`, taken) but not
            kept, and any entry already held under its key goes: keeping it would evict
            everything else, and it would still overrun the budget.
        weigh: the estimated bytes of a value (required with ``max_bytes``); called once per
            value kept, outside the cache's lock.

    Raises:
        ValueError: ``max_bytes`` without ``weigh``, or below 0.
    """

    def __init__(
        self,
        size: int = 128,
        ttl: float | None = 600.0,
        max_bytes: int | None = None,
        weigh: Callable[[Any], int] | None = None,
    ) -> None:
        if max_bytes is not None and (weigh is None or max_bytes < 0):
            raise ValueError(
                f"a byte budget needs a weigh function and at least 0 bytes; got "
                f"max_bytes={max_bytes}, weigh={weigh!r}"
            )
        self.size = size
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._weigh = weigh
        self._entries: OrderedDict[Hashable, tuple[float, Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, _KeyLock] = {}
        self._generation = 0

    @property
    def nbytes(self) -> int:
        """The estimated bytes the entries hold now (0 without ``weigh``)."""
        with self._lock:
            return self._bytes

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computing it with ``compute`` when absent or expired
        (a value over the whole byte budget is returned but not kept)."""
        hit = self._lookup(key)
        if hit is not None:
            return hit[0]  # type: ignore[no-any-return]
        key_lock = self._claim(key)
        try:
            with key_lock.lock:
                hit = self._lookup(key)
                if hit is not None:
                    return hit[0]  # type: ignore[no-any-return]
                with self._lock:
                    generation = self._generation
                value = compute()
                self._keep(key, value, generation)
                return value
        finally:
            self._release(key, key_lock)

    def _claim(self, key: Hashable) -> _KeyLock:
        """The lock of ``key``, counted as used by one more request until :meth:`_release`."""
        with self._lock:
            key_lock = self._key_locks.get(key)
            if key_lock is None:
                key_lock = self._key_locks[key] = _KeyLock()
            key_lock.users += 1
            return key_lock

    def _release(self, key: Hashable, key_lock: _KeyLock) -> None:
        """One request is done with ``key``'s lock; the last one forgets it. A request
        arriving later makes a new lock and finds the value kept by then."""
        with self._lock:
            key_lock.users -= 1
            if key_lock.users == 0:
                del self._key_locks[key]

    def holds(self, key: Hashable) -> bool:
        """Whether ``key`` has a valid entry now (without computing it)."""
        return self._lookup(key) is not None

    def _lookup(self, key: Hashable) -> tuple[Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or (self.ttl is not None and time.monotonic() - entry[0] > self.ttl):
                return None
            self._entries.move_to_end(key)
            return (entry[1],)

    def items(self) -> list[tuple[Hashable, Any]]:
        """The valid entries, least recently used first."""
        with self._lock:
            now = time.monotonic()
            return [
                (key, value)
                for key, (at, value, _) in self._entries.items()
                if self.ttl is None or now - at <= self.ttl
            ]

    def put(self, key: Hashable, value: Any) -> None:
        """Hold ``value`` under ``key`` (a result computed before, e.g. read from disk; not
        kept when over the whole byte budget)."""
        self._keep(key, value, None)

    def _keep(self, key: Hashable, value: Any, generation: int | None) -> None:
        """Hold ``value`` under ``key`` as the most recently used, unless the cache was
        cleared since ``generation`` (the value may be stale) or the value alone is over the
        byte budget; then drop the least recently used entries past the count or the budget."""
        weight = 0 if self._weigh is None else self._weigh(value)
        with self._lock:
            if generation is not None and generation != self._generation:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            over = self.max_bytes is not None and weight > self.max_bytes
            if not over:
                self._entries[key] = (time.monotonic(), value, weight)
                self._bytes += weight
            while len(self._entries) > self.size or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
        if over:  # said, since every later read computes it again (each page of an audience)
            log.warning(
                "a result of about %.0f MB is larger than its cache's whole budget "
                "(%.0f MB): handed out, not kept, so each read computes it again",
                weight / 1e6,
                (self.max_bytes or 0) / 1e6,
            )

    def clear(self) -> None:
        """Forget every entry (and do not keep values being computed now)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._generation += 1
