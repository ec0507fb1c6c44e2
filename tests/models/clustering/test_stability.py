from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from segmint.models.clustering import CustomerClusters, bootstrap_stability


def test_real_blobs_are_stable_and_noise_is_not(blob_maker: Callable[..., Any]) -> None:
    matrix, _ = blob_maker(n=800, centres=4, dims=2, spread=0.4)
    model = CustomerClusters(n_clusters=4).fit(matrix)
    stable = bootstrap_stability(matrix, model, n_bootstrap=8)
    assert stable.ari_mean > 0.95
    assert (stable.segments.verdict == "stable").all()
    assert len(stable.aris) == 8

    noise = np.random.default_rng(0).uniform(size=(800, 6))
    fuzzy = bootstrap_stability(noise, CustomerClusters(n_clusters=6).fit(noise), n_bootstrap=8)
    assert fuzzy.ari_mean < stable.ari_mean - 0.1
    assert fuzzy.segments.jaccard.min() < stable.segments.jaccard.min()


def test_the_refits_are_the_same_on_one_core_or_two(
    blob_maker: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    matrix, _ = blob_maker(n=600, centres=3, dims=2, spread=1.5, seed=4)
    model = CustomerClusters("gmm", n_clusters=3).fit(matrix)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    side = bootstrap_stability(matrix, model, n_bootstrap=6)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    alone = bootstrap_stability(matrix, model, n_bootstrap=6)
    assert side.aris == alone.aris and side.segments.equals(alone.segments)
    assert len(set(side.aris)) > 1  # the refits differ from one another: each its own draw
