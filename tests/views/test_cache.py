"""The result cache: lifetimes, clearing, one computation per key."""

from __future__ import annotations

import threading
import time

from segmint.views.cache import ResultCache


def test_without_a_lifetime_entries_stay_until_cleared() -> None:
    cache = ResultCache(ttl=None)
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    for _ in range(3):
        assert cache.get("k", count) == 1
    cache.clear()
    assert cache.get("k", count) == 2


def test_an_expired_entry_is_computed_again() -> None:
    cache = ResultCache(ttl=0.01)
    assert cache.get("k", lambda: 1) == 1
    time.sleep(0.02)
    assert cache.get("k", lambda: 2) == 2


def test_a_value_computed_across_a_clear_is_not_kept() -> None:
    cache = ResultCache(ttl=None)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "old"

    worker = threading.Thread(target=lambda: cache.get("k", slow))
    worker.start()
    started.wait(5)
    cache.clear()
    release.set()
    worker.join(5)
    assert cache.get("k", lambda: "new") == "new"


def test_concurrent_first_requests_share_one_computation() -> None:
    cache = ResultCache(ttl=None)
    calls: list[int] = []
    barrier = threading.Barrier(4)

    def compute() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    def ask() -> None:
        barrier.wait(5)
        assert cache.get("k", compute) == 42

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(calls) == 1


def test_holds_says_whether_a_valid_entry_is_there_without_computing() -> None:
    cache = ResultCache(ttl=None)
    assert not cache.holds("k")
    cache.get("k", lambda: 1)
    assert cache.holds("k") and not cache.holds("other")
    cache.clear()
    assert not cache.holds("k")
    expiring = ResultCache(ttl=0.01)
    expiring.get("k", lambda: 1)
    time.sleep(0.02)
    assert not expiring.holds("k")  # expired
    assert expiring.get("k", lambda: 2) == 2


def test_put_entries_are_listed_and_served_without_computing() -> None:
    cache = ResultCache(size=2, ttl=None)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)  # the least recently used goes first
    assert cache.items() == [("b", 2), ("c", 3)]

    def computed() -> int:
        raise AssertionError("put, so it should not be computed")

    assert cache.get("c", computed) == 3


def test_expired_entries_are_not_listed() -> None:
    cache = ResultCache(ttl=0.01)
    cache.put("a", 1)
    time.sleep(0.05)
    assert cache.items() == []
