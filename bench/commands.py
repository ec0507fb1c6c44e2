"""Whole commands as a user runs them, next to the peers, on a freshly loaded mart.

Issue 13 measures speed the way a user lives it: each command is a fresh ``segmint``
process, from start to exit, imports included. This benchmark

1. loads the synthetic retailer (``_common.retailer``) into a new mart with
   ``segmint load FOLDER`` (timed, as a user would load it);
2. times each command of :data:`COMMANDS` once, in order, on that mart (the second
   ``segment rfm`` is the same command again with nothing changed);
3. appends one more day of orders (the last day's orders moved a day on, new ids), loads
   it with ``segmint load`` and times ``segmint refresh`` (skipped with a note while the
   command does not exist), then ``segmint warm`` (the dashboard's warm state kept for the
   next server start, as a nightly job would end);
4. times the peers in the same run, each a whole process too: one plain DuckDB GROUP BY
   for frequency, recency, T and monetary value over the same mart file (a ``python -c``
   process, the query of ``bench/segment.py``), and lifetimes'
   ``summary_data_from_transaction_data`` in ``bench/.venv-peers``, from the purchases
   Parquet (one row per purchase, exported once from the mart) and from the retailer's own
   ``orders.parquet`` + ``order_lines.parquet``.

Each process is started by a small launcher (``python -S``, stdlib only) that forks it and
reads its ``ru_maxrss`` with ``wait4``: the peak resident memory of that process alone
(plus the launcher's few MB, which a forked child starts from). Seconds are wall-clock,
fork to exit. One run each, as the issue measures (a repeat of a command is a different
measurement: the second ``segment rfm`` shows it).

The issue's targets are set at 1M customers on a quiet 2-core machine; at other sizes the
verdicts are printed for orientation only. Run from the repository root::

    .venv/bin/python bench/commands.py --customers 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    BENCH,
    DATA,
    PEERS_PYTHON,
    console,
    duckdb_connect,
    load_note,
    machine,
    require_peers,
    retailer,
    run_child,
    save,
    table,
)
from segment import MART_PURCHASES, SUMMARY_SQL, export_purchases, purchase_params

SEGMINT = Path(sys.executable).with_name("segmint")
PEER_SCRIPT = BENCH / "_peer_summary.py"
FULL_SIZE = 1_000_000

COMMANDS: list[tuple[str, list[str]]] = [
    ("--version", ["--version"]),
    ("--help", ["--help"]),
    ("segment rfm", ["segment", "rfm", "--as-of", "{as_of}"]),
    ("segment rfm (again)", ["segment", "rfm", "--as-of", "{as_of}"]),
    ("segment lifecycle", ["segment", "lifecycle", "--as-of", "{as_of}"]),
    ("features", ["features", "--as-of", "{as_of}"]),
    ("clv fit", ["clv", "fit", "--as-of", "{as_of}", "--no-png", "--plots", "{scratch}/clv"]),
    ("score", ["score", "--as-of", "{as_of}"]),
    ("segment value", ["segment", "value", "--as-of", "{as_of}"]),
    ("segment cluster", ["segment", "cluster", "behaviour", "--as-of", "{as_of}"]),
    ("profile", ["profile", "rfm", "--as-of", "{as_of}"]),
]  # fmt: skip
"""Label and arguments of each timed command, in the order they run (one line each)."""

DAILY = ("features", "segment rfm", "segment lifecycle", "clv fit", "score", "segment value",
         "segment cluster")  # fmt: skip
"""The commands a full daily rebuild runs (the issue's list), summed as the reference."""

LAUNCH = """
import json, os, sys, time
began = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - began
code = os.waitstatus_to_exitcode(status)
if code:
    sys.exit(code)
print(json.dumps({"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024}))
"""
"""Fork, exec and wait for one process; print its wall seconds and its own peak memory."""

DUCKDB_PEER = """
import datetime, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
params = {"as_of": datetime.date.fromisoformat(sys.argv[3]), "statuses": sys.argv[4:]}
print(con.sql(sys.argv[2], params=params).arrow().read_all().num_rows, "customers")
"""
"""The plain DuckDB peer as a user's ``python -c`` script: one query over the mart file, its
arguments the mart, the query, the as-of day and the counted order statuses."""


@dataclass
class Timed:
    """One whole process: wall seconds and peak resident memory (MB)."""

    seconds: float
    peak_mb: float


def timed(argv: list[str], label: str) -> Timed:
    """Run ``argv`` once through the launcher; a failure is printed and timed as NaN."""
    try:
        with console.status(label):
            report, peak = run_child([sys.executable, "-S", "-c", LAUNCH, *argv])
    except SystemExit as failed:
        last = [line for line in str(failed).splitlines() if line.strip()][-1:]
        console.print(f"  [red]{label} failed:[/] {' '.join(last)}")
        return Timed(float("nan"), float("nan"))
    console.print(f"  {label}: {report['seconds']:.2f} s, {peak:,.0f} MB")
    return Timed(float(report["seconds"]), peak)


def last_day(folder: Path) -> dt.date:
    """The last day with orders in the retailer's files (the as-of date of every command)."""
    orders = str(folder / "orders.parquet")
    row = duckdb_connect().sql(
        "SELECT max(order_ts)::DATE FROM read_parquet($orders)", params={"orders": orders}
    )
    found = row.fetchone()
    assert found is not None
    return dt.date.fromisoformat(str(found[0]))


def one_more_day(folder: Path, day: dt.date, out: Path) -> Path:
    """The orders (and their lines) of ``day`` moved one day on under new ids, as a folder
    ``segmint load`` reads: the next day of a shop that looks like the last one."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb_connect()
    params = {
        "orders": str(folder / "orders.parquet"),
        "lines": str(folder / "order_lines.parquet"),
        "day": day,
    }
    picked = "SELECT * FROM read_parquet($orders) WHERE order_ts::DATE = $day"
    con.sql(
        "SELECT 'next-' || order_id AS order_id, customer_id, "
        f"order_ts + INTERVAL 1 DAY AS order_ts, channel, status FROM ({picked})",
        params={"orders": params["orders"], "day": day},
    ).write_parquet(str(out / "orders.parquet"))
    con.sql(
        "SELECT 'next-' || l.order_id AS order_id, l.* EXCLUDE (order_id) "
        f"FROM read_parquet($lines) l SEMI JOIN ({picked}) o USING (order_id)",
        params=params,
    ).write_parquet(str(out / "order_lines.parquet"))
    return out


def purchases_file(mart: Path, as_of: dt.date, out: Path) -> Path:
    """One row per purchase (customer_id, order_ts, amount) from the mart, for lifetimes."""
    con = duckdb_connect(str(mart), read_only=True)
    export_purchases(con, as_of.isoformat(), out)
    con.close()
    return out


def peers(mart: Path, folder: Path, as_of: dt.date, scratch: Path) -> dict[str, Timed]:
    """The peers, each a whole process: DuckDB over the mart, lifetimes from Parquet."""
    day = as_of.isoformat()
    query = SUMMARY_SQL.format(purchases=MART_PURCHASES)
    statuses = purchase_params(day)["statuses"]
    transactions = purchases_file(mart, as_of, scratch / "purchases.parquet")
    lifetimes = [str(PEERS_PYTHON), str(PEER_SCRIPT), "lifetimes"]
    return {
        "duckdb GROUP BY (mart)": timed(
            [sys.executable, "-c", DUCKDB_PEER, str(mart), query, day, *statuses],
            "duckdb",
        ),
        "lifetimes (purchases Parquet)": timed(
            [*lifetimes, str(transactions), day, str(scratch / "lt-purchases.parquet")],
            "lifetimes (purchases Parquet)",
        ),
        "lifetimes (retailer's files)": timed(
            [*lifetimes, str(folder.resolve()), day, str(scratch / "lt-files.parquet")],
            "lifetimes (retailer's files)",
        ),
    }


def run_commands(mart: Path, as_of: dt.date, scratch: Path, skip: list[str]) -> dict[str, Timed]:
    """Every command of :data:`COMMANDS` but those in ``skip``, in order, each once."""
    values = {"as_of": as_of.isoformat(), "scratch": str(scratch)}
    results = {}
    for label, args in COMMANDS:
        if label in skip:
            console.print(f"[yellow]note:[/] segmint {label} skipped (--skip)")
            continue
        argv = [a.format(**values) for a in args]
        mart_args = ["--mart", str(mart)] if not label.startswith("--") else []
        results[label] = timed([str(SEGMINT), *argv, *mart_args], f"segmint {label}")
    return results


def has_command(name: str) -> bool:
    """Whether this ``segmint`` has a top-level command ``name`` (read from its table)."""
    from segmint.cli.main import COMMANDS as TOP_LEVEL

    return name in TOP_LEVEL


def append_and_refresh(mart: Path, folder: Path, as_of: dt.date, scratch: Path) -> dict[str, Timed]:
    """Load one more day of orders, then ``segmint refresh`` to the new day and ``segmint
    warm`` (each if it exists)."""
    day = one_more_day(folder, as_of, scratch / "next-day")
    load = [str(SEGMINT), "load", str(day), "--mart", str(mart)]
    results = {"load one more day": timed(load, "segmint load (one more day)")}
    if not has_command("refresh"):
        console.print("[yellow]note:[/] `segmint refresh` does not exist yet; not timed")
        return results
    next_day = (as_of + dt.timedelta(days=1)).isoformat()
    refresh = [str(SEGMINT), "refresh", "--as-of", next_day, "--mart", str(mart)]
    results["refresh"] = timed(refresh, "segmint refresh")
    if has_command("warm"):  # the end of a nightly job: the next server start is ready at once
        warm = [str(SEGMINT), "warm", "--mart", str(mart)]
        results["warm (after the refresh)"] = timed(warm, "segmint warm")
    return results


def rebuild(runs: dict[str, Timed]) -> tuple[str, Timed]:
    """The daily commands run separately: a label (naming any left out) and their sum."""
    missing = [c for c in DAILY if c not in runs or math.isnan(runs[c].seconds)]
    done = [runs[c] for c in DAILY if c not in missing]
    label = "daily rebuild as separate commands"
    if missing:
        label += f" (without {', '.join(missing)})"
    return label, Timed(sum(t.seconds for t in done), max(t.peak_mb for t in done))


def verdicts(runs: dict[str, Timed], peer: dict[str, Timed]) -> dict[str, tuple[str, bool]]:
    """The issue's targets, each as (what was measured, met)."""
    duck = peer["duckdb GROUP BY (mart)"].seconds
    lifetimes = peer["lifetimes (purchases Parquet)"].seconds
    rfm, again = runs["segment rfm"].seconds, runs["segment rfm (again)"].seconds
    found = {
        f"{flag} < 0.3 s": (f"{runs[flag].seconds:.2f} s", runs[flag].seconds < 0.3)
        for flag in ("--version", "--help")
    }
    found["segment rfm ≤ 1.25× duckdb"] = (f"{rfm / duck:.2f}×", rfm <= 1.25 * duck)
    found["segment rfm ≥ 3× faster than lifetimes"] = (
        f"{lifetimes / rfm:.1f}×",
        lifetimes >= 3 * rfm,
    )
    found["same again < 3 s"] = (f"{again:.2f} s", again < 3)
    found["same again ≥ 10× faster than lifetimes"] = (
        f"{lifetimes / again:.1f}×",
        lifetimes >= 10 * again,
    )
    if "refresh" in runs:
        full, refresh = rebuild(runs)[1].seconds, runs["refresh"]
        found["refresh < 20% of a full rebuild"] = (
            f"{refresh.seconds / full:.0%}",
            refresh.seconds < 0.2 * full,
        )
        found["refresh < 60 s"] = (f"{refresh.seconds:.1f} s", refresh.seconds < 60)
        found["refresh < 4 GB"] = (f"{refresh.peak_mb:,.0f} MB", refresh.peak_mb < 4096)
    return found  # fmt: skip


def row(name: str, kind: str, t: Timed, duck: float, lifetimes: float) -> list[str]:
    """One line of the table: seconds, peak MB and the ratios to the two peers."""
    ratios = [f"{t.seconds / duck:.2f}×", f"{lifetimes / t.seconds:.1f}×"]
    return [name, kind, f"{t.seconds:.2f}", f"{t.peak_mb:,.0f}", *ratios]


def report(
    runs: dict[str, Timed], peer: dict[str, Timed], info: dict[str, Any], customers: int
) -> None:
    """Print the commands, the peers and the targets; write the JSON."""
    duck = peer["duckdb GROUP BY (mart)"].seconds
    lifetimes = peer["lifetimes (purchases Parquet)"].seconds
    rows = [row(name, "segmint", t, duck, lifetimes) for name, t in runs.items()]
    rows += [row(name, "peer", t, duck, lifetimes) for name, t in peer.items()]
    label, total = rebuild(runs)
    rows.append(row(label, "sum", total, duck, lifetimes))
    columns = ["what the user runs", "", "seconds", "peak MB", "÷ duckdb", "lifetimes ÷"]
    title = f"Whole commands at {customers:,} customers (one run each, fresh processes)"
    console.print(table(title, columns, rows))
    found = verdicts(runs, peer)
    scale = "" if customers == FULL_SIZE else f" (set at 1M; this run has {customers:,})"
    lines = [[goal, "", value, "met" if met else "not met"] for goal, (value, met) in found.items()]
    console.print(
        table(f"Targets of issue 13{scale}", ["target", "", "measured", "verdict"], lines)
    )
    console.print(load_note(info))
    path = save(f"commands-synth-{customers}", {
        "machine": info, "customers": customers,
        "commands": {k: vars(v) for k, v in runs.items()},
        "peers": {k: vars(v) for k, v in peer.items()},
        "targets": {k: {"measured": v, "met": m} for k, (v, m) in found.items()},
    })  # fmt: skip
    console.print(f"results: {path}")


def options() -> argparse.Namespace:
    """The command line: size, data folder, commands to leave out."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--customers", type=int, default=FULL_SIZE, help="synthetic customers (default 1M)"
    )
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder of the retailer's Parquet files (default: generated once)",
    )
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="LABEL",
        help="leave out a command of COMMANDS by its label, e.g. --skip score (repeatable)",
    )
    return p.parse_args()  # fmt: skip


def main() -> None:
    args = options()
    require_peers()
    info = machine()
    folder = retailer(args.customers, args.data)
    scratch = DATA / f"commands-{args.customers}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    mart = scratch / "mart.duckdb"
    as_of = last_day(folder)
    runs = {"load": timed([str(SEGMINT), "load", str(folder), "--mart", str(mart)], "segmint load")}
    os.sync()
    peer = peers(mart, folder, as_of, scratch)
    runs |= run_commands(mart, as_of, scratch, args.skip)
    runs |= append_and_refresh(mart, folder, as_of, scratch)
    info["load_average_after"] = os.getloadavg()
    report(runs, peer, info, args.customers)


if __name__ == "__main__":
    main()
