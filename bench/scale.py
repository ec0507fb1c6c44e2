"""The scale run of issue 19: the daily steps as whole commands, on DuckDB and on Spark.

On one synthetic retailer (``_common.retailer``), each engine gets a fresh mart and runs,
each step a fresh ``segmint`` process timed from start to exit with its peak memory:

1. ``segmint load FOLDER`` (a DuckDB file, or ``--engine pyspark`` into a warehouse folder);
2. ``segment rfm``, ``clv fit --model bgnbd``, ``clv score`` and ``score`` (which trains
   the churn and intent models) at the last day of orders;
3. one more day of orders loaded with ``segmint load``, then ``segmint refresh`` to it: the
   daily refresh, which applies the stored models.

The issue's sizes: DuckDB at 200M order lines (12M customers) on one machine, Spark
``local[2]`` at 1M, each with the per-step times side by side. On Spark the peak memory is
the Python driver's alone: the JVM that does the work is another process, not counted.
Spark's local session gets ``--driver-memory`` (default 8g, as docs/scale-out.md advises
for more than toy data) through ``PYSPARK_SUBMIT_ARGS``; with ``--event-log`` each Spark
step also writes Spark's event log into ``events/STEP`` beside the warehouse, which
``bench/spark_stages.py`` sums into bytes read, bytes shuffled and executor time per step.
Run from the repository root (PySpark and Java installed, as ``make test`` does)::

    .venv/bin/python bench/scale.py --customers 12000000 --spark-customers 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, console, load_note, machine, retailer, save, table
from commands import SEGMINT, Timed, last_day, one_more_day, timed

STEPS: list[tuple[str, list[str]]] = [
    ("segment rfm", ["segment", "rfm", "--as-of", "{as_of}"]),
    ("clv fit", ["clv", "fit", "--model", "bgnbd", "--as-of", "{as_of}", "--no-png", "--plots", "{scratch}/clv"]),
    ("clv score", ["clv", "score", "--as-of", "{as_of}"]),
    ("score (trains churn, intent)", ["score", "--as-of", "{as_of}"]),
]  # fmt: skip
"""Label and arguments of each timed step after the load, in order."""
EVENT_LOG = (
    "spark.eventLog.enabled=true",
    "spark.eventLog.compress=false",
    "spark.eventLog.rolling.enabled=false",
)
"""Spark settings of ``--event-log``: one plain JSON-lines file per command."""
LOADS: list[float] = []
"""The highest load average read as each step ended (the run's conditions, not its start's)."""


def run_engine(
    engine: str, customers: int, data: Path | None, submit: str = "", skip: tuple[str, ...] = ()
) -> dict[str, Timed]:
    """Every step on a fresh mart of ``engine`` (``duckdb`` or ``pyspark``) over the
    retailer of ``customers``; each step's time and peak memory. ``submit``: the Spark
    options (``PYSPARK_SUBMIT_ARGS`` without the trailing ``pyspark-shell``); ``skip``:
    labels of :data:`STEPS` not to run."""
    folder = retailer(customers, data)
    scratch = DATA / f"scale-{engine}-{customers}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    mart = scratch / ("mart.duckdb" if engine == "duckdb" else "warehouse")
    if engine == "pyspark":
        mart.mkdir()
    as_of = last_day(folder)
    values = {"as_of": as_of.isoformat(), "scratch": str(scratch)}
    base = [str(SEGMINT), "--engine", engine]
    where = ["--mart", str(mart)]
    console.rule(f"{engine}: {customers:,} customers")
    day = one_more_day(folder, as_of, scratch / "next-day")
    next_day = (as_of + dt.timedelta(days=1)).isoformat()
    steps = [("load", ["load", str(folder)])]
    steps += [
        (label, [a.format(**values) for a in args]) for label, args in STEPS if label not in skip
    ]
    steps += [("load one more day", ["load", str(day)])]
    steps += [("refresh", ["refresh", "--as-of", next_day])]
    runs = {}
    for label, argv in steps:
        if engine == "pyspark":
            os.environ["PYSPARK_SUBMIT_ARGS"] = spark_options(submit, scratch, label)
        runs[label] = timed([*base, *argv, *where], f"{engine} {label}")
        LOADS.append(max(os.getloadavg()))
    return runs


def spark_options(submit: str, scratch: Path, label: str) -> str:
    """``PYSPARK_SUBMIT_ARGS`` for the step ``label``: ``submit``, and where an event log is
    asked for, Spark's event log (uncompressed, one file) in ``events/<label>``."""
    if "spark.eventLog.enabled=true" in submit:
        events = scratch / "events" / label.replace(" ", "-")
        events.mkdir(parents=True, exist_ok=True)
        submit += f" --conf spark.eventLog.dir={events.resolve().as_uri()}"
    return f"{submit} pyspark-shell"


