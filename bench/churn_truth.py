"""Benchmark: the churn risk of each time split against what the synthetic customers did.

For each seed, two synthetic retailers of ``--customers`` customers are generated and
loaded into fresh marts, and ``run_prediction(mart, "churn", D, split=...)`` runs with the
seasonal and the consecutive split (default 90-day horizon, ``D`` = 2025-12-31):

* **the usual retailer** (orders 2023-01-01 to 2025-12-31, ``D`` its last day, as in
  ``tests/workflows/test_predict.py``): the stored churn risk against the ground truth,
  who has dropped out for good by the end (``ground_truth.alive_at_end``);
* **a retailer whose history runs on** 90 days after ``D`` (orders 2023-04-01 to
  2026-03-31, scored as of ``D``, so nothing after ``D`` is read): the stored churn risk
  against the label it predicts, no purchase in (D, D + 90] (AUC, expected calibration
  error, Brier), and against the ground truth at that retailer's end.

Beside each: the split's own evaluation (AUC and ECE of ``churn_gbm`` on features as of
D - 90 with labels from (D - 90, D]).

Usage: ``python bench/churn_truth.py --customers 1500 --seeds 3`` (about three minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.metrics import roc_auc_score

from segmint.mart import Mart, connect
from segmint.mart.ingest import IngestOptions, ingest
from segmint.models.propensity import evaluate
from segmint.scoring.propensity import Split, purchases_between
from segmint.synth import generate
from segmint.workflows.predict import run_prediction

SPLITS: tuple[Split, ...] = ("seasonal", "consecutive")
TABLES = ("customers", "customer_attributes", "products", "orders", "order_lines", "events")
AS_OF = dt.date(2025, 12, 31)
HORIZON = dt.timedelta(days=90)
USUAL_START, RUN_ON_START = dt.date(2023, 1, 1), dt.date(2023, 4, 1)


def load(tables: dict[str, pa.Table], folder: Path) -> Mart:
    """A fresh mart in ``folder`` holding the retailer's loadable tables."""
    mart = connect(folder / "mart.duckdb")
    for name in TABLES:
        pq.write_table(tables[name], folder / f"{name}.parquet")
        ingest(mart, name, folder / f"{name}.parquet", IngestOptions())
    return mart


def churn_risk(mart: Mart, split: Split) -> tuple[pd.Series, dict[str, float]]:
    """The churn risk stored as of ``AS_OF`` with ``split``, and its evaluation's metrics."""
    run = run_prediction(mart, "churn", AS_OF, split=split)
    scores = mart.table("scores")
    rows = scores.filter(scores.as_of == AS_OF, scores.model == "churn_gbm").execute()
    return rows.set_index("customer_id")["value"].sort_index(), run.validation["churn_gbm"]


def one_retailer(customers: int, seed: int, start: dt.date, folder: Path) -> None:
    """Print each split's churn risk against the truth (and the next 90 days when the
    history runs on after ``AS_OF``) for the retailer of ``seed`` starting on ``start``."""
    tables = generate(customers, seed=seed, start=start)
    alive = tables["ground_truth"].to_pandas().set_index("customer_id")["alive_at_end"]
    with load(tables, folder) as mart:
        bought = purchases_between(mart, AS_OF, AS_OF + HORIZON).execute().customer_id
        runs_on = start > USUAL_START
        for split in SPLITS:
            risk, own = churn_risk(mart, split)
            truth = roc_auc_score(~alive.loc[risk.index].to_numpy(), risk.to_numpy())
            line = (
                f"  {split:<11} evaluation AUC {own['auc']:.3f} ECE {own['ece']:.3f} | "
                f"truth AUC {truth:.3f}"
            )
            if runs_on:
                churned = (~risk.index.isin(bought)).astype(int)
                next_90 = evaluate(churned, risk.to_numpy())
                line += (
                    f" | next 90 days (churn rate {churned.mean():.3f}): AUC "
                    f"{next_90['auc']:.3f} ECE {next_90['ece']:.3f} Brier {next_90['brier']:.3f}"
                )
            print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_500)
    parser.add_argument("--seeds", type=int, nargs="+", default=[3])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            for start, what in ((USUAL_START, "usual"), (RUN_ON_START, "runs on after D")):
                print(f"seed {seed}, {args.customers:,} customers, history {what}:", flush=True)
                path = Path(folder) / f"{seed}-{start}"
                path.mkdir()
                one_retailer(args.customers, seed, start, path)


if __name__ == "__main__":
    main()
