"""Dashboard latency under load: p50/p95 of overview, segment explorer and customer-360 calls.

Builds (or reuses) a mart from the synthetic retailer, starts ``segmint serve`` on
127.0.0.1 in a child process, warms the caches once (first profiles take seconds), then
runs ``--concurrency`` clients in a closed loop for ``--seconds`` over the API calls and
pages, loopback only. Prints a Markdown table; any error makes the exit code 1.

    .venv/bin/python bench/serve.py --customers 100000 --seconds 30 --concurrency 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

from segmint import workflows
from segmint.api.auth import Role, create_token
from segmint.mart import connect
from segmint.mart.folder import files_to_load
from segmint.mart.ingest import IngestOptions, ingest
from segmint.synth import synthesize


def build(path: Path, customers: int) -> None:
    """Synthetic retailer → mart, RFM and lifecycle at the last order day and 91 days before."""
    data = path.parent / "data"
    synthesize(data, customers, seed=11)
    with connect(path) as mart:
        plan, _ = files_to_load(data)
        for table, file in plan:
            ingest(mart, table, file, IngestOptions())
        latest = workflows.run_rfm(mart).as_of
        workflows.run_lifecycle(mart)
        earlier = latest - dt.timedelta(days=91)
        workflows.run_rfm(mart, earlier)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--mart", type=Path, help="Reuse this mart instead of building one.")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="segmint-bench-serve-"))
    mart_path = args.mart or workdir / "bench.duckdb"
    if args.mart is None:
        began = time.perf_counter()
        build(mart_path, args.customers)
        print(f"built mart of {args.customers:,} customers in {time.perf_counter() - began:.0f} s")
    with connect(mart_path, create=False) as mart:
        token = create_token(mart, Role.admin, "bench")
        ids = list(mart.table("customers").customer_id.execute())
        rfm = mart.table("assignments").filter(lambda a: a.segmentation == "rfm")
        segment = str(rfm.segment.execute().mode().iloc[0])
    port = free_port()
    server = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "segmint"), "serve"),
            *("--port", str(port), "--mart", str(mart_path)),
        ],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        return run(base, token, ids, segment, args.seconds, args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(base: str, token: str, ids: list[str], segment: str, seconds: float, workers: int) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    cookies = {"segmint_token": token}
    calls = {
        "API overview (segmentations/rfm)": lambda: "/api/v1/segmentations/rfm",
        "API segment members (customers?segment)": lambda: (
            f"/api/v1/customers?segmentation=rfm&segment={segment}&limit=50"
        ),
        "API customer 360": lambda: f"/api/v1/customers/{random.choice(ids)}",
        "page overview": lambda: "/",
        "page segment explorer": lambda: f"/segments/rfm?segment={segment}",
        "page customer 360": lambda: f"/customers/{random.choice(ids)}",
    }
    with httpx.Client(base_url=base, headers=headers, cookies=cookies, timeout=120) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                client.get("/api/v1/health")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        began = time.perf_counter()
        for make in calls.values():  # warm the caches: first profiles take seconds
            client.get(make()).raise_for_status()
        print(f"warm-up (first profile, overview, explorer) {time.perf_counter() - began:.1f} s")

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        names = list(calls)
        with httpx.Client(base_url=base, headers=headers, cookies=cookies, timeout=60) as c:
            while time.monotonic() < stop:
                name = random.choice(names)
                started = time.perf_counter()
                try:
                    response = c.get(calls[name]())
                    ok = response.status_code == 200
                except httpx.HTTPError as exc:
                    ok, response = False, None
                    with lock:
                        errors.append(f"{name}: {exc}")
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies[name].append(elapsed)
                    if not ok and response is not None:
                        errors.append(f"{name}: HTTP {response.status_code}")

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(len(v) for v in latencies.values())
    print(
        f"\n{workers} concurrent clients for {seconds:.0f} s: {total:,} requests, "
        f"{total / seconds:.0f}/s, {len(errors)} errors\n"
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
