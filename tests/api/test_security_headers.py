"""Security headers on every answer, pages without inline script, offline docs, error schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from segmint.api.auth import Role
from segmint.api.render import PLOTLY_PATH

from .conftest import bearer, login

PAGES = [
    "/",
    "/segments/rfm",
    "/segments/rfm?segment=Champions",
    "/rfm",
    "/migration",
    "/value",
    "/customers",
    "/customers/C0000001",
]
API = [
    "/api/v1/health",
    "/api/v1/segmentations/rfm",
    "/api/v1/customers?q=C0",
    "/api/v1/customers/C0000001",
    "/api/v1/audiences/rfm/Champions?format=csv",
]
ERRORS = [
    "/api/v1/segmentations/nope",
    "/api/v1/customers?limit=0",
    "/segments/nope",
    "/login",
]
STATIC = [PLOTLY_PATH, "/static/app.css", "/static/app.js", "/static/docs/swagger-ui-bundle.js"]


@pytest.fixture
def admin(client: TestClient, tokens: dict[Role, str]) -> Iterator[TestClient]:
    """The client logged in as admin (cookie) and sending the admin's Bearer token."""
    login(client, tokens[Role.admin])
    client.headers.update(bearer(tokens[Role.admin]))
    yield client
    del client.headers["authorization"]
    client.cookies.clear()


@pytest.mark.parametrize("url", PAGES + API + ERRORS + STATIC + ["/docs", "/openapi.json"])
def test_every_answer_carries_the_security_headers(admin: TestClient, url: str) -> None:
    response = admin.get(url)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("url", PAGES + API + ERRORS)
def test_pages_and_api_answers_are_never_stored(admin: TestClient, url: str) -> None:
    assert admin.get(url).headers["cache-control"] == "no-store"


@pytest.mark.parametrize("url", STATIC)
def test_static_files_keep_their_own_caching(admin: TestClient, url: str) -> None:
    response = admin.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public, max-age=")


def test_a_401_without_a_token_has_the_headers_too(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/api/v1/health")
    assert response.status_code == 401
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("url", [*PAGES, "/segments/nope", "/login", "/docs"])
def test_pages_run_no_inline_script(admin: TestClient, url: str) -> None:
    html = admin.get(url).text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts or url in ("/segments/nope", "/login")
    for attributes, body in scripts:
        assert re.search(r'\bsrc="/', attributes), attributes
        assert body.strip() == ""
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert "javascript:" not in html


def test_docs_are_served_by_the_app_itself(client: TestClient) -> None:
    html = client.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources)
    for source in sources:
        response = client.get(source)
        assert response.status_code == 200, source
        assert len(response.content) > 100
    assert 'data-openapi="/openapi.json"' in html
    assert client.get("/redoc").status_code == 404  # FastAPI's page loaded Redoc from a CDN
    assert client.get("/static/docs/other.js").status_code == 404


ERROR_STATUSES = ("400", "401", "403", "404", "422")


def test_openapi_declares_the_real_error_answers_on_every_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    problem = schema["components"]["schemas"]["Problem"]
    assert problem["required"] == ["detail"]
    assert problem["properties"]["detail"]["type"] == "string"
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len(operations) == 12
    for operation in operations:
        for status in ERROR_STATUSES:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
            assert operation["responses"][status]["description"]
    audience = schema["paths"]["/api/v1/audiences/{segmentation}/{segment}"]["get"]
    assert set(audience["responses"]["200"]["content"]) == {"application/json", "text/csv"}
