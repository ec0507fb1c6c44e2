"""Fitted cluster models: segments per row, prospects apart, stored and read back from the mart."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Iterator
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.exceptions import MartError
from segmint.mart import Mart
from segmint.models.clustering import CustomerClusters, CustomerPreparation
from segmint.segmentation.cluster_models import (
    CANCELLED_ONLY,
    MODELS_TABLE,
    PROSPECTS,
    FittedClusters,
    describe,
    load_model,
    save_model,
)

FEATURES = ["frequency", "monetary_total"]


def _frame() -> pd.DataFrame:
    """Two well-separated groups of buyers and two customers who never bought."""
    return pd.DataFrame(
        {
            "frequency": [1, 1, 2, 2, 40, 41, 42, 43, 0, np.nan],
            "monetary_total": [10, 11, 12, 13, 900, 950, 1000, 990, 0, np.nan],
            "other": range(10),
        }
    )


def _fitted(prospects: bool, segment_of: list[str] | None = None) -> FittedClusters:
    frame = _frame().iloc[:8]
    preparation = CustomerPreparation(tails="none").fit(frame[FEATURES])
    clusters = CustomerClusters(n_clusters=2, random_state=3).fit(
        preparation.transform(frame[FEATURES])
    )
    low = int(clusters.predict(preparation.transform(frame[FEATURES].iloc[:1]))[0])
    names = ["", ""]
    names[low], names[1 - low] = "low", "high"
    return FittedClusters(FEATURES, preparation, clusters, segment_of or names, prospects)


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        yield made


def test_segments_follow_the_clusters_and_prospects_are_apart() -> None:
    model = _fitted(prospects=True)
    segments = model.segments(_frame())
    assert list(segments) == ["low"] * 4 + ["high"] * 4 + [PROSPECTS, PROSPECTS]
    assert list(model.is_prospect(_frame())) == [False] * 8 + [True, True]


def test_without_prospects_every_row_is_clustered() -> None:
    model = _fitted(prospects=False)
    frame = _frame().iloc[:8]
    assert not model.is_prospect(frame).any()
    assert list(model.segments(frame)) == ["low"] * 4 + ["high"] * 4


def test_merged_clusters_share_a_name() -> None:
    model = _fitted(prospects=False, segment_of=["same", "same"])
    assert set(model.segments(_frame().iloc[:8])) == {"same"}


def test_everyone_a_prospect_needs_no_prediction() -> None:
    model = _fitted(prospects=True)
    frame = _frame().iloc[8:]
    assert list(model.segments(frame)) == [PROSPECTS, PROSPECTS]


def test_assigning_in_batches_gives_every_customer_their_own_rows_segment(
    mart: Mart, monkeypatch: pytest.MonkeyPatch, batch_memory: Any
) -> None:
    model = _fitted(prospects=True)
    frame = _frame().assign(customer_id=[f"c{i:02d}" for i in range(10)])
    mart.create_table("people", ibis.memtable(frame))
    sizes: list[int] = []
    segments_of = model.segments
    monkeypatch.setattr(
        model, "segments", lambda f, c=None: sizes.append(len(f)) or segments_of(f, c)
    )
    batch_memory.watch(mart, monkeypatch)
    ids, segments = model.assign(mart, mart.table("people"), rows=3)
    assert sizes == [3, 3, 3, 1]
    assert batch_memory.ranges and not batch_memory.shared_by(ids)  # no batch kept alive
    got = pd.Series(segments, index=ids.to_pylist()).sort_index()
    expected = pd.Series(segments_of(frame), index=frame.customer_id).sort_index()
    assert list(got.index) == list(expected.index)
    assert list(got) == list(expected) == ["low"] * 4 + ["high"] * 4 + [PROSPECTS] * 2
    empty = mart.table("people").filter(ibis.literal(False))
    assert len(model.assign(mart, empty)[0]) == 0


def test_customers_who_cancelled_every_order_are_apart_but_no_prospects(mart: Mart) -> None:
    model = _fitted(prospects=True)
    frame = _frame().assign(customer_id=[f"c{i:02d}" for i in range(10)])
    cancelled = np.array([True] + [False] * 8 + [True])  # c00 bought: still clustered
    segments = model.segments(frame, cancelled)
    assert list(segments) == ["low"] * 4 + ["high"] * 4 + [PROSPECTS, CANCELLED_ONLY]
    mart.create_table("people", ibis.memtable(frame))
    ordered = ibis.memtable({"customer_id": ["c00", "c09", "c09"]})
    ids, assigned = model.assign(mart, mart.table("people"), rows=3, cancelled=ordered)
    got = pd.Series(assigned, index=ids.to_pylist()).sort_index()
    assert list(got) == list(segments)
    clustered = _fitted(prospects=False)  # nobody set apart: the list changes nothing
    ids, assigned = clustered.assign(mart, mart.table("people").limit(8), cancelled=ordered)
    assert CANCELLED_ONLY not in set(assigned)


def test_model_id_is_stable_and_depends_on_the_segments() -> None:
    one, two = _fitted(prospects=False), _fitted(prospects=False)
    assert one.model_id() == two.model_id()
    assert len(one.model_id()) == 16
    renamed = _fitted(prospects=False, segment_of=["a", "b"])
    assert renamed.model_id() != one.model_id()


def test_describe_is_json_ready() -> None:
    description = describe(_fitted(prospects=True))
    assert json.loads(json.dumps(description, default=str))["k"] == 2
    assert description["features"] == FEATURES
    assert description["prospects_apart"] is True
    assert description["algorithm"] == "kmeans"
    assert description["n_fit"] == 8


def test_save_and_load_round_trip_latest_version(mart: Mart) -> None:
    day = dt.date(2024, 6, 30)
    save_model(mart, "clusters", 1, day, _fitted(False, ["a", "b"]))
    save_model(mart, "clusters", 2, day, _fitted(True))
    version, model = load_model(mart, "clusters")
    assert version == 2
    assert model.prospects is True
    assert list(model.segments(_frame())) == list(_fitted(True).segments(_frame()))
    version, older = load_model(mart, "clusters", 1)
    assert version == 1 and older.segment_of == ["a", "b"]


def test_saving_a_version_again_replaces_it(mart: Mart) -> None:
    day = dt.date(2024, 6, 30)
    save_model(mart, "c", 1, day, _fitted(False, ["a", "b"]))
    save_model(mart, "c", 1, day, _fitted(False, ["x", "y"]))
    count = mart.raw.execute(f"SELECT count(*) FROM {MODELS_TABLE}").fetchone()
    assert count == (1,)
    assert load_model(mart, "c")[1].segment_of == ["x", "y"]


def test_missing_models_are_clear_errors(mart: Mart) -> None:
    with pytest.raises(
        MartError, match=r"no cluster model stored for 'nope'.*segment cluster nope"
    ):
        load_model(mart, "nope")
    save_model(mart, "c", 1, dt.date(2024, 6, 30), _fitted(False))
    with pytest.raises(MartError, match="'c' version 7"):
        load_model(mart, "c", 7)
    mart.raw.execute(f"DROP TABLE {MODELS_TABLE}")
    with pytest.raises(MartError, match="no cluster model is stored in"):
        load_model(mart, "c")


def test_a_stored_object_that_is_not_a_model_is_refused(mart: Mart) -> None:

    save_model(mart, "c", 1, dt.date(2024, 6, 30), _fitted(False))
    mart.raw.execute(f"UPDATE {MODELS_TABLE} SET model = $1", [pickle.dumps({"not": "a model"})])
    with pytest.raises(MartError, match="not a cluster model"):
        load_model(mart, "c")
