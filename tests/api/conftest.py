"""A small demo mart (synthetic retailer, RFM and lifecycle at two dates), the app and tokens.

The mart is built once per test session, shared between xdist workers through a lock, and
each test module works on its own copy, so one process holds each DuckDB file.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from segmint.api import create_app
from segmint.mart import connect
from segmint.mart.tokens import Role, create_token

from .demo_mart import shared_demo


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
