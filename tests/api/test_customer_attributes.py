"""The attributes block of the 360° view through the API and the page, per role."""

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

CUSTOMER = "C0000001"
ATTRIBUTES = (
    "customer_id,name,value\n"
    f"{CUSTOMER},loyalty_tier,Gold\n"
    f"{CUSTOMER},income,100-124K\n"
    f"{CUSTOMER},zip,ZX9 9ZZ\n"
    f"{CUSTOMER},contact_email,someone.private@example.net\n"
)


@pytest.fixture(scope="module")
def client(
    mart_path: Path, tokens: dict[Role, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app over the module's demo mart, with attributes loaded for one customer: a
    tier and an income band, a ZIP code and an e-mail address."""
    path = tmp_path_factory.mktemp("attributes") / "attributes.csv"
    path.write_text(ATTRIBUTES)
    with connect(mart_path, create=False) as mart:
        result = ingest(mart, "customer_attributes", path)
        assert result.rows_loaded == 4
    with TestClient(create_app(mart=mart_path)) as test_client:
        yield test_client


def _attributes(body: dict[str, object]) -> dict[str, str]:
    rows = body["attributes"]
    assert isinstance(rows, list)
    return {row["name"]: row["value"] for row in rows}


def test_analysts_get_the_attributes_without_exact_place_or_personal_data(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    response = client.get(f"/api/v1/customers/{CUSTOMER}", headers=bearer(tokens[Role.analyst]))
    assert response.status_code == 200
    shown = _attributes(response.json())
    assert shown["loyalty_tier"] == "Gold" and shown["income"] == "100-124K"
    assert "zip" not in shown and "contact_email" not in shown
    assert "ZX9 9ZZ" not in response.text and "someone.private" not in response.text
    assert any("shown to the admin role only" in m for m in response.json()["notes"])


def test_admins_get_every_attribute(client: TestClient, tokens: dict[Role, str]) -> None:
    response = client.get(f"/api/v1/customers/{CUSTOMER}", headers=bearer(tokens[Role.admin]))
    shown = _attributes(response.json())
    assert shown["zip"] == "ZX9 9ZZ"
    assert shown["contact_email"] == "someone.private@example.net"
    assert shown["loyalty_tier"] == "Gold"
    assert not any("attribute" in m for m in response.json()["notes"])


def test_viewers_get_no_360_view(client: TestClient, tokens: dict[Role, str]) -> None:
    response = client.get(f"/api/v1/customers/{CUSTOMER}", headers=bearer(tokens[Role.viewer]))
    assert response.status_code == 403
    assert "Gold" not in response.text


def test_the_page_shows_the_attributes_block_by_role(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.analyst])
    analyst = client.get(f"/customers/{CUSTOMER}").text
    assert 'id="attributes"' in analyst and "Loyalty tier" in analyst and "Gold" in analyst
    assert "ZX9 9ZZ" not in analyst and "someone.private" not in analyst
    login(client, tokens[Role.admin])
    admin = client.get(f"/customers/{CUSTOMER}").text
    assert "ZX9 9ZZ" in admin and "someone.private@example.net" in admin
