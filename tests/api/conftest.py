"""A small demo mart (synthetic retailer, RFM and lifecycle at two dates), the app and tokens.

The mart is built once per test session, shared between xdist workers through a lock, and
each test module works on its own copy, so one process holds each DuckDB file.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from segmint.api import create_app
from segmint.mart import connect
from segmint.mart.privacy.keys import ENV_KEY
from segmint.mart.shop_settings import set_currency
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token
from segmint.workflows.segment import run_rfm

from .demo_mart import shared_demo

PRIVACY_KEY = "dashboard-tests-privacy-key-0123456789abcdef"
SHORT_HISTORY = {"few": "1997-03-31", "year": "1998-06-30"}
"""The dates the :func:`short_history` mart is segmented as of: 90 days of orders, a year."""


@pytest.fixture(scope="session", autouse=True)
def privacy_key() -> Iterator[str]:
    """The server's privacy key: an admin's read of personal data is journalled by keyed
    pseudonym, and without a key the server does not show personal data at all."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_KEY, PRIVACY_KEY)
        yield PRIVACY_KEY


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


@pytest.fixture(scope="session")
def short_history(
    cdnow_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """Path of a mart of the CDNOW sample segmented by RFM as of 1997-03-31 (its orders start
    on 1997-01-01, so the year to then holds only 90 days of them) and as of 1998-06-30 (a
    whole year), built once per session (read-only: copy it before opening), and the largest
    segment as of each date (keys of :data:`SHORT_HISTORY`)."""
    path = tmp_path_factory.mktemp("short_history") / "cdnow.duckdb"
    shutil.copy(cdnow_file, path)
    with connect(path, create=False) as mart:
        runs = {key: run_rfm(mart, day) for key, day in SHORT_HISTORY.items()}
    return path, {key: str(run.sizes.idxmax()) for key, run in runs.items()}


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


@pytest.fixture(scope="module")
def in_euros(
    mart_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Path, dict[Role, str]]]:
    """A copy of the module's mart whose shop's currency is EUR, a client of the app over it
    (not logged in) and a token per role."""
    copy = tmp_path_factory.mktemp("euros") / "demo.duckdb"
    shutil.copy(mart_path, copy)
    with connect(copy, create=False) as mart:
        set_currency(mart, "EUR", "cli:test")
        tokens = {role: create_token(mart, role, f"euro {role.value}") for role in Role}
    with TestClient(create_app(mart=copy)) as test_client:
        yield test_client, copy, tokens


def until(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Wait for the server to catch up (it switches snapshots and rebuilds copies in the
    background); fail naming ``what`` when it does not within ``limit`` seconds."""
    give_up = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < give_up, f"the server never showed {what}"
        time.sleep(0.2)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying ``token``."""
    return {"Authorization": f"Bearer {token}"}


def form_csrf(html: str) -> str:
    """The CSRF value of the first form in a page."""
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None, "the page has no form with a CSRF value"
    return found.group(1)


def login(client: TestClient, token: str) -> Response:
    """Log ``client`` in with ``token`` through the login form, as a browser does."""
    client.cookies.clear()
    csrf = form_csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"token": token, "next": "/", "csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response
