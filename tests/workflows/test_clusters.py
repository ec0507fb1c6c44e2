"""Cluster segmentation on a small synthetic retailer whose customers have known latent types.

Recovery bar: on this retailer (seed 3) the default features with k-means at k = 6 recover
the seven latent types with an adjusted Rand index of about 0.3 (docs/clustering.md); the
test holds it above :data:`RECOVERY_BAR` and far above labels shuffled at random.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint.exceptions import SegmintError
from segmint.features import load_features
from segmint.mart import Mart, connect
from segmint.mart.ingest import IngestOptions, ingest
from segmint.models.clustering import ClusteringError, recovery
from segmint.segmentation import store
from segmint.segmentation.cluster_models import CANCELLED_ONLY, PROSPECTS, load_model
from segmint.synth import generate
from segmint.workflows.clusters import (
    ClusterOptions,
    assign_clusters,
    cluster_recovery,
    run_clusters,
)

pytestmark = pytest.mark.slow

N_CUSTOMERS = 3_000
RECOVERY_BAR = 0.2
EARLY = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def retailer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Mart, pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("retailer")
    tables = generate(N_CUSTOMERS, seed=3)
    with connect(folder / "mart.duckdb") as mart:
        for name in (
            "customers",
            "customer_attributes",
            "products",
            "orders",
            "order_lines",
            "events",
        ):
            pq.write_table(tables[name], folder / f"{name}.parquet")
            ingest(mart, name, folder / f"{name}.parquet", IngestOptions())
        yield mart, tables["ground_truth"].to_pandas()


def stored(mart: Mart, name: str, as_of: dt.date | None = None) -> pd.Series:
    frame = store.assignments(mart, name, as_of).to_pandas()
    segments: pd.Series = frame.set_index("customer_id")["segment"].sort_index()
    return segments


def test_recovers_latent_types_above_the_bar(retailer: tuple[Mart, pd.DataFrame]) -> None:
    mart, truth = retailer
    run = run_clusters(mart, "recovery", options=ClusterOptions(k=6, n_bootstrap=5))
    segments = stored(mart, "recovery")
    both = truth.set_index("customer_id").latent_type.reindex(segments.index)
    found = recovery(both, segments)
    shuffled = recovery(both, np.random.default_rng(0).permutation(segments.to_numpy()))
    assert found.ari > RECOVERY_BAR
    assert shuffled.ari < 0.02
    assert found.confusion.shape == (7, 7)  # six clusters and the prospects
    assert run.stability is not None and 0 < run.stability.ari_mean <= 1
    assert set(run.explanation.rules.segment) == set(run.sizes.index) - {PROSPECTS}
    assert 0.5 < run.explanation.fidelity <= 1
    assert int(run.sizes.sum()) == len(segments)


def test_same_seed_same_segments_and_version(retailer: tuple[Mart, pd.DataFrame]) -> None:
    mart, _ = retailer
    first = run_clusters(
        mart, "det", options=ClusterOptions(k="auto", k_range=(3, 5), n_bootstrap=0, random_state=4)
    )
    a = stored(mart, "det")
    second = run_clusters(
        mart, "det", options=ClusterOptions(k="auto", k_range=(3, 5), n_bootstrap=0, random_state=4)
    )
    assert second.model_id == first.model_id and second.version == first.version
    assert stored(mart, "det").equals(a)
    assert first.selection.table.equals(second.selection.table)


@pytest.mark.parametrize("algorithm", ["auto", "kmeans", "ward"])
def test_new_date_assigned_with_the_stored_model(
    retailer: tuple[Mart, pd.DataFrame], algorithm: Any
) -> None:
    """A mixture is assigned in batches, k-means and Ward by the engine: the same segments
    as the stored model gives in NumPy, either way."""
    mart, _ = retailer
    options = ClusterOptions(algorithm=algorithm, k=4, n_bootstrap=0)
    fitted = run_clusters(mart, "model", EARLY, options)
    later = assign_clusters(mart, "model")
    assert later.version == fitted.version and later.model_id == fitted.model_id
    assert later.as_of > EARLY
    _, model = load_model(mart, "model")
    features = load_features(mart, later.as_of).order_by("customer_id").to_pandas()
    expected = pd.Series(model.segments(features), index=features.customer_id).sort_index()
    assert stored(mart, "model", later.as_of).equals(expected.rename("segment"))
    early_ids = set(stored(mart, "model", EARLY).index)
    assert len(set(expected.index) - early_ids) > 0  # customers new since EARLY got a segment
    again = assign_clusters(mart, "model", EARLY)
    assert stored(mart, "model", EARLY).equals(stored(mart, "model", again.as_of))


def test_mixed_numeric_and_categorical_features(retailer: tuple[Mart, pd.DataFrame]) -> None:
    mart, _ = retailer
    run = run_clusters(
        mart,
        "mixed",
        options=ClusterOptions(
            features=("monetary_total", "age", "region", "top_category"), k=4, n_bootstrap=0
        ),
    )
    definition = store.definition(mart, "mixed").definition
    assert definition["features"] == ["monetary_total", "age", "region", "top_category"]
    _, model = load_model(mart, "mixed")
    assert model.preparation.categorical_ == ["region", "top_category"]
    assert PROSPECTS not in run.sizes.index  # named features: everyone is clustered
    assert len(run.sizes) == 4


def test_small_segments_flagged_or_merged(retailer: tuple[Mart, pd.DataFrame]) -> None:
    mart, _ = retailer
    flagged = run_clusters(mart, "small", options=ClusterOptions(k=9, min_share=0.1, n_bootstrap=0))
    assert len(flagged.small) > 0 and (flagged.small.share < 0.1).all()
    merged = run_clusters(
        mart, "small", options=ClusterOptions(k=9, min_share=0.1, small="merge", n_bootstrap=0)
    )
    assert len(merged.sizes) < len(flagged.sizes)
    assert set(merged.sizes.index).isdisjoint(set(merged.small.segment))


def test_one_feature_stores_no_cluster_without_members(
    retailer: tuple[Mart, pd.DataFrame],
) -> None:
    mart, _ = retailer
    run = run_clusters(
        mart, "spend", options=ClusterOptions(features=("monetary_total",), n_bootstrap=0)
    )
    counted = stored(mart, "spend").value_counts()
    assert (counted > 0).all() and len(counted) == run.details["k"] == run.selection.k
    assert run.small.empty or (run.small.members > 0).all()


def test_bad_input_gives_clear_errors(retailer: tuple[Mart, pd.DataFrame]) -> None:
    mart, _ = retailer
    with pytest.raises(
        ClusteringError, match=r"unknown feature 'frequncy' \(did you mean 'frequency'\?\)"
    ):
        run_clusters(mart, "bad", options=ClusterOptions(features=("frequncy",)))
    tiny = ibis.memtable(
        pa.table(
            {
                "customer_id": ["a", "b", "c"],
                "frequency": [1, 2, 3],
                "monetary_total": [1.0, 5.0, 9.0],
            }
        )
    )
    with pytest.raises(ClusteringError, match="flat have the same value for every customer"):
        run_clusters(
            mart,
            "bad",
            options=ClusterOptions(k=2, features=("frequency", "flat")),
            table=tiny.mutate(flat=1.0),
        )
    with pytest.raises(
        ClusteringError, match="k=5 clusters need at least 5 customers; the features hold 3"
    ):
        run_clusters(
            mart,
            "bad",
            options=ClusterOptions(k=5, features=("frequency", "monetary_total")),
            table=tiny,
        )
    with pytest.raises(ClusteringError, match="algorithm must be auto or one of"):
        run_clusters(mart, "bad", options=ClusterOptions(algorithm="dbscan"))  # type: ignore[arg-type]


def test_every_algorithm_runs_end_to_end(
    retailer: tuple[Mart, pd.DataFrame], tmp_path: Path
) -> None:
    mart, _ = retailer
    for algorithm in ("gmm", "ward"):
        run = run_clusters(
            mart,
            f"alg_{algorithm}",
            options=ClusterOptions(algorithm=algorithm, k=4, n_bootstrap=2),  # type: ignore[arg-type]
        )
        assert len(run.sizes) == 5
        if algorithm == "gmm":
            assert run.selection.table.bic.notna().all()


RETAILER_SEEDS = (1, 2, 3)
RECOVERY_CUSTOMERS = 20_000
SHARE_OF_BOUND = 0.6
"""The issue's target; measured 0.60 (0.604-0.607), 0.62 and 0.62 (seeds 1-3): docs/clustering.md."""


