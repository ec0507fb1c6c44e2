"""Server start-up: seconds from ``segmint serve`` to its first answer, on an existing mart.

Starts ``segmint serve`` on 127.0.0.1 in a fresh process and times the first answer of
``/api/v1/health`` (any answer: the dashboard may still be warming), then stops it;
``--runs`` times, alternating between the code trees given with ``--src`` (each put first
on ``PYTHONPATH``: the same command on two commits, side by side). What this measures is
the server's imports and its snapshot of the mart, not the warm-up (``bench/serve.py``).

    .venv/bin/python bench/serve_start.py --mart bench/results/data/commands-1000000/mart.duckdb \\
        --src /tmp/before/src --src src --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from segmint.mart import connect
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token

sys.path.insert(0, str(Path(__file__).parent))
from serve import free_port


def first_answer(mart: Path, src: Path, token: str) -> float:
    """Seconds from starting ``segmint serve`` with ``src`` first on the path to its first
    answer."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    command = [str(Path(sys.executable).parent / "segmint"), "serve", "--port", str(port)]
    began = time.perf_counter()
    server = subprocess.Popen([*command, "--mart", str(mart)], stderr=subprocess.DEVNULL, env=env)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            while True:
                try:
                    client.get("/api/v1/health", timeout=60)
                    return time.perf_counter() - began
                except httpx.TransportError:
                    time.sleep(0.02)
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mart", type=Path, required=True)
    parser.add_argument("--src", type=Path, action="append", help="A code tree's src folder.")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    trees = args.src or [Path(__file__).resolve().parents[1] / "src"]
    with connect(args.mart, create=False) as mart:
        token = create_token(mart, Role.viewer, "bench start-up")
    seconds: dict[Path, list[float]] = {tree: [] for tree in trees}
    for _ in range(args.runs):
        for tree in trees:
            seconds[tree].append(first_answer(args.mart, tree, token))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("| code | runs (s) | median s |")
    print("|---|---|---:|")
    for tree, runs in seconds.items():
        listed = ", ".join(f"{s:.2f}" for s in runs)
        print(f"| {tree} | {listed} | {statistics.median(runs):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
