"""Scratch tables go when their scope ends, however it ends, and only theirs."""

from __future__ import annotations

import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.scratch import scratch, scratch_scope


def _temporary(mart: Mart) -> int:
    found = mart.raw.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
    assert found is not None
    return int(found[0])


def test_a_scope_drops_its_scratch_tables_even_when_it_fails() -> None:
    with segmint.connect(":memory:") as mart:
        with pytest.raises(RuntimeError, match="page failed"), scratch_scope(mart):
            ids = scratch(mart, {"customer_id": ["c1", "c2"]}, {"customer_id": "string"})
            assert ids.count().execute() == 2
            raise RuntimeError("page failed")
        assert _temporary(mart) == 0


def test_an_inner_scope_drops_only_its_own() -> None:
    with segmint.connect(":memory:") as mart, scratch_scope(mart):
        outer = scratch(mart, {"n": [1]})
        with scratch_scope(mart):
            scratch(mart, outer.mutate(n=outer.n + 1))
            assert _temporary(mart) == 2
        assert _temporary(mart) == 1 and outer.n.sum().execute() == 1