def report(runs: dict[str, dict[str, Timed]], sizes: dict[str, int], info: dict[str, Any]) -> None:
    """Print the steps side by side (with Spark's time over DuckDB's) and write the JSON."""
    duck, spark = runs.get("duckdb", {}), runs.get("pyspark", {})
    rows = []
    for step in dict.fromkeys([*duck, *spark]):
        cells = []
        for engine in (duck, spark):
            t = engine.get(step)
            cells += [f"{t.seconds:.1f}", f"{t.peak_mb:,.0f}"] if t else ["—", "—"]
        both = step in duck and step in spark and sizes["duckdb"] == sizes["pyspark"]
        ratio = f"{spark[step].seconds / duck[step].seconds:.1f}×" if both else "—"
        rows.append([step, "", *cells, ratio])
    columns = ["step", "", "duckdb s", "duckdb MB", "spark s", "spark driver MB", "spark ÷ duckdb"]
    title = ", ".join(f"{e} at {n:,} customers" for e, n in sizes.items())
    console.print(table(f"Scale run: {title} (one run each, fresh processes)", columns, rows))
    info["load_average"] = [max([*LOADS, *info["load_average"]])]
    console.print(load_note(info))
    payload = {"machine": info, "customers": sizes}
    payload |= {e: {k: vars(v) for k, v in r.items()} for e, r in runs.items()}
    path = save("scale-" + "-".join(f"{e}-{n}" for e, n in sizes.items()), payload)
    console.print(f"results: {path}")


def options() -> argparse.Namespace:
    """The command line: the two sizes, the engines, a data folder."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--customers",
        type=int,
        default=12_000_000,
        help="DuckDB run (default 12M: 200M order lines)",
    )
    p.add_argument("--spark-customers", type=int, default=1_000_000, help="Spark run (default 1M)")
    p.add_argument("--engine", choices=["duckdb", "pyspark", "both"], default="both")
    p.add_argument("--data", type=Path, default=None, help="retailer Parquet folder (both runs)")
    p.add_argument("--driver-memory", default="8g", help="Spark driver heap (local mode)")
    p.add_argument("--event-log", action="store_true", help="keep Spark's event log per step")
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=[label for label, _ in STEPS],
        help="a step not to run (repeatable); without clv fit, clv score fits and stores the BG/NBD",
    )
    return p.parse_args()  # fmt: skip


def main() -> None:
    args = options()
    info = machine()
    submit = f"--driver-memory {args.driver_memory}"
    if args.event_log:
        submit += " " + " ".join(f"--conf {c}" for c in EVENT_LOG)
    sizes = {"duckdb": args.customers, "pyspark": args.spark_customers}
    engines = ["duckdb", "pyspark"] if args.engine == "both" else [args.engine]
    sizes = {e: sizes[e] for e in engines}
    skip = tuple(args.skip)
    runs = {e: run_engine(e, sizes[e], args.data, submit, skip) for e in engines}
    report(runs, sizes, info)


if __name__ == "__main__":
    main()
