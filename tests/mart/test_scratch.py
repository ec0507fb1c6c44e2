"""Scratch tables go when their scope ends, however it ends, and only theirs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.scratch import scratch, scratch_scope


def test_a_scope_drops_its_scratch_tables_even_when_it_fails(
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    with segmint.connect(":memory:") as mart:
        with pytest.raises(RuntimeError, match="page failed"), scratch_scope(mart):
            ids = scratch(mart, {"customer_id": ["c1", "c2"]}, {"customer_id": "string"})
            assert ids.count().execute() == 2
            raise RuntimeError("page failed")
        assert engine_objects(mart)[0] == 0


def test_an_inner_scope_drops_only_its_own(
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    with segmint.connect(":memory:") as mart, scratch_scope(mart):
        outer = scratch(mart, {"n": [1]})
        with scratch_scope(mart):
            scratch(mart, outer.mutate(n=outer.n + 1))
            assert engine_objects(mart)[0] == 2
        assert engine_objects(mart)[0] == 1 and outer.n.sum().execute() == 1
