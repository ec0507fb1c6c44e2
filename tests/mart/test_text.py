"""Trimming that keeps the letters Spark's TRIM would eat (``v``, ``f``)."""

from __future__ import annotations

import ibis
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from segmint.mart.text import SPACES, trimmed

SPACE = " \t\n\r\f\v"


def _trim_all(values: list[str]) -> list[str]:
    con = ibis.duckdb.connect()
    table = con.create_table("t", pd.DataFrame({"i": range(len(values)), "value": values}))
    out = table.select("i", v=trimmed(table.value)).order_by("i").to_pandas()
    return list(out.v)


def test_edge_whitespace_goes_and_the_letters_v_and_f_stay() -> None:
    values = ["vip", " family\t", "fashion\n", " \f\v ", "f v\tf"]
    assert _trim_all(values) == ["vip", "family", "fashion", "", "f v\tf"]


@given(st.lists(st.text(alphabet="vf ab\t\n" + SPACE, max_size=8), min_size=1, max_size=20))
def test_trimmed_equals_python_strip_of_whitespace(values: list[str]) -> None:
    assert _trim_all(values) == [v.strip(SPACE) for v in values]


def test_every_space_python_strips_is_trimmed_a_no_break_space_too() -> None:
    values = [f"{space}email{space}" for space in SPACES] + ["e\u00a0mail", "\u00a0"]
    assert _trim_all(values) == [v.strip() for v in values]
    assert _trim_all(["email\u00a0"]) == ["email"]


@given(st.lists(st.text(alphabet="vf ab" + SPACES, max_size=8), min_size=1, max_size=20))
def test_trimmed_equals_python_strip(values: list[str]) -> None:
    assert _trim_all(values) == [v.strip() for v in values]
