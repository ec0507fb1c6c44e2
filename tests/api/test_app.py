"""What the application answers without a token: only what holds no data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from segmint.api.app import API_PREFIX, API_ROUTERS, PAGE_ROUTERS
from segmint.api.render import PLOTLY_PATH

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
