"""A small demo mart (synthetic retailer, RFM and lifecycle at two dates), the app and tokens.

The mart is built once per test session, shared between xdist workers through a lock, and
each test module works on its own copy, so one process holds each DuckDB file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from segmint.api import create_app
from segmint.api.auth import Role, create_token
from segmint.mart import connect

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
