"""Benchmark: how much of the synthetic retailer's latent structure ``--k auto`` recovers.

For each seed: a synthetic retailer of ``--customers`` customers with seven known latent
types is generated and loaded into a fresh mart; ``segmint segment cluster`` runs with its
defaults (k chosen automatically); the adjusted Rand index of the stored segments against
the types is printed beside the supervised bound (a gradient-boosted classifier trained on
the same features with the types, 3-fold cross-validated), and their ratio.

Usage: ``python bench/cluster_recovery.py --customers 20000 --seeds 1 2 3``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from segmint.mart import connect
from segmint.mart.ingest import IngestOptions, ingest
from segmint.synth import generate
from segmint.workflows.clusters import ClusterOptions, cluster_recovery, run_clusters

TABLES = ("customers", "customer_attributes", "products", "orders", "order_lines", "events")


def one_seed(customers: int, seed: int, folder: Path) -> None:
    """Generate, load, cluster with the defaults and print the recovery for ``seed``."""
    tables = generate(customers, seed=seed)
    with connect(folder / f"mart{seed}.duckdb") as mart:
        for name in TABLES:
            pq.write_table(tables[name], folder / f"{name}.parquet")
            ingest(mart, name, folder / f"{name}.parquet", IngestOptions())
        started = time.perf_counter()
        run = run_clusters(mart, "recovery", options=ClusterOptions(n_bootstrap=0))
        seconds = time.perf_counter() - started
        truth = tables["ground_truth"].to_pandas().set_index("customer_id").latent_type
        found = cluster_recovery(mart, "recovery", truth)
    print(
        f"seed {seed}: k={run.selection.k} ARI {found.ari:.3f}, supervised bound "
        f"{found.bound:.3f}, ratio {found.share_of_bound:.2f} (clustering {seconds:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            one_seed(args.customers, seed, Path(folder))


if __name__ == "__main__":
    main()
