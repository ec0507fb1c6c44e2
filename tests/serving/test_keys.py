"""Ids as a sorted bytes array: conversion keeps every id and order, search finds exact ids."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from segmint.serving.keys import as_keys, key_range

text = st.characters(exclude_characters="\0", exclude_categories=["Cs"])
ids = st.lists(st.text(text, max_size=12), max_size=40)


@given(ids)
def test_keys_are_the_utf8_bytes_of_the_ids_in_order(values: list[str]) -> None:
    keys = as_keys(pa.array(values, pa.string()))
    assert [k.decode() for k in keys.tolist()] == values


def test_keys_of_a_sliced_chunked_array_of_equal_lengths_are_its_own() -> None:
    chunks = pa.chunked_array([pa.array(["C01", "C02", "C03"]).slice(1), ["C04"]])
    assert as_keys(chunks).tolist() == [b"C02", b"C03", b"C04"]


@given(ids, st.text(st.characters(exclude_characters="\0"), max_size=14))
def test_key_range_finds_exactly_the_equal_ids(values: list[str], wanted: str) -> None:
    values = sorted(values, key=lambda v: v.encode())
    keys = as_keys(pa.array(values, pa.string()))
    low, high = key_range(keys, wanted)
    assert values[low:high] == [v for v in values if v == wanted]
    if low == high:
        assert wanted not in values


def test_an_id_longer_than_every_key_is_not_cut_to_match() -> None:
    keys = as_keys(pa.array(["C01", "C02"]))
    assert key_range(keys, "C011") == (0, 0)
    assert key_range(keys, "C01") == (0, 1)
    assert keys.dtype == np.dtype("S3")
