"""The features use case: built once and stored, reused for a day that has them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from segmint.features import stored_dates
from segmint.features.asof import resolve_as_of
from segmint.mart import Mart, connect
from segmint.mart.ingest import IngestOptions
from segmint.synth import synthesize
from segmint.workflows import features, load


@pytest.fixture(scope="module")
def mart_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("features")
    synthesize(folder / "data", 150, seed=5)
    path = folder / "shop.duckdb"
    with connect(path) as m:
        load.load_folder(m, folder / "data", IngestOptions())
    return path


@pytest.fixture
def mart(mart_file: Path, tmp_path: Path) -> Iterator[Mart]:
    copy = tmp_path / "shop.duckdb"
    copy.write_bytes(mart_file.read_bytes())
    with connect(copy) as m:
        yield m


def test_store_defaults_to_the_last_day_with_orders(mart: Mart) -> None:
    stored = features.store(mart)
    assert stored.as_of == resolve_as_of(mart, None)
    assert stored_dates(mart) == [stored.as_of]
    assert stored.rows == mart.count("customers")


def test_stored_or_built_reuses_a_stored_day_and_builds_a_new_one(mart: Mart) -> None:
    day = features.store(mart, "2025-06-30").as_of
    rows = mart.count("features")
    assert features.stored_or_built(mart, day).count().execute() == rows
    assert mart.count("features") == rows  # nothing built again
    earlier = dt.date(2025, 3, 31)
    built = features.stored_or_built(mart, earlier)
    assert {pd.Timestamp(d).date() for d in built.as_of.to_pandas()} == {earlier}
    assert sorted(stored_dates(mart)) == [earlier, day]


def test_features_for_passes_given_features_through(mart: Mart) -> None:
    day, table = features.refresh_features(mart, "2025-06-30")
    again_day, again = features.features_for(mart, "2025-06-30", table)
    assert (again_day, again) == (day, table)
    assert stored_dates(mart) == [day]
