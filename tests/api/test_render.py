"""Page rendering: the layout's globals, roles' abilities, and error pages for strangers.

Logged-in pages, 403 pages and the login redirect through the real app are in
``test_pages.py``; here a bare app with no login session checks :mod:`segmint.api.render`.
"""

from __future__ import annotations

import inspect
from urllib.parse import parse_qs, urlsplit

import plotly
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.responses import Response

from segmint.api import errors
from segmint.api.render import (
    NAV,
    PLOTLY_PATH,
    PageHead,
    _abilities,
    error_page,
    page_require,
    templates,
)
from segmint.api.sessions import Sessions
from segmint.mart.token_terms import Role

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.state.sessions = Sessions()
    errors.install(app, error_page)  # as create_app does: pages get error_page

    @app.get("/needs/{what}")
    def needs(request: Request, what: str) -> dict[str, str]:
        return {"role": page_require(request, Role.analyst).value}

    @app.get("/fail/{status}")
    def fail(request: Request, status: int) -> Response:
        return error_page(request, status, f"bad thing {SCRIPT}")

    return TestClient(app, follow_redirects=False)


def test_abilities_grow_with_the_role() -> None:
    assert _abilities(Role.viewer) == {"customers": False, "pii": False}
    assert _abilities(Role.analyst) == {"customers": True, "pii": False}
    assert _abilities(Role.admin) == {"customers": True, "pii": True}


def test_layout_globals() -> None:
    assert f"/static/plotly-{plotly.__version__}.min.js" == PLOTLY_PATH
    assert templates.env.globals["plotly_path"] == PLOTLY_PATH
    keys = [key for key, _, _ in NAV]
    hrefs = [href for _, href, _ in NAV]
    assert len(set(keys)) == len(keys) and len(set(hrefs)) == len(hrefs)
    assert all(href.startswith("/") for href in hrefs)
    assert {"number", "figure", "urlquote"} <= set(templates.env.filters)


def test_a_stranger_is_sent_to_the_login_form_and_back(client: TestClient) -> None:
    response = client.get("/needs/x", params={"q": "a&b=c#d"})
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": ["/needs/x?q=a%26b%3Dc%23d"]}


def test_a_401_without_a_query_has_no_question_mark(client: TestClient) -> None:
    response = client.get("/fail/401")
    assert response.headers["location"] == "/login?next=/fail/401"


@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (404, "Not found"),
        (403, "Not allowed for your role"),
        (422, "Cannot show this"),
        (500, "Something went wrong"),
    ],
)
def test_error_pages_show_status_and_escaped_message(
    client: TestClient, status: int, heading: str
) -> None:
    response = client.get(f"/fail/{status}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert heading in response.text
    assert SCRIPT not in response.text
    assert "bad thing &lt;script&gt;" in response.text


def test_a_page_head_marks_its_request_on_the_event_loop_not_in_the_thread_pool() -> None:
    # FastAPI runs a plain dependency in its thread pool: a hop costing more CPU per page
    # than the mark itself
    assert inspect.iscoroutinefunction(PageHead.__call__)
