"""The demo mart every dashboard test folder uses: built once per session, shared by workers.

A plain module (not a conftest) so ``tests/web`` and ``tests/report`` can load it too.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segmint import workflows
from segmint.cli.main import app as cli
from segmint.mart import connect

CUSTOMERS = 800
EARLIER_DAYS = 91


def build_demo(path: Path) -> None:
    """`segmint demo` on a small retailer, then RFM and lifecycle again 91 days earlier."""
    result = CliRunner().invoke(
        cli,
        [
            *("demo", "--no-serve", "--customers", str(CUSTOMERS), "--seed", "5"),
            *("--data", str(path.parent / "data"), "--mart", str(path)),
        ],
    )
    assert result.exit_code == 0, result.output
    with connect(path, create=False) as mart:
        latest = workflows.run_rfm(mart).as_of
        earlier = latest - dt.timedelta(days=EARLIER_DAYS)
        workflows.run_rfm(mart, earlier)
        workflows.run_lifecycle(mart, earlier)


def shared_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo mart, built by the first worker to ask; the others wait for it."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "segmint-dashboard-demo"
    folder.mkdir(exist_ok=True)
    path = folder / "demo.duckdb"
    with (folder / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "done").exists():
            build_demo(path)
            (folder / "done").touch()
    return path
