"""An in-memory cache of expensive per-(segmentation, date) results, computed once per key.

Profiles take seconds on a large mart; pages show the same ones again and again. Entries
live for ``ttl`` seconds, or until :meth:`ResultCache.clear` when ``ttl`` is None (the
server's :class:`segmint.views.warmup.Warmer` clears them when the mart changes, so no request
recomputes a profile just because time passed); a per-key lock makes concurrent first
requests wait for one computation instead of racing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class ResultCache:
    """Least-recently-used results with a lifetime.

    Args:
        size: entries kept; the least recently used one goes first.
        ttl: seconds an entry stays valid; None: until :meth:`clear`.
    """

    def __init__(self, size: int = 128, ttl: float | None = 600.0) -> None:
        self.size = size
        self.ttl = ttl
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._generation = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computing it with ``compute`` when absent or expired."""
        hit = self._lookup(key)
        if hit is not None:
            return hit[0]  # type: ignore[no-any-return]
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            hit = self._lookup(key)
            if hit is not None:
                return hit[0]  # type: ignore[no-any-return]
            with self._lock:
                generation = self._generation
            value = compute()
            with self._lock:
                if generation != self._generation:  # cleared meanwhile: may be stale
                    return value
                self._entries[key] = (time.monotonic(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            return value

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
                for key, (at, value) in self._entries.items()
                if self.ttl is None or now - at <= self.ttl
            ]

    def put(self, key: Hashable, value: Any) -> None:
        """Hold ``value`` under ``key`` (a result computed before, e.g. read from disk)."""
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry (and do not keep values being computed now)."""
        with self._lock:
            self._entries.clear()
            self._generation += 1
