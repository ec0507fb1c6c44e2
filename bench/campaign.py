"""Benchmark: create and measure a campaign over a 1M-customer audience.

A mart is made (untimed) with ``--customers`` customers in four stored value segments,
an e-mail consent for most of them, and about two purchases per customer over the year
before the segments' date and the two weeks after it (one line each, with product costs,
so margins are known). Then, timed on a fresh copy of that mart each run:

* **create**: :func:`segmint.scoring.campaigns.create_campaign` targeting three of the
  four segments on e-mail with a 10 % holdout per segment: the eligible audience (segments,
  latest consent), the sha256 split in the engine, the campaigns row and every member
  written in one transaction, group sizes per stratum, the audience's baseline and power;
* **results**: :func:`segmint.scoring.campaigns.campaign_results` over the 14 days after
  the start with a 14-day pre-period: member outcomes from orders and lines, Welch,
  bootstrap (``--resamples``, vectorised) and CUPED intervals for conversion, orders,
  revenue and margin, the sample-ratio check, ROI.

Target: create + results under 10 s for 1M members on 2 cores. The machine, its load
average and the per-step times are printed and written to ``bench/results/campaign.json``.

Usage: ``python bench/campaign.py --customers 1100000`` (about 1M eligible members).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import console, load_note, machine, save
from segmint.mart import TABLES, connect
from segmint.scoring.campaigns import CampaignDesign, campaign_results, create_campaign
from segmint.segmentation import store

AS_OF = dt.date(2025, 6, 30)
SEGMENTS = ("gold", "silver", "bronze", "lapsed")
TARGETED = ("gold", "silver", "bronze")
CONSENT_RATE = 0.95
ORDERS_PER_YEAR = 2.0
DESIGN = CampaignDesign(
    name="bench-summer",
    segmentation="value",
    segments=TARGETED,
    channel="email",
    holdout=0.1,
    cost_per_contact=0.02,
    seed=1,
)


def _table(name: str, columns: dict[str, np.ndarray]) -> pa.Table:
    """``columns`` as an Arrow table with the mart columns of ``name`` (missing ones null)."""
    schema = TABLES[name].ibis_schema().to_pyarrow()
    n = len(next(iter(columns.values())))
    arrays = [
        pa.array(columns[f.name], f.type) if f.name in columns else pa.nulls(n, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def build(path: Path, n: int, seed: int = 0) -> dict[str, int]:
    """Write the benchmark mart to ``path``; returns its row counts."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("C", np.char.zfill(np.arange(n).astype(str), 8))
    segment = np.array(SEGMENTS)[rng.choice(4, n, p=[0.15, 0.35, 0.42, 0.08])]
    rate = np.select(
        [segment == "gold", segment == "silver", segment == "bronze"], [5.0, 2.0, 1.0], 0.3
    )
    n_orders = rng.poisson(rate * ORDERS_PER_YEAR / 2.0 * (379 / 365))
    owner = np.repeat(np.arange(n), n_orders)
    start = np.datetime64(AS_OF - dt.timedelta(days=364))
    seconds = rng.integers(0, 379 * 86_400, owner.size)
    order_ts = start + seconds.astype("timedelta64[s]")
    order_ids = np.char.add("O", np.char.zfill(np.arange(owner.size).astype(str), 9))
    price = np.round(rng.gamma(2.0, 30.0, owner.size), 2)
    with connect(path) as mart:
        mart.con.insert("customers", _table("customers", {"customer_id": ids}))
        mart.con.insert(
            "consents",
            _table(
                "consents",
                {
                    "customer_id": ids,
                    "channel": np.full(n, "email"),
                    "granted": rng.random(n) < CONSENT_RATE,
                    "updated_at": np.full(n, np.datetime64("2024-01-01T00:00:00", "us")),
                },
            ),
        )
        mart.con.insert(
            "orders",
            _table(
                "orders",
                {
                    "order_id": order_ids,
                    "customer_id": ids[owner],
                    "order_ts": order_ts.astype("datetime64[us]"),
                    "channel": np.array(["web", "app", "store"])[rng.integers(0, 3, owner.size)],
                    "status": np.where(rng.random(owner.size) < 0.03, "cancelled", "completed"),
                },
            ),
        )
        mart.con.insert(
            "order_lines",
            _table(
                "order_lines",
                {
                    "order_id": order_ids,
                    "line_no": np.ones(owner.size, dtype=np.int32),
                    "quantity": np.ones(owner.size),
                    "unit_price": price,
                    "discount": np.zeros(owner.size),
                    "unit_cost": np.round(price * 0.6, 2),
                },
            ),
        )
        labels = ibis.memtable(pa.table({"customer_id": ids, "segment": segment}))
        store.save(mart, "value", "rules", {"bench": True}, AS_OF, labels)
        return {"customers": n, "orders": int(owner.size)}


def run_once(template: Path, folder: Path, resamples: int) -> dict[str, float | int]:
    """Create and measure the campaign on a fresh copy of ``template``; seconds per step."""
    target = folder / "run.duckdb"
    shutil.copyfile(template, target)
    with connect(target) as mart:
        began, began_cpu = time.perf_counter(), time.process_time()
        created = create_campaign(mart, DESIGN, now=dt.datetime(2025, 7, 1, 8))
        created_at, created_cpu = time.perf_counter(), time.process_time()
        results = campaign_results(mart, DESIGN.name, n_resamples=resamples)
        finished, finished_cpu = time.perf_counter(), time.process_time()
    target.unlink()
    assert results.srm is not None and not results.srm.mismatch
    return {
        "members": created.n_target + created.n_control,
        "create_s": created_at - began,
        "results_s": finished - created_at,
        "total_s": finished - began,
        "cpu_s": finished_cpu - began_cpu,  # all threads of the process (DuckDB uses both cores)
        "create_cpu_s": created_cpu - began_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=2_000)
    args = parser.parse_args()
    info = machine()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "template.duckdb"
        began = time.perf_counter()
        rows = build(template, args.customers)
        console.print(
            f"built {rows['customers']:,} customers and {rows['orders']:,} orders "
            f"in {time.perf_counter() - began:.0f} s (untimed)"
        )
        runs = [run_once(template, folder, args.resamples) for _ in range(args.repeat)]
    info["load_average_after"] = os.getloadavg()
    median = {key: statistics.median(float(r[key]) for r in runs) for key in runs[0]}
    console.print(
        f"{int(median['members']):,} members: create {median['create_s']:.1f} s + results "
        f"{median['results_s']:.1f} s = {median['total_s']:.1f} s, CPU {median['cpu_s']:.1f} s "
        f"(median of {args.repeat}; "
        f"{args.resamples:,} bootstrap resamples); {info['cpus']} cores, {load_note(info)}"
    )
    path = save("campaign", {"machine": info, "rows": rows, "runs": runs, "median": median})
    console.print(f"written to {path}")


if __name__ == "__main__":
    main()
