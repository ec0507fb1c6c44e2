"""The demo mart every dashboard test folder uses: built once per session, shared by workers.

A plain module (not a conftest) so ``tests/web`` and ``tests/report`` can load it too.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segmint.cli.main import app as cli

CUSTOMERS = 800


def build_demo(path: Path) -> None:
    """`segmint demo` on a small retailer (it stores RFM and lifecycle 91 days earlier too)."""
    result = CliRunner().invoke(
        cli,
        [
            *("demo", "--no-serve", "--customers", str(CUSTOMERS), "--seed", "5"),
            *("--data", str(path.parent / "data"), "--mart", str(path)),
        ],
    )
    assert result.exit_code == 0, result.output


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
