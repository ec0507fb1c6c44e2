"""Page logins are server-side sessions with CSRF-checked forms; expired and revoked tokens
are refused with the reason; unknown tokens cost no query; cookies are Secure over HTTPS."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from segmint.api import create_app
from segmint.api.sessions import CSRF_COOKIE, SESSION_COOKIE, Sessions
from segmint.mart import connect
from segmint.mart.token_terms import ID_LENGTH, Role
from segmint.mart.tokens import create_token, hash_token, revoke_token
from segmint.serving.token_cache import TokenCache

from .conftest import bearer, form_csrf, login


@pytest.fixture(scope="module")
def app(mart_path: Path, tokens: dict[Role, str]) -> FastAPI:
    """The app over the module's mart, looking for new snapshots every 50 ms."""
    return create_app(mart=mart_path, watch_interval=0.05)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait until ``check()`` holds (the server takes up a new snapshot within a second)."""
    deadline = time.monotonic() + 60
    while not check():
        assert time.monotonic() < deadline, f"the server never saw {what}"
        time.sleep(0.05)


def new_token(mart_path: Path, role: Role = Role.viewer, **kwargs: object) -> str:
    with connect(mart_path, create=False) as mart:
        return create_token(mart, role, "session test", **kwargs)  # type: ignore[arg-type]


def status(client: TestClient, token: str) -> int:
    return client.get("/api/v1/health", headers=bearer(token)).status_code


def test_the_login_cookie_is_a_random_session_id_not_the_token(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    response = login(client, tokens[Role.viewer])
    session_id = response.cookies[SESSION_COOKIE]
    assert tokens[Role.viewer] not in response.headers["set-cookie"]
    assert session_id != tokens[Role.viewer] and len(session_id) >= 40
    header = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in header and "SameSite=strict" in header
    assert "Secure" not in header  # plain HTTP: a Secure cookie would never come back
    assert client.get("/").status_code == 200
    assert status(client, session_id) == 401  # a session id is no API token


def test_login_without_the_forms_csrf_value_is_refused(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    client.cookies.clear()
    form = client.get("/login")
    assert CSRF_COOKIE in form.cookies
    token = tokens[Role.viewer]
    for data in ({"token": token}, {"token": token, "csrf": "forged"}):
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "login form has expired or was sent from another page" in response.text
        assert SESSION_COOKIE not in response.cookies
    client.cookies.clear()  # a page of another site can send the field but not the cookie
    sent = {"token": token, "csrf": form_csrf(form.text)}
    assert client.post("/login", data=sent, follow_redirects=False).status_code == 403


def test_logout_needs_the_sessions_csrf_secret_and_ends_the_session_on_the_server(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.viewer])
    session_id = client.cookies[SESSION_COOKIE]
    refused = client.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in
    csrf = form_csrf(client.get("/").text)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, session_id)  # the old cookie, kept by an attacker
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_token_made_while_serving_works_without_a_restart(
    client: TestClient, mart_path: Path
) -> None:
    token = new_token(mart_path, Role.analyst)
    eventually(lambda: status(client, token) == 200, "the new token")


def test_a_revoked_token_is_refused_with_the_reason_and_its_sessions_end(
    client: TestClient, mart_path: Path
) -> None:
    token = new_token(mart_path)
    eventually(lambda: status(client, token) == 200, "the new token")
    login(client, token)
    assert client.get("/", follow_redirects=False).status_code == 200
    with connect(mart_path, create=False) as mart:
        revoke_token(mart, hash_token(token)[:ID_LENGTH])
    eventually(lambda: status(client, token) == 401, "the revocation")
    detail = client.get("/api/v1/health", headers=bearer(token)).json()["detail"]
    assert f"the token {hash_token(token)[:ID_LENGTH]} was revoked on" in detail
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_an_expired_token_is_refused_on_the_api_and_the_login_form(
    client: TestClient, mart_path: Path
) -> None:
    token = new_token(mart_path, lifetime=dt.timedelta(hours=1))
    with connect(mart_path, create=False) as mart:
        mart.raw.execute(
            "UPDATE api_tokens SET expires_at = TIMESTAMP '2024-05-01 10:00' WHERE token_hash = $1",
            [hash_token(token)],
        )
    eventually(lambda: status(client, token) == 401, "the token's new expiry")
    detail = client.get("/api/v1/health", headers=bearer(token)).json()["detail"]
    assert detail.endswith(
        "expired on 2024-05-01 10:00 UTC; ask for a new one (`segmint token create --expires 90d`)."
    )
    client.cookies.clear()
    csrf = form_csrf(client.get("/login").text)
    response = client.post("/login", data={"token": token, "csrf": csrf}, follow_redirects=False)
    assert response.status_code == 401 and "expired on 2024-05-01 10:00 UTC" in response.text


def test_a_flood_of_unknown_tokens_costs_no_query(
    client: TestClient, app: FastAPI, tokens: dict[Role, str]
) -> None:
    assert status(client, tokens[Role.viewer]) == 200  # the tokens are in memory
    cache: TokenCache = app.state.tokens
    before = cache.loads
    for _ in range(300):
        response = client.get("/api/v1/health", headers=bearer("sgm_" + secrets.token_urlsafe(32)))
        assert response.status_code == 401
        assert response.json()["detail"].startswith("the token is not valid for this mart")
    assert cache.loads == before


def test_cookies_are_secure_over_https(app: FastAPI, tokens: dict[Role, str]) -> None:
    # No `with`: leaving a second client's block would shut the shared app down (its pool
    # closed under the module's other tests).
    secure = TestClient(app, base_url="https://testserver")
    form = secure.get("/login")
    assert "Secure" in form.headers["set-cookie"]
    response = login(secure, tokens[Role.viewer])
    header = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "Secure" in header and "HttpOnly" in header


def test_sessions_end_on_time_and_are_bounded() -> None:
    sessions = Sessions(lifetime=3600, limit=2)
    first = sessions.open("a" * 64)
    second = sessions.open("b" * 64)
    third = sessions.open("b" * 64)
    assert sessions.get(first.id) is None and len(sessions) == 2  # the oldest made room
    sessions.end_token("b" * 64)
    assert sessions.get(second.id) is None and sessions.get(third.id) is None
    past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    gone = sessions.open("c" * 64, token_expires=past)  # a session never outlives its token
    assert sessions.get(gone.id) is None


def test_a_signed_in_page_user_can_follow_links_to_the_api(
    mart_path: Path, tokens: dict[Role, str]
) -> None:
    path = "/api/v1/segmentations"
    with TestClient(create_app(mart=mart_path)) as client:  # its own server: a fresh pool
        assert client.get(path).status_code == 401
        login(client, tokens[Role.analyst])
        assert client.get(path).status_code == 200  # a read, with the page session
        assert client.get(path).json()  # the demo mart has stored segmentations
        client.cookies.clear()
        assert client.get(path).status_code == 401
