"""Benchmark: create and measure a campaign over a 1M-customer audience.

A mart is made (untimed, in a child process so this one stays small) with ``--customers``
customers in four stored value segments, an e-mail consent for most of them, and about two
purchases per customer over the year before the segments' date and the two weeks after it
(one line each, with product costs, so margins are known). Then, on a fresh copy of that
mart each run, the goal is timed the way the issue states it, as a user runs it:

* **the commands**: ``segmint campaign create bench-summer --segmentation value --segment
  gold --segment silver --segment bronze --channel email --holdout-share 0.1 …`` and then
  ``segmint campaign results bench-summer --format json``, each a fresh process (start-up
  included), with each child's peak resident memory (``ru_maxrss`` from ``os.wait4``);
  the **start-up** of each command is the wall time of a process that imports what the
  command imports before its work (:data:`STARTUP`: the CLI, the command's modules, the
  mart and the use cases; no mart opened), so the time a command spends on its own work is
  its wall time minus that (the command's ``--help`` imports none of it);
* **the steps** (beside them, in this process):
  :func:`segmint.scoring.campaigns.create_campaign` (the eligible audience, the sha256
  split in the engine, the campaigns row and every member written in one transaction,
  group sizes per stratum, the audience's baseline and power) and
  :func:`segmint.scoring.campaigns.campaign_results` (the 14 days after the start with a
  14-day pre-period: member outcomes, Welch, bootstrap (``--resamples``, vectorised) and
  CUPED intervals for four metrics, the sample-ratio check, ROI).

Target: create + results under 10 s for 1M members on 2 cores, the two commands' wall
times summed. The machine, its load average and every time are printed and written to
``bench/results/campaign.json``.

Usage: ``python bench/campaign.py`` (1,150,000 customers: 1,004,464 eligible members).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
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
    holdout_share=0.1,
    cost_per_contact=0.02,
    random_state=1,
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


CREATE_ARGS = (
    "campaign",
    "create",
    DESIGN.name,
    "--segmentation",
    DESIGN.segmentation,
    *(arg for segment in TARGETED for arg in ("--segment", segment)),
    "--channel",
    DESIGN.channel,
    "--holdout-share",
    str(DESIGN.holdout_share),
    "--cost-per-contact",
    str(DESIGN.cost_per_contact),
    "--seed",
    str(DESIGN.random_state),
    "--format",
    "json",
)
RESULTS_ARGS = ("campaign", "results", DESIGN.name, "--format", "json")
STARTUP = {
    "create": "segmint.cli._campaign_output segmint.cli._campaign_options segmint.features.asof "
    "segmint.scoring.campaigns",
    "results": "segmint.cli._campaign_results_output",
}
"""The modules each command imports when it runs besides the CLI, the command modules, the
mart's connection and the campaign use cases, which both import."""


def segmint_command() -> str:
    """The ``segmint`` console script of this Python's environment."""
    script = Path(sys.executable).with_name("segmint")
    if not script.exists():
        sys.exit(f"no segmint command beside {sys.executable}; install the project first")
    return str(script)


def startup_args(command: str) -> list[str]:
    """A process that imports what ``segmint campaign COMMAND`` imports before its work."""
    shared = "segmint.cli.main segmint.cli.campaign_commands segmint.mart.connection"
    modules = f"{shared} segmint.workflows.campaigns {STARTUP[command]}".split()
    return [sys.executable, "-c", "import " + ", ".join(modules)]


