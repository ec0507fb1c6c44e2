"""Dashboard latency under load: p50/p95 of overview, segment explorer and customer-360 calls.

Builds (or reuses, or segments a copy of) a mart from the synthetic retailer, starts
``segmint serve`` on 127.0.0.1 in a child process, waits until the server says its caches
are warm (first profiles take seconds), then runs ``--concurrency`` clients (one or more
levels, e.g. ``20,4``) in a closed loop for ``--seconds`` over the API calls and pages,
loopback only, with a light ``http.client`` load generator. Prints a Markdown table per
level with the server's and client's CPU seconds and the load average; any error makes the
exit code 1.

    .venv/bin/python bench/serve.py --customers 100000 --seconds 30 --concurrency 20,4
    .venv/bin/python bench/serve.py --loaded bench/results/data/mart-synth1m.duckdb
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import httpx

from segmint import workflows
from segmint.mart import connect
from segmint.mart.folder import files_to_load
from segmint.mart.ingest import IngestOptions, ingest
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token
from segmint.synth import synthesize


def build(path: Path, customers: int) -> None:
    """Synthetic retailer → mart, then :func:`segment` it."""
    data = path.parent / "data"
    synthesize(data, customers, seed=11)
    with connect(path) as mart:
        plan, _ = files_to_load(data)
        for table, file in plan:
            ingest(mart, table, file, IngestOptions())
    segment_mart(path)


def segment_mart(path: Path) -> None:
    """Features, RFM and lifecycle at the last order day (RFM also 91 days before), CLV scores."""
    with connect(path) as mart:
        latest, features = workflows.refresh_features(mart)
        workflows.run_rfm(mart, latest, features=features)
        workflows.run_lifecycle(mart, latest, features=features)
        workflows.run_rfm(mart, latest - dt.timedelta(days=91))
        workflows.run_clv(mart, latest)


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float:
    """The peak resident memory of process ``pid`` so far, in MiB (2**20 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--mart", type=Path, help="Reuse this mart instead of building one.")
    parser.add_argument(
        "--loaded",
        type=Path,
        help="Copy this mart (orders already loaded, nothing segmented) and segment the copy.",
    )
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--concurrency",
        default="20",
        help="Clients at once; several levels run one after the other on one server: 20,4.",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="Run `segmint warm` on the mart before the first start (as a nightly job would).",
    )
    parser.add_argument(
        "--restarts",
        type=int,
        default=0,
        help="Start the server this many more times on the same mart, nothing changed.",
    )
    parser.add_argument(
        "--only", default="", help="Run only the calls whose name contains this (e.g. 'API')."
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="segmint-bench-serve-"))
    mart_path = args.mart or workdir / "bench.duckdb"
    if args.mart is None and args.loaded is not None:
        began = time.perf_counter()
        shutil.copyfile(args.loaded, mart_path)
        segment_mart(mart_path)
        print(f"segmented a copy of {args.loaded} in {time.perf_counter() - began:.0f} s")
    elif args.mart is None:
        began = time.perf_counter()
        build(mart_path, args.customers)
        print(f"built mart of {args.customers:,} customers in {time.perf_counter() - began:.0f} s")
    with connect(mart_path, create=False) as mart:
        token = create_token(mart, Role.admin, "bench")
        ids = list(mart.table("customers").customer_id.execute())
        rfm = mart.table("assignments").filter(lambda a: a.segmentation == "rfm")
        segment = str(rfm.segment.execute().mode().iloc[0])
    if args.warm:
        began = time.perf_counter()
        warm = [str(Path(sys.executable).parent / "segmint"), "warm", "--mart", str(mart_path)]
        subprocess.run(warm, check=True)
        print(f"segmint warm (before the first start) in {time.perf_counter() - began:.1f} s")
    code = 0
    for start in range(1 + args.restarts):
        if start:
            print(f"\nrestart {start} on the same data (its warm state kept beside the mart)")
        code = max(code, serve_and_run(mart_path, token, ids, segment, args))
    return code


