"""A small demo mart (synthetic retailer, RFM and lifecycle at two dates), the app and tokens.

The mart is built once per test session, shared between xdist workers through a lock, and
each test module works on its own copy, so one process holds each DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from segmint import workflows
from segmint.api import create_app
from segmint.api.auth import Role, create_token
from segmint.cli.main import app as cli
from segmint.mart import connect

CUSTOMERS = 800
EARLIER_DAYS = 91


def build_demo(path: Path) -> None:
    """`segmint demo` on a small retailer, then RFM and lifecycle again 91 days earlier."""
    result = CliRunner().invoke(
        cli,
        [
            *("demo", "--customers", str(CUSTOMERS), "--seed", "5"),
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


@pytest.fixture(scope="session")
def demo_mart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the shared demo mart (read-only: copy it before opening)."""
    return shared_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def mart_path(demo_mart: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's own copy of the demo mart."""
    copy = tmp_path_factory.mktemp("mart") / "demo.duckdb"
    shutil.copy(demo_mart, copy)
    return copy


@pytest.fixture(scope="module")
def tokens(mart_path: Path) -> dict[Role, str]:
    """One token per role, stored in the module's mart."""
    with connect(mart_path, create=False) as mart:
        return {role: create_token(mart, role, f"test {role.value}") for role in Role}


@pytest.fixture(scope="module")
def client(mart_path: Path, tokens: dict[Role, str]) -> Iterator[TestClient]:
    """A test client of the app over the module's mart."""
    with TestClient(create_app(mart=mart_path)) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying ``token``."""
    return {"Authorization": f"Bearer {token}"}
