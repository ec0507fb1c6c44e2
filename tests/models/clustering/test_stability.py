from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

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