def serve_and_run(
    mart_path: Path, token: str, ids: list[str], segment: str, args: argparse.Namespace
) -> int:
    """Start ``segmint serve`` on the mart, wait until it is warm, run the client levels,
    stop it; the worst exit code of the levels."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "segmint"), "serve"),
            *("--port", str(port), "--mart", str(mart_path)),
        ],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        levels = [int(level) for level in args.concurrency.split(",")]
        code = max(
            run(base, server.pid, token, ids, segment, args.seconds, level, args.only)
            for level in levels
        )
        print(f"server peak memory (VmHWM): {peak_memory_mb(server.pid):,.0f} MiB")
        return code
    finally:
        server.terminate()
        server.wait(timeout=30)


def log_in(client: httpx.Client, token: str) -> str:
    """Log in through the pages' form (its CSRF value included); the session id, which the
    client also keeps as a cookie for the page calls."""
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    if csrf is None:
        raise RuntimeError("the login form has no CSRF value")
    response = client.post("/login", data={"token": token, "csrf": csrf.group(1)})
    if response.status_code != 303:
        raise RuntimeError(f"logging in failed: {response.status_code} {response.text[:200]}")
    return str(response.cookies["segmint_session"])


POLL = 0.1
"""Seconds between two looks at whether the server is warm: the time to ready is known to
within this (it was 0.5 s until 2026-12-07, which added 0.25 s on average)."""


def run(
    base: str,
    server_pid: int,
    token: str,
    ids: list[str],
    segment: str,
    seconds: float,
    workers: int,
    only: str,
) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    calls: dict[str, Callable[[], str]] = {
        "API overview (segmentations/rfm)": lambda: "/api/v1/segmentations/rfm",
        "API segment members (customers?segment)": lambda: (
            f"/api/v1/customers?segmentation=rfm&segment={segment}&limit=50"
        ),
        "API customer 360": lambda: f"/api/v1/customers/{random.choice(ids)}",
        "page overview": lambda: "/",
        "page segment explorer": lambda: f"/segments/rfm?segment={segment}",
        "page customer 360": lambda: f"/customers/{random.choice(ids)}",
    }
    if only:  # the health call, which reads nothing, is the floor of the server and client
        calls["API health"] = lambda: "/api/v1/health"
        calls = {name: make for name, make in calls.items() if only.lower() in name.lower()}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        began = time.perf_counter()
        deadline = time.monotonic() + 600
        while True:  # the server warms its caches (first profiles take seconds) in the background
            try:
                if not client.get("/api/v1/health").json().get("warming", False):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not finish warming up in 600 s")
            time.sleep(POLL)
        print(f"server up and warm in {time.perf_counter() - began:.1f} s")
        print(f"server peak memory so far (VmHWM): {peak_memory_mb(server_pid):,.0f} MiB")
        session = log_in(client, token)
        began = time.perf_counter()
        for make in calls.values():  # one call each: what the server does not warm itself
            client.get(make()).raise_for_status()
        print(f"first call of each {time.perf_counter() - began:.1f} s")

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        # http.client keeps the load generator light (a fraction of httpx's CPU per request),
        # so the two cores go to the server rather than to the client measuring it.
        names = list(calls)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        sent = {"Authorization": f"Bearer {token}", "Cookie": f"segmint_session={session}"}
        while time.monotonic() < stop:
            name = random.choice(names)
            started = time.perf_counter()
            try:
                conn.request("GET", calls[name](), headers=sent)
                response = conn.getresponse()
                response.read()
                status: int | str = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = repr(exc)
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies[name].append(elapsed)
                if status != 200:
                    errors.append(f"{name}: {status}")
        conn.close()

    host, port_text = base.removeprefix("http://").split(":")
    port = int(port_text)
    load_before = os.getloadavg()[0]
    cpu_before = server_cpu(server_pid), time.process_time()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server_s = server_cpu(server_pid) - cpu_before[0]
    client_s = time.process_time() - cpu_before[1]
    total = sum(len(v) for v in latencies.values())
    print(
        f"\n{workers} concurrent clients for {seconds:.0f} s: {total:,} requests, "
        f"{total / seconds:.0f}/s, {len(errors)} errors; CPU s: server {server_s:.1f} "
        f"({server_s / max(total, 1) * 1000:.2f} ms per request), client {client_s:.1f}; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n"
    )
    print("| call | requests | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for name in calls:
        values = sorted(latencies[name])
        p95 = values[int(0.95 * (len(values) - 1))] if values else float("nan")
        print(f"| {name} | {len(values):,} | {statistics.median(values):.0f} | {p95:.0f} |")
    for error in errors[:10]:
        print("error:", error)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
