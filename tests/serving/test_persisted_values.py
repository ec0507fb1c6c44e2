"""Cached results written to disk read back exactly, and reading runs no code the file names."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from segmint.insight.profile import profile
from segmint.mart import Mart
from segmint.serving.persisted_values import NotPersistableError, read, same, write
from segmint.views.overview import BaseFigures


def round_trip(value: object, folder: Path) -> object:
    write(value, folder, "value")
    return read(folder, "value")


def test_a_profile_of_the_demo_mart_reads_back_equal(mart: Mart, tmp_path: Path) -> None:
    day = mart.raw.execute("SELECT max(as_of) FROM assignments").fetchone()
    assert day is not None
    found = profile(mart, "rfm", day[0])
    back = round_trip(found, tmp_path)
    assert same(back, found)
    assert type(back) is type(found)
    pd.testing.assert_frame_equal(back.features, found.features, check_exact=True)  # type: ignore[attr-defined]


def test_scalars_containers_and_dataclasses_keep_their_types(tmp_path: Path) -> None:
    trend = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "n": [3, 4]})
    value = {
        ("profile", "rfm", dt.date(2025, 12, 31)): [1, 2.5, float("nan"), float("-inf"), None],
        "numpy": (np.int64(7), np.float64("nan"), np.bool_(True), np.int8(-3)),
        "when": [dt.datetime(2025, 1, 2, 3, 4, 5), pd.Timestamp("2025-01-02 03:04:05.123456")],
        "series": pd.Series([1.0, None, 3.5], index=["a", "b", "c"], name="share"),
        "figures": BaseFigures(10, None, trend, ["no CLV"]),
        "empty": pd.DataFrame({"x": pd.Series([], dtype="int64")}),
    }
    back = round_trip(value, tmp_path)
    assert same(back, value)
    assert isinstance(back, dict)
    assert type(back["numpy"][0]) is np.int64 and type(back["numpy"][3]) is np.int8
    assert isinstance(back["figures"], BaseFigures)


@settings(max_examples=40, deadline=None)
@given(
    data_frames(
        [
            column("count", dtype="int64"),
            column("share", dtype="float64"),
            column("name", elements=st.text(max_size=8)),
            column("flag", dtype=bool),
        ],
        index=range_indexes(max_size=20),
    )
)
def test_any_frame_of_numbers_text_and_flags_reads_back_equal(frame: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert same(round_trip(frame, Path(folder)), frame)


def test_categories_and_a_named_index_are_kept(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"segment": pd.Categorical(["b", "a", "b"], categories=["b", "a"], ordered=True)},
        index=pd.Index(["x", "y", "z"], name="customer_id"),
    )
    back = round_trip(frame, tmp_path)
    assert same(back, frame)


def test_a_class_outside_segmint_is_not_written(tmp_path: Path) -> None:
    from fractions import Fraction

    with pytest.raises(NotPersistableError, match="Fraction"):
        write({"x": Fraction(1, 3)}, tmp_path, "value")


def test_a_value_that_would_read_back_different_is_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame({"lists": [[1, 2], [3]]})  # Arrow gives arrays back, not lists
    with pytest.raises(NotPersistableError, match="does not read back equal"):
        write(frame, tmp_path, "value")


@pytest.mark.parametrize(
    "named",
    ["os:system", "subprocess:Popen", "segmint.mart:connect", "segmint.views.overview:__init__"],
)
def test_a_file_naming_anything_but_a_segmint_dataclass_is_refused(
    tmp_path: Path, named: str
) -> None:
    pwned = tmp_path / "pwned"
    tree = {"dataclass": named, "fields": {"command": f"touch {pwned}"}}
    (tmp_path / "value.json").write_text(json.dumps({"frames": 0, "value": tree}))
    with pytest.raises(NotPersistableError, match="is not a segmint dataclass"):
        read(tmp_path, "value")
    assert not pwned.exists()


def test_same_tells_types_and_frames_apart() -> None:
    assert not same(1, 1.0)
    assert not same(pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1.0]}))
    assert same(float("nan"), float("nan"))
    assert not same([1, 2], [1, 2, 3])
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
