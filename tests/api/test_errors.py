"""Error answers: 404/400 for segmint errors, one sentence per bad parameter, a bare 500."""

from __future__ import annotations

import logging

import duckdb
import pytest
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from starlette.responses import Response

from segmint.api.errors import (
    OUT_OF_MEMORY,
    SHOWN_INPUT,
    UNEXPECTED,
    install,
    is_api,
    segmint_status,
)
from segmint.api.params import CONTROL_MESSAGE, NO_CONTROL
from segmint.exceptions import MartError, SegmintError

SECRET = "select * from secret_internal_table"


def _app(with_pages: bool) -> FastAPI:
    app = FastAPI()

    def page_handler(request: Request, status: int, message: str) -> Response:
        return PlainTextResponse(f"page {status}: {message}", status_code=status)

    install(app, page_handler if with_pages else None)
    for prefix in ("/api", "/page"):

        @app.get(f"{prefix}/missing")
        def missing() -> None:
            raise MartError("no segmentation 'x'; stored: rfm")

        @app.get(f"{prefix}/bad")
        def bad() -> None:
            raise SegmintError("date must be YYYY-MM-DD; got '2024-13-01'")

        @app.get(f"{prefix}/denied")
        def denied() -> None:
            raise HTTPException(403, "needs analyst", headers={"X-Why": "role"})

        @app.get(f"{prefix}/boom")
        def boom() -> None:
            raise RuntimeError(SECRET + "\nsecond line")

        @app.get(f"{prefix}/memory")
        def memory() -> None:
            raise duckdb.OutOfMemoryException("could not allocate block of size 256.0 KiB")

        @app.get(f"{prefix}/limited")
        def limited(
            limit: int = Query(10, le=1000),
            name: str = Query("", pattern=NO_CONTROL),
        ) -> dict[str, int]:
            return {"limit": limit}

    return app


@pytest.fixture(scope="module")
def api() -> TestClient:
    return TestClient(_app(with_pages=True), raise_server_exceptions=False)


def test_status_of_segmint_errors() -> None:
    assert segmint_status(MartError("x")) == 404
    assert segmint_status(SegmintError("x")) == 400


def test_mart_error_is_a_404_with_its_message(api: TestClient) -> None:
    response = api.get("/api/missing")
    assert response.status_code == 404
    assert response.json() == {"detail": "no segmentation 'x'; stored: rfm"}


def test_other_segmint_error_is_a_400(api: TestClient) -> None:
    response = api.get("/api/bad")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["detail"]


def test_http_exception_keeps_status_and_headers(api: TestClient) -> None:
    response = api.get("/api/denied")
    assert response.status_code == 403
    assert response.json() == {"detail": "needs analyst"}
    assert response.headers["X-Why"] == "role"


def test_validation_error_is_one_sentence_per_parameter(api: TestClient) -> None:
    response = api.get("/api/limited", params={"limit": 5000})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert detail.startswith("invalid request: query limit: ")
    assert detail.endswith("; got '5000'")


def test_control_characters_get_the_plain_message(api: TestClient) -> None:
    response = api.get("/api/limited", params={"name": "a\x00b", "limit": "x"})
    detail = response.json()["detail"]
    assert f"query name: {CONTROL_MESSAGE}; got 'a\\x00b'" in detail
    assert "query limit:" in detail
    assert "pattern" not in detail


def test_long_rejected_input_is_cut(api: TestClient) -> None:
    response = api.get("/api/limited", params={"limit": "9" * 500})
    detail = response.json()["detail"]
    shown = detail.split("; got ", 1)[1]
    assert len(shown) == SHOWN_INPUT
    assert shown.endswith("…")


def test_unexpected_error_names_no_internals_and_logs_one_line(
    api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="segmint.api"):
        response = api.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": UNEXPECTED}
    assert SECRET not in response.text
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = record.getMessage()
    assert message.startswith("unexpected error on GET /api/boom: RuntimeError: " + SECRET)
    assert "second line" not in message
    assert "\n" not in message
    assert "test_errors.py" in message  # where it arose


def test_the_engine_out_of_memory_says_how_to_give_the_server_more(
    api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="segmint.api"):
        response = api.get("/api/memory")
    assert response.status_code == 503
    assert response.json() == {"detail": OUT_OF_MEMORY}
    assert "SEGMINT_MEMORY_LIMIT" in OUT_OF_MEMORY
    assert any("OutOfMemoryException" in r.getMessage() for r in caplog.records)
    page = api.get("/page/memory")
    assert page.status_code == 503 and page.text == f"page 503: {OUT_OF_MEMORY}"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/page/missing", 404), ("/page/bad", 400), ("/page/denied", 403), ("/page/boom", 500)],
)
def test_pages_get_the_page_handler(api: TestClient, path: str, status: int) -> None:
    response = api.get(path)
    assert response.status_code == status
    assert response.text.startswith(f"page {status}: ")
    assert SECRET not in response.text


def test_page_validation_error_goes_to_the_page_handler(api: TestClient) -> None:
    response = api.get("/page/limited", params={"limit": "many"})
    assert response.status_code == 422
    assert response.text.startswith("page 422: invalid request: query limit:")


def test_without_a_page_handler_every_path_gets_json() -> None:
    client = TestClient(_app(with_pages=False), raise_server_exceptions=False)
    assert client.get("/page/missing").json() == {"detail": "no segmentation 'x'; stored: rfm"}
    assert client.get("/page/boom").json() == {"detail": UNEXPECTED}


def test_is_api() -> None:
    scope = {"type": "http", "path": "/api/x", "query_string": b"", "headers": []}
    assert is_api(Request(scope))
    assert not is_api(Request({**scope, "path": "/apix"}))
    assert not is_api(Request({**scope, "path": "/segments"}))
