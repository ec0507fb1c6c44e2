"""The features use case: built once and stored, reused for a day that has them; a date
stored by an earlier version reads as fresh features."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import ibis
import pandas as pd
import pytest

from segmint.features import load_features, stored_dates
from segmint.features.asof import resolve_as_of
from segmint.features.btyd import btyd_summary
from segmint.insight.members import features_as_of
from segmint.mart import Mart, connect
from segmint.mart.ingest import IngestOptions
from segmint.scoring.campaigns.uplift_selection import features_for as features_for_uplift
from segmint.scoring.propensity import labelled_set, population, target_of
from segmint.synth import synthesize
from segmint.workflows import clv_score, features, load
from segmint.workflows.features import kept_summary


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


def rows_of(table: ibis.Table) -> pd.DataFrame:
    """``table``'s rows in customer order."""
    return table.to_pandas().sort_values("customer_id", ignore_index=True)


def summary_read(mart: Mart, day: dt.date) -> pd.DataFrame:
    """The BTYD summary as ``clv fit``, ``clv score`` and ``segment value`` read it."""
    kept = kept_summary(mart, day)
    return rows_of(btyd_summary(mart, day) if kept is None else kept)


def clv_scored(mart: Mart, day: dt.date) -> pd.DataFrame:
    """The CLV scores and the histories' churn risk ``clv score`` stores as of ``day``."""
    clv_score.score(mart, day, clv_score.ClvScoreOptions(model="bgnbd"))
    scores = mart.table("scores").to_pandas()
    return scores.sort_values(["model", "score_name", "customer_id"], ignore_index=True)


def churn_training(mart: Mart, day: dt.date) -> pd.DataFrame:
    """The churn model's training features as of ``day`` (built for the sample it draws)."""
    frame, labels = labelled_set(mart, day, 90, target_of("churn"))
    return frame.assign(label=labels).sort_index().reset_index()


def uplift_features(mart: Mart, day: dt.date) -> pd.DataFrame:
    """The features an uplift selection reads as of ``day`` for every customer."""
    ids = pd.Index(sorted(mart.table("customers").customer_id.execute()))
    return features_for_uplift(mart, day, ids).reset_index()


READERS: dict[str, Callable[[Mart, dt.date], pd.DataFrame]] = {
    "load_features": lambda m, d: rows_of(load_features(m, d)),
    "stored_or_built": lambda m, d: rows_of(features.stored_or_built(m, d)),
    "store": lambda m, d: rows_of(load_features(m, features.store(m, d).as_of)),
    "profiles and pages": lambda m, d: rows_of(features_as_of(m, d)),
    "the BTYD summary": summary_read,
    "clv score": clv_scored,
    "churn scoring": lambda m, d: rows_of(
        population(m, d, target_of("churn"), load_features(m, d))
    ),
    "churn training": churn_training,
    "uplift selection": uplift_features,
}


@pytest.mark.parametrize("reader", list(READERS))
def test_a_date_stored_before_btyd_monetary_reads_as_fresh_features(
    mart: Mart, earlier_version: Callable[[Mart], None], reader: str
) -> None:
    day = dt.date(2025, 3, 31)
    features.store(mart, day)
    fresh = READERS[reader](mart, day)
    earlier_version(mart)
    features.store(mart, "2025-06-30")  # the upgrade's first store: btyd_monetary null on day
    stored = mart.table("features")
    assert stored.filter(stored.as_of == day).btyd_monetary.count().execute() == 0
    # the same answer: to 1e-12, as a date built again may differ in the last bits of a float
    # the engine's threads summed in another order (a share of spend); a null fails anyway
    pd.testing.assert_frame_equal(READERS[reader](mart, day), fresh, rtol=1e-12)