def run_process(args: list[str]) -> tuple[float, float, str]:
    """Run one command as a user does: its wall seconds, peak resident MB and stdout.

    ``os.wait4`` reaps the child itself, so the resource usage is that command's alone
    (this process builds the mart in a child and stays small, so the child's high-water
    mark is its own).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as errors:
        began = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=errors, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        errors.seek(0)
        stdout, stderr = out.read(), errors.read()
    if process.returncode != 0:
        sys.exit(f"{' '.join(args[1:4])} failed:\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout  # Linux reports kilobytes


def run_commands(template: Path, folder: Path) -> dict[str, float | int]:
    """``segmint campaign create`` then ``segmint campaign results`` on a fresh copy, each
    a new process; then each command's start-up (:func:`startup_args`)."""
    target = folder / "cli.duckdb"
    shutil.copyfile(template, target)
    segmint, mart = segmint_command(), ["--mart", str(target)]
    create_s, create_mb, created = run_process([segmint, *CREATE_ARGS, *mart])
    results_s, results_mb, measured = run_process([segmint, *RESULTS_ARGS, *mart])
    target.unlink()
    startup_create_s, startup_create_mb, _ = run_process(startup_args("create"))
    startup_results_s, _, _ = run_process(startup_args("results"))
    groups = json.loads(measured)["groups"]
    assert json.loads(created)["campaign_id"] == DESIGN.name
    return {
        "members": int(groups["target"]) + int(groups["control"]),
        "create_s": create_s,
        "results_s": results_s,
        "total_s": create_s + results_s,
        "create_peak_mb": create_mb,
        "results_peak_mb": results_mb,
        "startup_create_s": startup_create_s,
        "startup_results_s": startup_results_s,
        "startup_peak_mb": startup_create_mb,
    }


def run_steps(template: Path, folder: Path, resamples: int) -> dict[str, float | int]:
    """Create and measure the campaign in this process on a fresh copy; seconds per step."""
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


def _median(runs: list[dict[str, float | int]]) -> dict[str, float]:
    return {key: statistics.median(float(r[key]) for r in runs) for key in runs[0]}


def _print(commands: dict[str, float], steps: dict[str, float], repeat: int) -> None:
    c, s = commands, steps
    console.print(
        f"commands, {int(c['members']):,} members: `segmint campaign create` {c['create_s']:.1f} s "
        f"(peak {c['create_peak_mb']:,.0f} MB) + `segmint campaign results` "
        f"{c['results_s']:.1f} s (peak {c['results_peak_mb']:,.0f} MB) = "
        f"[bold]{c['total_s']:.1f} s[/] (median of {repeat})"
    )
    console.print(
        f"  of which start-up (the command's imports): create {c['startup_create_s']:.1f} s, "
        f"results {c['startup_results_s']:.1f} s (peak {c['startup_peak_mb']:,.0f} MB)"
    )
    console.print(
        f"steps in one process: create {s['create_s']:.1f} s + results {s['results_s']:.1f} s "
        f"= {s['total_s']:.1f} s, CPU {s['cpu_s']:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=2_000)
    parser.add_argument("--build", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build is not None:  # the child that makes the mart
        print(json.dumps(build(args.build, args.customers)))
        return
    info = machine()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "template.duckdb"
        began = time.perf_counter()
        script = [sys.executable, __file__, "--customers", str(args.customers)]
        rows = json.loads(run_process([*script, "--build", str(template)])[2])
        console.print(
            f"built {rows['customers']:,} customers and {rows['orders']:,} orders "
            f"in {time.perf_counter() - began:.0f} s (untimed)"
        )
        commands = [run_commands(template, folder) for _ in range(args.repeat)]
        steps = [run_steps(template, folder, args.resamples) for _ in range(args.repeat)]
    info["load_average_after"] = os.getloadavg()
    median = {"commands": _median(commands), "steps": _median(steps)}
    _print(median["commands"], median["steps"], args.repeat)
    console.print(
        f"{args.resamples:,} bootstrap resamples in the steps (the command's default is 2,000); "
        f"{info['cpus']} cores, {load_note(info)}"
    )
    payload = {"machine": info, "rows": rows, "commands": commands, "steps": steps}
    path = save("campaign", {**payload, "median": median})
    console.print(f"written to {path}")


if __name__ == "__main__":
    main()
