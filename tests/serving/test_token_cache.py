"""The token cache: one read per snapshot generation, unknown tokens answered from memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token, hash_token
from segmint.serving.snapshot_pool import SnapshotPool
from segmint.serving.token_cache import TokenCache


class FakePool:
    """Stands in for a :class:`SnapshotPool`: one mart, a generation number the test moves."""

    def __init__(self, mart: Mart) -> None:
        self.mart = mart
        self.generation = 1
        self.leases = 0

    @contextmanager
    def lease_numbered(self) -> Iterator[tuple[int, Mart]]:
        self.leases += 1
        yield self.generation, self.mart


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        yield made


def _pool(mart: Mart) -> tuple[FakePool, SnapshotPool]:
    fake = FakePool(mart)
    return fake, fake  # type: ignore[return-value]


def test_unknown_tokens_cost_no_query_after_the_first_read(mart: Mart) -> None:
    token = create_token(mart, Role.viewer, "someone")
    fake, pool = _pool(mart)
    cache = TokenCache()
    info = cache.info(pool, hash_token(token))
    assert info is not None and info.label == "someone"
    for n in range(50):
        assert cache.info(pool, hash_token(f"made-up {n}")) is None
    assert cache.loads == 1
    assert fake.leases == 1


def test_no_tokens_table_means_no_tokens(mart: Mart) -> None:
    _, pool = _pool(mart)
    cache = TokenCache()
    assert cache.info(pool, hash_token("anything")) is None
    assert cache.loads == 1


def test_a_new_generation_is_read_again(mart: Mart) -> None:
    fake, pool = _pool(mart)
    cache = TokenCache()
    assert cache.info(pool, hash_token("x")) is None
    token = create_token(mart, Role.admin)
    assert cache.info(pool, hash_token(token)) is None  # same generation: the old read stands
    fake.generation = 2
    assert cache.tokens(2) is None
    assert cache.info(pool, hash_token(token)) is not None
    assert cache.loads == 2


def test_clear_forgets_the_read(mart: Mart) -> None:
    _, pool = _pool(mart)
    cache = TokenCache()
    cache.load(pool)
    assert cache.tokens(1) == {}
    cache.clear()
    assert cache.tokens(1) is None


def test_an_older_generation_never_replaces_a_newer_read(mart: Mart) -> None:
    fake, pool = _pool(mart)
    cache = TokenCache()
    fake.generation = 5
    cache.load(pool)
    fake.generation = 4  # a slow reader of the previous snapshot finishing late
    cache.load(pool)
    assert cache.tokens(5) == {}
    assert cache.tokens(4) is None
