"""Request bounds: control characters anywhere in a path or query are a 422 naming the parameter."""

from __future__ import annotations

import re

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from segmint.api.params import NO_CONTROL, has_control, reject_control_characters


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI(dependencies=[Depends(reject_control_characters)])

    @app.get("/items/{name}")
    def item(name: str) -> dict[str, str]:
        return {"name": name}

    return TestClient(app)


@pytest.mark.parametrize("text", ["a\x00b", "line\nbreak", "tab\there", "\x7f", "\x85next", "\x9f"])
def test_control_characters_are_found(text: str) -> None:
    assert has_control(text)


@pytest.mark.parametrize("text", ["", "plain", "Hà Nội", "emoji 🙂", "a b", "‮rtl"])
def test_ordinary_text_has_no_control(text: str) -> None:
    assert not has_control(text)


@given(st.text(max_size=20))
def test_pattern_and_function_agree(text: str) -> None:
    assert (re.fullmatch(NO_CONTROL, text) is None) == has_control(text)


def test_clean_request_passes(client: TestClient) -> None:
    response = client.get("/items/shoes", params={"q": "red"})
    assert response.status_code == 200
    assert response.json() == {"name": "shoes"}


def test_control_in_a_path_parameter_is_named(client: TestClient) -> None:
    response = client.get("/items/a%0Ab")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["path", "name"]
    assert "control characters" in error["msg"]


def test_control_in_an_undeclared_query_value_is_named(client: TestClient) -> None:
    response = client.get("/items/x", params={"extra": "nul\x00here", "ok": "fine"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "extra"]


def test_control_in_a_query_name_is_refused(client: TestClient) -> None:
    response = client.get("/items/x?bad%01name=1")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "bad\x01name"]


def test_every_offending_parameter_is_reported(client: TestClient) -> None:
    response = client.get("/items/a%09b", params={"q": "x\ny"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["path", "name"], ["query", "q"]]
