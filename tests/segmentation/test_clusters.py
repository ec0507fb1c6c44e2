"""The steps of a cluster run, one by one (the whole run: tests/workflows/test_clusters.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from segmint.models.clustering import ClusteringError
from segmint.segmentation.clusters import (
    candidate_ks,
    check_options,
    choose_features,
    cluster_sizes,
    customers_to_cluster,
    small_segments,
)


def features(**columns: list[Any]) -> ibis.Table:
    n = len(next(iter(columns.values())))
    ids = [f"c{i:02d}" for i in range(n)]
    return ibis.memtable(pd.DataFrame({"customer_id": ids, "as_of": ["2025-01-01"] * n, **columns}))


def test_choose_features_keeps_the_named_order_once_and_hints_at_typos() -> None:
    table = features(frequency=[1, 2], monetary_total=[3.0, 4.0], region=["a", "b"])
    assert choose_features(table, ["region", "frequency", "region"]) == ["region", "frequency"]
    assert choose_features(table, None) == ["frequency", "monetary_total"]
    with pytest.raises(ClusteringError, match=r"'frequncy' \(did you mean 'frequency'\?\)"):
        choose_features(table, ["frequncy"])
    with pytest.raises(ClusteringError, match="no features named"):
        choose_features(table, [])


def test_default_features_set_prospects_apart_and_drop_constant_columns() -> None:
    table = features(
        frequency=[0, 1, 2, 3], monetary_total=[0.0, 5.0, 9.0, 1.0], tenure_days=[7, 7, 7, 7]
    )
    data = customers_to_cluster(table, None)
    assert data.apart and data.prospect.tolist() == [True, False, False, False]
    assert data.frame.customer_id.tolist() == ["c01", "c02", "c03"]
    assert (data.columns, data.dropped) == (["frequency", "monetary_total"], ["tenure_days"])


def test_customers_who_cancelled_every_order_are_set_apart_from_the_prospects() -> None:
    table = features(frequency=[0, 1, 0, 3], monetary_total=[0.0, 5.0, 0.0, 1.0])
    cancelled = ibis.memtable({"customer_id": ["c01", "c02"]})  # c01 bought since
    data = customers_to_cluster(table, None, cancelled)
    assert data.prospect.tolist() == [True, False, False, False]
    assert data.cancelled.tolist() == [False, False, True, False]
    assert data.frame.customer_id.tolist() == ["c01", "c03"]
    assert "_cancelled" not in data.everyone.columns
    named = customers_to_cluster(table, ["frequency"], cancelled)
    assert not named.cancelled.any() and len(named.frame) == 4


def test_named_features_cluster_everyone_and_keep_constant_columns() -> None:
    table = features(frequency=[0, 1, 2], tenure_days=[7, 7, 7])
    data = customers_to_cluster(table, ["frequency", "tenure_days"])
    assert not data.apart and not data.prospect.any() and len(data.frame) == 3
    assert (data.columns, data.dropped) == (["frequency", "tenure_days"], [])


def test_all_constant_default_features_are_an_error() -> None:
    with pytest.raises(ClusteringError, match="same value for every customer"):
        customers_to_cluster(features(frequency=[1, 1], monetary_total=[2.0, 2.0]), None)


def test_candidate_ks_are_the_k_or_the_range_the_customers_allow() -> None:
    assert candidate_ks(4, (3, 10), 100) == [4]
    assert candidate_ks("auto", (3, 10), 100) == list(range(3, 11))
    assert candidate_ks("auto", (3, 10), 6) == [3, 4, 5]
    with pytest.raises(ClusteringError, match="k=5 clusters need at least 5 customers"):
        candidate_ks(5, (3, 10), 4)
    with pytest.raises(ClusteringError, match="needs more than 3 customers"):
        candidate_ks("auto", (3, 10), 3)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("dbscan", 4, (3, 10), 0.0, "flag"), "algorithm must be auto or one of"),
        (("kmeans", 1, (3, 10), 0.0, "flag"), "k must be an integer of at least 2"),
        (("kmeans", "auto", (5, 3), 0.0, "flag"), "the k range must satisfy"),
        (("kmeans", 4, (3, 10), 0.5, "flag"), "min_share must be in"),
        (("kmeans", 4, (3, 10), 0.1, "drop"), "small 'flag' or 'merge'"),
    ],
)
def test_bad_options_name_what_they_must_be(options: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ClusteringError, match=message):
        check_options(*options)


def test_small_segments_are_flagged_or_merged_into_the_nearest_large_one() -> None:
    model: Any = SimpleNamespace(
        n_clusters=3, cluster_centers_=np.array([[0.0, 0.0], [10.0, 10.0], [9.0, 9.0]])
    )
    labels = np.array([0] * 10 + [1] * 9 + [2], dtype=np.int64)
    names, flagged = small_segments(model, labels, 0.1, "flag")
    assert names == ["cluster 1", "cluster 2", "cluster 3"]
    assert flagged.to_dict("records") == [
        {"segment": "cluster 3", "members": 1, "share": 0.05, "action": "flagged"}
    ]
    names, merged = small_segments(model, labels, 0.1, "merge")
    assert names == ["cluster 1", "cluster 2", "cluster 2"]
    assert merged.action.tolist() == ["merged into cluster 2"]


def test_cluster_sizes_follow_the_names_and_leave_out_empty_segments() -> None:
    segments = np.array(["b", "a", "b", "b"], dtype=object)
    sizes = cluster_sizes(segments, ["a", "b", "c"])
    assert sizes.to_dict() == {"a": 1, "b": 3}
    assert (sizes.index.name, sizes.name) == ("segment", "members")
