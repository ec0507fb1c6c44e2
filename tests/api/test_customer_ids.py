"""Customer ids holding ``/`` reach the 360° view, its recommendations and its page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from segmint.api import create_app
from segmint.mart import connect
from segmint.mart.ingest import ingest
from segmint.mart.token_terms import Role

from .conftest import bearer, login

SLASHED = "AB/123"
PLAIN = "C0000001"


@pytest.fixture(scope="module")
def client(
    mart_path: Path, tokens: dict[Role, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app over the module's demo mart with one more customer, whose id holds ``/``."""
    path = tmp_path_factory.mktemp("customers") / "customers.csv"
    path.write_text(f"customer_id,signup_date\n{SLASHED},2024-01-05\n", encoding="utf-8")
    with connect(mart_path, create=False) as mart:
        assert ingest(mart, "customers", path).rows_loaded == 1
    with TestClient(create_app(mart=mart_path)) as test_client:
        yield test_client


@pytest.mark.parametrize("written", [SLASHED, "AB%2F123"])
def test_an_id_with_a_slash_reaches_the_360_view_plain_or_encoded(
    client: TestClient, tokens: dict[Role, str], written: str
) -> None:
    response = client.get(f"/api/v1/customers/{written}", headers=bearer(tokens[Role.analyst]))
    assert response.status_code == 200, response.text
    assert response.json()["customer_id"] == SLASHED


@pytest.mark.parametrize("written", [SLASHED, "AB%2F123"])
def test_an_id_with_a_slash_reaches_its_recommendations(
    client: TestClient, tokens: dict[Role, str], written: str
) -> None:
    analyst = bearer(tokens[Role.analyst])
    response = client.get(f"/api/v1/customers/{written}/recommendations", headers=analyst)
    assert response.status_code == 200, response.text
    assert response.json()["customer_id"] == SLASHED


def test_plain_ids_still_reach_the_view_and_the_recommendations(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    analyst = bearer(tokens[Role.analyst])
    view = client.get(f"/api/v1/customers/{PLAIN}", headers=analyst)
    listed = client.get(f"/api/v1/customers/{PLAIN}/recommendations", headers=analyst)
    assert (view.status_code, listed.status_code) == (200, 200)
    assert view.json()["customer_id"] == listed.json()["customer_id"] == PLAIN
    assert "orders" in view.json() and "data" in listed.json()


def test_an_unknown_id_with_a_slash_is_a_404_naming_it(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    response = client.get("/api/v1/customers/ZZ/9", headers=bearer(tokens[Role.analyst]))
    assert response.status_code == 404
    assert "'ZZ/9'" in response.json()["detail"]


def test_the_page_of_an_id_with_a_slash_opens_from_the_search_link(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.analyst])
    try:
        search = client.get("/customers", params={"q": "AB/"})
        assert 'href="/customers/AB%2F123"' in search.text
        for written in [SLASHED, "AB%2F123"]:
            page = client.get(f"/customers/{written}")
            assert page.status_code == 200, written
            assert SLASHED in page.text and "no customer with id" not in page.text
    finally:
        client.cookies.clear()
