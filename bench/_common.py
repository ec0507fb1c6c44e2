"""Shared machinery of the benchmarks: data, measured subprocesses, the machine, output.

Every measured run is a child process, so its peak memory belongs to that run alone and
one run cannot warm another's caches in Python. The child reports its own high-water mark
(``VmHWM``); ``ru_maxrss`` from ``os.wait4`` is kept in the JSON too, but it cannot go
below the parent's size at the fork. A child prints one JSON object as its last line of standard output: at least
``seconds`` (the work itself, timed inside the child after imports) and whatever else
the benchmark reports (rows, per-step times). The parent repeats each run and keeps the
median time and the largest peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
DATA = RESULTS / "data"
PEERS_PYTHON = BENCH / ".venv-peers" / "bin" / "python"
PEERS_SETUP = (
    "python3 -m venv bench/.venv-peers && "
    "bench/.venv-peers/bin/pip install -r ../shared/peers/requirements.txt"
)
RETAILER_TABLES = ("customers", "products", "orders", "order_lines")
"""The tables both benchmarks need, in load order (parents before children)."""

console = Console(width=None if sys.stdout.isatty() else 140)


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark accepts: size, data folder and repeats."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--customers", type=int, default=1_000_000, help="synthetic customers (default 1M)"
    )
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder of Parquet files named after mart tables (default: generated under "
        "bench/results/data/synth-N)",
    )
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement; median kept")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--args", default="{}", help=argparse.SUPPRESS)
    return p


def retailer(customers: int, data: Path | None) -> Path:
    """The folder of retailer Parquet files: ``data`` if given, else generated once.

    Generation goes to a ``.partial`` folder renamed when complete, so an interrupted
    run never leaves a folder that looks finished.
    """
    if data is not None:
        missing = [t for t in RETAILER_TABLES if not (data / f"{t}.parquet").exists()]
        if missing:
            sys.exit(f"{data} lacks {', '.join(f'{t}.parquet' for t in missing)}")
        return data
    folder = DATA / f"synth-{customers}"
    if folder.exists():
        return folder
    from segmint.synth import synthesize

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    console.print(f"generating {customers:,} customers into {folder} (once)…")
    began = time.perf_counter()
    synthesize(partial, customers, seed=1)
    partial.rename(folder)
    console.print(f"generated in {time.perf_counter() - began:.0f} s")
    return folder


@dataclass
class Measured:
    """The runs of one measurement: median seconds, peak memory and the last child's report."""

    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)

    @property
    def report(self) -> dict[str, Any]:
        """The last run's report."""
        return self.reports[-1]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.peak_mb)

    def median_of(self, *keys: str) -> float:
        """The median over runs of a number nested in each report under ``keys``."""
        values = []
        for report in self.reports:
            value: Any = report
            for key in keys:
                value = value[key]
            values.append(float(value))
        return statistics.median(values)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds_median": self.median,
            "seconds_runs": self.seconds,
            "peak_rss_mb": self.peak,
            "reports": self.reports,
        }


def run_child(command: Sequence[str], *, cwd: Path | None = None) -> tuple[dict[str, Any], float]:
    """Run ``command``; return its JSON report and its peak resident memory in MB.

    Raises SystemExit with the child's error output when it fails, so a broken peer
    installation is reported rather than measured.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as errors:
        # os.wait4 reaps the child itself, so its resource usage is this run's alone.
        process = subprocess.Popen(list(command), stdout=out, stderr=errors, text=True, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        errors.seek(0)
        stdout, stderr = out.read(), errors.read()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command[:4])}… failed:\n{stderr[-3000:]}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    report: dict[str, Any] = json.loads(lines[-1])
    report["ru_maxrss_mb"] = usage.ru_maxrss / 1024  # Linux reports kilobytes
    return report, float(report.get("peak_rss_mb", report["ru_maxrss_mb"]))


def measure(
    command: Sequence[str],
    repeat: int,
    *,
    before: Callable[[], None] | None = None,
    label: str = "",
) -> Measured:
    """Run ``command`` ``repeat`` times (calling ``before()`` first each time, untimed)."""
    measured = Measured()
    for i in range(repeat):
        if before is not None:
            before()
        with console.status(f"{label} run {i + 1}/{repeat}"):
            report, peak = run_child(command)
        measured.seconds.append(float(report["seconds"]))
        measured.peak_mb.append(peak)
        measured.reports.append(report)
    return measured


def duckdb_connect(path: str = ":memory:", *, read_only: bool = False) -> Any:
    """A plain DuckDB connection without the progress bar (it would write to stdout)."""
    import duckdb

    con = duckdb.connect(path, read_only=read_only)
    con.execute("SET enable_progress_bar = false")
    return con


def worker_command(script: Path, worker: str, **args: Any) -> list[str]:
    """The command line that runs ``worker`` of ``script`` in this interpreter."""
    return [sys.executable, str(script), "--worker", worker, "--args", json.dumps(args)]


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program (``VmHWM``), in MB.

    ``ru_maxrss`` of a child also counts the memory of the parent it was forked from (Linux
    keeps the high-water mark across ``exec``), so a child's own peak is read here instead.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def emit(report: dict[str, Any]) -> None:
    """A worker's last line: its JSON report, with its peak memory."""
    print(json.dumps({**report, "peak_rss_mb": peak_rss_mb()}, default=str), flush=True)


def require_peers() -> None:
    """Exit with the set-up command when the peers' environment is missing."""
    if not PEERS_PYTHON.exists():
        sys.exit(
            f"the peer tools' environment is missing; from the repo root run:\n  {PEERS_SETUP}"
        )


def machine() -> dict[str, Any]:
    """The machine and the conditions of this run, for the results and the docs."""
    import duckdb
    import ibis

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem_kb = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(mem_kb / 1024**2, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "load_average": os.getloadavg(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def load_note(info: dict[str, Any]) -> str:
    """A warning when other processes were busy during the run (load average above 2)."""
    load = max(info["load_average"])
    if load > 2:
        return f"machine busy: load average up to {load:.1f} on {info['cpus']} cores"
    return f"machine quiet: load average {load:.1f}"


def save(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``bench/results/<name>.json`` and return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A Rich table with right-aligned numbers (every column but the first two)."""
    t = Table(title=title)
    for i, column in enumerate(columns):
        t.add_column(column, justify="left" if i < 2 else "right")
    for row in rows:
        t.add_row(*row)
    return t


def rate(value: float) -> str:
    """Rows per second, readable."""
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.0f} k"
