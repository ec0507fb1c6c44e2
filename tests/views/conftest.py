"""A uvicorn server over a copy of the demo mart on a free loopback port, and headless Chromium.

The demo mart is the one of ``tests/api`` (built once per session). Screenshots of every
page go to ``test-artifacts/`` at the repository root (git-ignored).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from segmint.api import create_app
from segmint.mart import Mart, connect
from segmint.mart.privacy.keys import ENV_KEY
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass(frozen=True)
class Server:
    """A running dashboard: its base URL and one token per role."""

    url: str
    tokens: dict[Role, str]


def free_port() -> int:
    """A TCP port nobody listens on, on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PRIVACY_KEY = "dashboard-tests-privacy-key-0123456789abcdef"


@pytest.fixture(scope="session", autouse=True)
def privacy_key() -> Iterator[str]:
    """The server's privacy key: an admin's read of personal data is journalled by keyed
    pseudonym, and without a key the server does not show personal data at all."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_KEY, PRIVACY_KEY)
        yield PRIVACY_KEY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_mart_file: Path) -> Iterator[Server]:
    """The dashboard served by uvicorn in a thread on 127.0.0.1."""
    path = tmp_path_factory.mktemp("served") / "demo.duckdb"
    shutil.copy(demo_mart_file, path)
    with connect(path, create=False) as mart:
        tokens = {role: create_token(mart, role) for role in Role}
    port = free_port()
    config = uvicorn.Config(create_app(mart=path), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", tokens)
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with no background network traffic."""
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots are kept."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory, demo_mart_file: Path) -> Iterator[Mart]:
    """This module's own copy of the demo mart, opened."""
    path = tmp_path_factory.mktemp("mart") / "demo.duckdb"
    shutil.copy(demo_mart_file, path)
    with connect(path, create=False) as opened:
        yield opened


@pytest.fixture(scope="module")
def mart_path(tmp_path_factory: pytest.TempPathFactory, demo_mart_file: Path) -> Path:
    """This module's own copy of the demo mart, closed (for commands that open it)."""
    path = tmp_path_factory.mktemp("mart") / "demo.duckdb"
    shutil.copy(demo_mart_file, path)
    return path
