"""HEAD answers wherever GET does, with the same checks, the same headers and no body."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from segmint.api.auth import Role
from segmint.mart.privacy.journal import pending

from .conftest import bearer, login
from .test_app import get_paths


def test_head_answers_what_get_answers_without_a_token(client: TestClient) -> None:
    client.cookies.clear()
    for path in get_paths():
        got = client.get(path, follow_redirects=False)
        head = client.head(path, follow_redirects=False)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers.get("location") == got.headers.get("location"), path


def test_head_with_a_token_answers_200_with_the_get_headers(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    client.cookies.clear()
    for path in ["/api/v1/health", "/api/v1/segmentations/rfm", "/api/v1/customers/C0000001"]:
        refused = client.head(path)
        got = client.get(path, headers=bearer(tokens[Role.analyst]))
        head = client.head(path, headers=bearer(tokens[Role.analyst]))
        assert (refused.status_code, head.status_code) == (401, 200), path
        assert head.content == b"" and len(got.content) > 0, path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == str(len(got.content)), path


def test_head_on_pages_uses_the_login_session(client: TestClient, tokens: dict[Role, str]) -> None:
    login(client, tokens[Role.analyst])
    try:
        for path in ["/", "/segments/rfm", "/customers/C0000001"]:
            head = client.head(path, follow_redirects=False)
            assert head.status_code == 200 and head.content == b"", path
            assert head.headers["content-type"].startswith("text/html"), path
    finally:
        client.cookies.clear()


def test_head_is_refused_where_get_is_not_allowed(client: TestClient) -> None:
    answer = client.head("/logout")
    assert answer.status_code == 405


def test_the_openapi_document_lists_no_head_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert all("head" not in operations for operations in paths.values())


def test_head_hands_out_nothing_so_journals_nothing(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    """A HEAD of an admin's customer view or of an audience shows no personal data and
    hands out no members: no read, no registered export (the GET journals both)."""
    admin = bearer(tokens[Role.admin])
    paths = ["/api/v1/customers/C0000001", "/api/v1/audiences/rfm/Champions?format=csv"]
    before = len(pending(mart_path))
    for path in paths:
        head = client.head(path, headers=admin)
        assert head.status_code == 200 and head.content == b"", path
    assert len(pending(mart_path)) == before
    for path in paths:
        got = client.get(path, headers=admin)
        assert got.status_code == 200, path
    assert [line.action for line in pending(mart_path)[before:]] == ["pii_read", "export"]
