"""A stored k-means or Ward model assigned by the engine gives what NumPy gives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import segmint
from segmint.mart import Mart
from segmint.models.clustering import CustomerClusters, CustomerPreparation
from segmint.segmentation.cluster_expression import segment_expression
from segmint.segmentation.cluster_models import CANCELLED_ONLY, PROSPECTS, FittedClusters

NUMBERS = ["frequency", "monetary_total", "recency_days", "share_web"]
REGIONS = ["north", "south", "east", "west", "centre", "islands", "abroad", "online", "x"]


def _customers(n: int = 600, seed: int = 11) -> pd.DataFrame:
    """Four groups of buyers with heavy-tailed spend, missing values sharing one pattern,
    a region of nine values with gaps, a yes/no membership, and prospects (no purchase,
    or none recorded)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 4, n)
    frequency = rng.poisson(np.array([1.0, 3.0, 8.0, 20.0])[group]).astype(float)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "frequency": frequency,
            "monetary_total": rng.lognormal(np.array([2.0, 3.5, 5.0, 6.5])[group], 1.0),
            "recency_days": rng.exponential(np.array([300.0, 120.0, 40.0, 10.0])[group]),
            "share_web": rng.beta(1 + group, 2.0),
            "region": rng.choice(REGIONS, n, p=[0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.04, 0.03, 0.03]),
        }
    )
    gaps = rng.random(n) < 0.1
    frame.loc[gaps, ["recency_days", "share_web"]] = np.nan
    frame.loc[rng.random(n) < 0.05, "region"] = None
    frame.loc[rng.random(n) < 0.08, "frequency"] = 0.0
    frame.loc[rng.random(n) < 0.03, "frequency"] = np.nan
    frame["member"] = rng.random(n) < 0.4
    return frame


def _model(
    features: list[str], *, prospects: bool = True, merged: bool = False, **options: Any
) -> FittedClusters:
    algorithm = options.pop("algorithm", "kmeans")
    frame = _customers()
    buyers = frame[frame.frequency.fillna(0) > 0] if prospects else frame
    preparation = CustomerPreparation(**options).fit(buyers[features])
    clusters = CustomerClusters(algorithm, n_clusters=4, random_state=2)
    clusters.fit(preparation.transform(buyers[features]))
    names = ["a", "b", "a", "d"] if merged else ["a", "b", "c", "d"]
    return FittedClusters(features, preparation, clusters, names, prospects)


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        yield made


def _in_engine(mart: Mart, model: FittedClusters, frame: pd.DataFrame) -> pd.Series:
    mart.create_table("people", ibis.memtable(frame))
    expression = segment_expression(model, mart.table("people"))
    assert expression is not None
    found = expression.to_pyarrow().to_pandas()
    return found.set_index("customer_id").segment.sort_index()


CASES: dict[str, dict[str, Any]] = {
    "k-means, logs, standard": {"tails": "log"},
    "k-means, robust": {"tails": "none", "scaling": "robust"},
    "Ward": {"algorithm": "ward", "tails": "log"},
    "k-means on principal components": {"tails": "log", "n_components": 3},
    "k-means with a categorical": {
        "tails": "log",
        "max_levels": 5,
        "features": [*NUMBERS, "region"],
    },
    "all levels kept": {"tails": "log", "max_levels": 12, "features": [*NUMBERS, "region"]},
    "merged segments": {"tails": "log", "merged": True},
    "prospects clustered": {"tails": "log", "prospects": False},
}


@pytest.mark.parametrize("case", CASES)
def test_the_engine_assigns_every_customer_as_numpy_does(mart: Mart, case: str) -> None:
    options: dict[str, Any] = dict(CASES[case])
    model = _model(options.pop("features", NUMBERS), **options)
    frame = _customers(n=900, seed=5)  # new customers, not the ones fitted on
    expected = pd.Series(model.segments(frame), index=frame.customer_id).sort_index()
    got = _in_engine(mart, model, frame)
    assert list(got.index) == list(expected.index)
    assert (got == expected).all(), got[got != expected]
    assert got.nunique() >= 3  # the clusters are used, not one segment for everyone
    assert (got == PROSPECTS).any() == model.prospects


def test_customers_who_cancelled_every_order_are_set_apart_as_numpy_does(mart: Mart) -> None:
    model = _model(NUMBERS, tails="log")
    frame = _customers(n=300, seed=5)
    without = frame.frequency.fillna(0) == 0
    ids = [*frame.customer_id[without][:4], frame.customer_id[~without].iloc[0]]
    mart.create_table("cancelled", ibis.memtable({"customer_id": ids}))
    mart.create_table("people", ibis.memtable(frame))
    cancelled = frame.customer_id.isin(ids).to_numpy()
    expected = pd.Series(model.segments(frame, cancelled), index=frame.customer_id).sort_index()
    expression = segment_expression(model, mart.table("people"), mart.table("cancelled"))
    assert expression is not None
    got = expression.to_pyarrow().to_pandas().set_index("customer_id").segment.sort_index()
    assert (got == expected).all(), got[got != expected]
    # only those without a purchase are set apart: a buyer listed is still clustered
    assert (got == CANCELLED_ONLY).sum() == 4
    assert (got == PROSPECTS).sum() == without.sum() - 4


def test_a_level_never_seen_and_a_missing_level_are_assigned_as_numpy_does(mart: Mart) -> None:
    model = _model([*NUMBERS, "region"], tails="log", max_levels=5)
    frame = _customers(n=50, seed=9)
    frame.loc[:9, "region"] = "somewhere new"
    frame.loc[10:19, "region"] = None
    expected = pd.Series(model.segments(frame), index=frame.customer_id).sort_index()
    assert list(_in_engine(mart, model, frame)) == list(expected)


@pytest.mark.parametrize(
    "options",
    [{"algorithm": "gmm", "tails": "log"}, {"tails": "rank"}],
    ids=["mixture", "rank transform"],
)
def test_models_the_formula_does_not_fit_are_left_to_batches(
    mart: Mart, options: dict[str, Any]
) -> None:
    model = _model(NUMBERS, **options)
    mart.create_table("people", ibis.memtable(_customers(n=20)))
    assert segment_expression(model, mart.table("people")) is None


def test_a_categorical_that_is_not_text_is_left_to_batches(mart: Mart) -> None:
    model = _model([*NUMBERS, "member"], tails="log")
    assert model.preparation.categorical_ == ["member"]
    mart.create_table("people", ibis.memtable(_customers(n=20)))
    assert segment_expression(model, mart.table("people")) is None


def test_a_stored_nan_counts_as_missing_as_it_does_when_read_into_pandas(mart: Mart) -> None:
    model = _model(NUMBERS, tails="log")
    frame = _customers(n=200, seed=3)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name in ("frequency", "recency_days", "share_web"):  # NaN values, not nulls
        values = table[name].to_numpy(zero_copy_only=False)
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pa.array(values, from_pandas=False))
    assert pc.is_nan(table["recency_days"]).to_numpy(zero_copy_only=False).any()
    mart.create_table("people", table)
    expression = segment_expression(model, mart.table("people"))
    assert expression is not None
    got = expression.to_pyarrow().to_pandas().set_index("customer_id").segment.sort_index()
    expected = pd.Series(model.segments(frame), index=frame.customer_id).sort_index()
    assert list(got) == list(expected)