@pytest.mark.parametrize("seed", RETAILER_SEEDS)
def test_auto_k_recovers_most_of_the_structure_a_classifier_finds(
    seed: int, tmp_path: Path
) -> None:
    """The issue's measure: default `segment cluster` (k not given) on a 20,000-customer
    retailer against the supervised bound (3-fold cross-validated classifier on the same
    features), for each of three seeds; held at :data:`SHARE_OF_BOUND` of it."""
    tables = generate(RECOVERY_CUSTOMERS, seed=seed)
    with connect(tmp_path / "mart.duckdb") as mart:
        for name in (
            "customers",
            "customer_attributes",
            "products",
            "orders",
            "order_lines",
            "events",
        ):
            pq.write_table(tables[name], tmp_path / f"{name}.parquet")
            ingest(mart, name, tmp_path / f"{name}.parquet", IngestOptions())
        run = run_clusters(mart, "auto", options=ClusterOptions(n_bootstrap=0))
        truth = tables["ground_truth"].to_pandas().set_index("customer_id").latent_type
        found = cluster_recovery(mart, "auto", truth)
    assert run.selection.k >= 5  # the distance criteria alone would have stopped at 3 or 4
    assert found.bound is not None and found.bound > 0.5
    assert found.ari >= SHARE_OF_BOUND * found.bound, (found.ari, found.bound)


