"""What the application answers without a token (only what holds no data), and its engine caps."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from segmint.api.app import API_PREFIX, API_ROUTERS, PAGE_ROUTERS, create_app
from segmint.api.render import PLOTLY_PATH
from segmint.config import SERVING_MEMORY_LIMIT, SERVING_WARMING_MEMORY_LIMIT

PUBLIC = {"/login", "/docs", "/openapi.json", "/static/app.js", "/static/app.css", PLOTLY_PATH}
"""Paths without parameters that answer a caller with no token (docs/dashboard.md, Access)."""


def get_paths() -> set[str]:
    """Every GET path of the application without a path parameter."""
    routers = [(API_PREFIX, r.router) for r in API_ROUTERS] + [("", r.router) for r in PAGE_ROUTERS]
    return {"/openapi.json"} | {
        prefix + route.path
        for prefix, router in routers
        for route in router.routes
        if "GET" in (getattr(route, "methods", None) or set()) and "{" not in route.path
    }


def test_only_the_login_form_docs_schema_and_static_files_answer_without_a_token(
    client: TestClient,
) -> None:
    paths = get_paths()
    assert paths >= PUBLIC and f"{API_PREFIX}/health" in paths and "/" in paths
    client.cookies.clear()
    answered = {p for p in paths if client.get(p, follow_redirects=False).status_code == 200}
    assert answered == PUBLIC
    for path in paths - PUBLIC:
        refused = client.get(path, follow_redirects=False)
        assert refused.status_code in (401, 303), path
        if refused.status_code == 303:
            assert refused.headers["location"].startswith("/login"), path


def test_a_server_gives_its_warmer_the_warming_cap_and_its_own_cap(
    mart_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "demo.duckdb"  # the module's client serves the module's mart
    shutil.copy(mart_path, copy)
    monkeypatch.delenv("SEGMINT_MEMORY_LIMIT", raising=False)
    with TestClient(create_app(mart=copy)) as client:
        warmer = client.app.state.warmer  # type: ignore[attr-defined]
        assert warmer.memory == (SERVING_WARMING_MEMORY_LIMIT, SERVING_MEMORY_LIMIT)
    monkeypatch.setenv("SEGMINT_MEMORY_LIMIT", "700MB")
    with TestClient(create_app(mart=copy)) as client:
        assert client.app.state.warmer.memory is None  # type: ignore[attr-defined]


def test_a_server_takes_arrow_memory_from_the_system_allocator(
    mart_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(mart_path, copy)
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.mimalloc_memory_pool())  # Arrow's default, whatever ran before
    try:
        with TestClient(create_app(mart=copy)):
            assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(before)


def test_the_server_starts_without_importing_scipy_stats_or_scikit_learn() -> None:
    # about 0.4 s each of a server's start; the first tests import scipy.stats when they run
    code = (
        "import sys, segmint.api.app; print(sorted({'sklearn', 'scipy.stats'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
