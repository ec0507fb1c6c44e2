"""The result cache: lifetimes, clearing, one computation per key, a byte budget."""

from __future__ import annotations

import threading
import time

import pytest

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


def test_a_byte_budget_evicts_the_least_recently_used_past_it() -> None:
    cache = ResultCache(size=100, ttl=None, max_bytes=10, weigh=len)
    cache.put("a", "aaaa")
    cache.put("b", "bbbb")
    assert cache.get("a", lambda: "recomputed") == "aaaa"  # now b is the least recently used
    cache.put("c", "cccc")  # 12 bytes: over the budget of 10, though 3 entries fit the count
    assert cache.items() == [("a", "aaaa"), ("c", "cccc")]
    assert cache.nbytes == 8
    cache.put("d", "dddddddd")  # 16 bytes: both older entries go
    assert cache.items() == [("d", "dddddddd")]
    assert cache.nbytes == 8


def test_a_value_over_the_whole_budget_is_returned_but_not_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = ResultCache(size=100, ttl=None, max_bytes=10, weigh=len)
    cache.put("small", "ssss")
    calls: list[int] = []

    def big() -> str:
        calls.append(1)
        return "x" * 11

    assert cache.get("big", big) == "x" * 11
    assert cache.get("big", big) == "x" * 11
    assert len(calls) == 2  # not kept, so computed again, and said each time
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 2 and "larger than its cache's whole budget" in warned[0]
    assert not cache.holds("big")
    assert cache.items() == [("small", "ssss")]  # what was kept stays
    cache.put("small", "y" * 11)  # an over-budget value replaces what its key held
    assert cache.items() == [] and cache.nbytes == 0


def test_replaced_and_cleared_entries_give_their_bytes_back() -> None:
    cache = ResultCache(size=100, ttl=0.01, max_bytes=10, weigh=len)
    cache.put("a", "aaaaaa")
    cache.put("a", "aa")
    assert cache.nbytes == 2
    time.sleep(0.02)
    assert cache.get("a", lambda: "aaaaaaa") == "aaaaaaa"  # expired: computed and replaced
    assert cache.nbytes == 7
    cache.clear()
    assert cache.nbytes == 0 and cache.items() == []


def test_a_byte_budget_needs_a_weigh_function() -> None:
    with pytest.raises(ValueError, match="a byte budget needs a weigh function"):
        ResultCache(max_bytes=10)
    with pytest.raises(ValueError, match="at least 0 bytes; got max_bytes=-1"):
        ResultCache(max_bytes=-1, weigh=len)


def test_a_key_lock_is_forgotten_once_its_computation_ends() -> None:
    # a server asks for ever new keys (audiences, dates, pages): their locks must not pile up
    cache = ResultCache(ttl=None)
    for key in range(3):
        assert cache.get(key, lambda: 0) == 0

    def fail() -> int:
        raise RuntimeError("engine gone")

    with pytest.raises(RuntimeError, match="engine gone"):
        cache.get("broken", fail)
    assert cache._key_locks == {}


def test_a_request_waiting_for_a_key_shares_its_lock_and_computation() -> None:
    cache = ResultCache(ttl=None)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    found: list[int] = []
    first = threading.Thread(target=lambda: found.append(cache.get("k", slow)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: found.append(cache.get("k", slow)))
    second.start()
    for _ in range(5000):  # until the second request waits for the first's lock
        if cache._key_locks["k"].users == 2:
            break
        time.sleep(0.001)
    assert len(cache._key_locks) == 1 and cache._key_locks["k"].users == 2
    release.set()
    first.join(5)
    second.join(5)
    assert found == [42, 42] and len(calls) == 1
    assert cache._key_locks == {}
