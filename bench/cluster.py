"""Benchmark: cluster analysis with ``k`` chosen automatically, against a plain scikit-learn loop.

A mart is made with a ``features`` table of ``--customers`` rows and 12 behavioural
features drawn from eight latent groups (heavy-tailed money, counts, shares). Then, in
the same process:

* **segmint**: ``run_clusters(..., ClusterOptions(algorithm="kmeans", k="auto", k_range=(2, 12)))``
  end to end: features read
  from the mart, prepared, k-means fitted for each k (sample of 50,000), scored, k chosen,
  everyone assigned, assignments and model stored;
* **stability**: the bootstrap check (20 refits on a 20,000-customer sample);
* **scikit-learn loop**: what a user would write: read the same features, ``StandardScaler``,
  then for each k ``KMeans(k)`` with default settings on all rows and
  ``silhouette_score(sample_size=20_000)``.

Usage: ``python bench/cluster.py --customers 100000`` (1,000,000 for the full run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from segmint.features import load_features
from segmint.mart import connect
from segmint.models.clustering import bootstrap_stability
from segmint.segmentation.cluster_models import load_model
from segmint.workflows.clusters import ClusterOptions, run_clusters

AS_OF = dt.date(2025, 12, 31)
FEATURES = [
    "recency_days",
    "frequency",
    "monetary_total",
    "monetary_avg",
    "tenure_days",
    "interpurchase_mean_days",
    "n_categories",
    "discount_share",
    "share_web",
    "share_app",
    "sessions",
    "email_opens",
]


def synthetic_features(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` customers from eight latent groups, with the columns of :data:`FEATURES`."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 8, n)
    level = rng.uniform(0.3, 3.0, size=(8, 6))[group]
    frequency = rng.poisson(level[:, 0] * 4) + 1
    aov = rng.lognormal(np.log(40 * level[:, 1]), 0.5)
    web = rng.beta(level[:, 2] * 2, 2)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:08d}" for i in range(n)],
            "as_of": AS_OF,
            "recency_days": rng.exponential(60 * level[:, 3]),
            "frequency": frequency,
            "monetary_total": frequency * aov,
            "monetary_avg": aov,
            "tenure_days": rng.uniform(30, 1500, n),
            "interpurchase_mean_days": rng.gamma(2, 30 * level[:, 3]),
            "n_categories": rng.poisson(level[:, 4] * 2) + 1,
            "discount_share": rng.beta(level[:, 5], 6),
            "share_web": web,
            "share_app": (1 - web) * rng.beta(2, 2, n),
            "sessions": rng.poisson(level[:, 2] * 5),
            "email_opens": rng.poisson(level[:, 5] * 3),
        }
    )


def sklearn_loop(mart_path: Path, ks: range) -> float:
    """Seconds of the plain loop: read, scale, KMeans per k, silhouette on 20k."""
    start = time.perf_counter()
    with connect(mart_path) as mart:
        frame = load_features(mart, AS_OF).select(*FEATURES).to_pandas()
    matrix = StandardScaler().fit_transform(frame.fillna(0))
    for k in ks:
        labels = KMeans(k, random_state=0).fit_predict(matrix)
        silhouette_score(matrix, labels, sample_size=20_000, random_state=0)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args()
    ks = range(2, 13)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        with connect(path) as mart:
            mart.con.create_table("features", synthetic_features(args.customers))
        print(
            f"{args.customers:,} customers x {len(FEATURES)} features, k = 2..12; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        with connect(path) as mart:
            start = time.perf_counter()
            options = ClusterOptions(
                features=tuple(FEATURES),
                algorithm="kmeans",  # the timings in docs/clustering.md are k-means'
                k="auto",
                k_range=(2, 12),
                n_bootstrap=0,
            )
            run = run_clusters(mart, "bench", AS_OF, options)
            ours = time.perf_counter() - start
            print(
                f"segmint end to end (read, prepare, fit x11, score, choose, assign, store): "
                f"{ours:.1f} s, chose k={run.selection.k}"
            )
            _, model = load_model(mart, "bench")
            frame = load_features(mart, AS_OF).select(*FEATURES).to_pandas()
            matrix = model.preparation.transform(frame)
            start = time.perf_counter()
            stability = bootstrap_stability(matrix, model.clusters, n_bootstrap=20)
            print(
                f"bootstrap stability (20 refits, 20k sample): {time.perf_counter() - start:.1f} s, "
                f"ARI {stability.ari_mean:.2f}"
            )
        if not args.skip_sklearn:
            print(
                f"scikit-learn loop (KMeans defaults per k on all rows, silhouette on 20k): "
                f"{sklearn_loop(path, ks):.1f} s"
            )


if __name__ == "__main__":
    main()