def test_banded_attributes_enter_as_ordinals(tmp_path: Path) -> None:
    tables = generate(600, seed=4)
    customers = tables["customers"].to_pandas()
    bands = ["Under 15K", "15-24K", "25-34K", "50-74K", "100-124K"]
    customers["income"] = [bands[i % len(bands)] for i in range(len(customers))]
    with connect(tmp_path / "mart.duckdb") as mart:
        customers.to_parquet(tmp_path / "customers.parquet")
        ingest(mart, "customers", tmp_path / "customers.parquet", IngestOptions())
        for name in ("products", "orders", "order_lines"):
            pq.write_table(tables[name], tmp_path / f"{name}.parquet")
            ingest(mart, name, tmp_path / f"{name}.parquet", IngestOptions())
        features = ("monetary_total", "income")
        run_clusters(mart, "banded", options=ClusterOptions(features=features, k=3, n_bootstrap=0))
        _, model = load_model(mart, "banded")
    prep = model.preparation
    assert prep.ordinals == {"income": bands}  # in band order, not as loaded or by text
    assert prep.numeric_ == ["monetary_total", "income"] and prep.categorical_ == []
    positions = prep.transform(pd.DataFrame({"monetary_total": [10.0] * 3, "income": bands[:3]}))
    assert positions[0, 1] < positions[1, 1] < positions[2, 1]
    assert model.clusters.algorithm == "gmm"  # all numeric once bands are ordinals


def test_a_name_of_another_kind_is_refused_before_any_feature_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("features were read before the name was checked")

    monkeypatch.setattr("segmint.workflows.clusters.stored_or_built", refuse)
    monkeypatch.setattr("segmint.workflows.clusters.checked_as_of", refuse)
    with connect(":memory:") as mart:
        store.save(
            mart, "rfm", "rfm", {}, EARLY, ibis.memtable({"customer_id": ["a"], "segment": ["x"]})
        )
        with pytest.raises(SegmintError, match="'rfm' already names a segmentation of kind rfm"):
            run_clusters(mart, "rfm", options=ClusterOptions(n_bootstrap=0))


@pytest.mark.parametrize("algorithm", ["kmeans", "gmm"])
def test_customers_who_cancelled_every_order_are_their_own_segment(
    tmp_path: Path, algorithm: Any
) -> None:
    """Not clustered, as prospects are not, but no prospects: they ordered. A stored model
    assigns them so in the engine (k-means) and in batches (a mixture)."""
    tables = generate(400, seed=4)
    orders = tables["orders"].to_pandas()
    backed_out = sorted(orders.customer_id.unique())[:5]
    orders.loc[orders.customer_id.isin(backed_out), "status"] = "cancelled"
    with connect(tmp_path / "mart.duckdb") as mart:
        orders.to_parquet(tmp_path / "orders.parquet")
        for name in ("customers", "products", "orders", "order_lines"):
            if name != "orders":
                pq.write_table(tables[name], tmp_path / f"{name}.parquet")
            ingest(mart, name, tmp_path / f"{name}.parquet", IngestOptions())
        options = ClusterOptions(algorithm=algorithm, k=3, n_bootstrap=0)
        run = run_clusters(mart, "kinds", options=options)
        segments = stored(mart, "kinds")
        assert run.sizes[CANCELLED_ONLY] == run.details["cancelled_only"] == 5
        assert run.details["prospects"] == run.sizes[PROSPECTS] > 0
        assert (
            run.details["clustered"] == len(segments) - run.sizes[[PROSPECTS, CANCELLED_ONLY]].sum()
        )
        assert set(segments[segments == CANCELLED_ONLY].index) == set(backed_out)
        assert CANCELLED_ONLY in store.definition(mart, "kinds").definition["segments"]
        day = run.as_of - dt.timedelta(days=30)
        later = assign_clusters(mart, "kinds", day)
        again = stored(mart, "kinds", day)
        ordered_by_then = set(orders[orders.order_ts.dt.date <= day].customer_id)
        cancelled_by_then = set(backed_out) & ordered_by_then
        assert set(again[again == CANCELLED_ONLY].index) == cancelled_by_then
        assert later.sizes.get(CANCELLED_ONLY, 0) == len(cancelled_by_then)
