"""One name for one thing: the API's field names, from its OpenAPI document and its answers.

The API, the CLI's JSON and the CSV exports share their names (the CLI's JSON equals the
API's, see ``test_reports.py``), so two names for the same quantity in two answers would
make a program written against one answer misread another. Each group below is a quantity
that once had two names; only the first may appear.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from segmint.api.auth import Role
from segmint.cli.main import app as cli

from .conftest import bearer

SYNONYMS: dict[str, tuple[str, ...]] = {
    "gross_margin": ("margin",),
    "costs_known": ("margin_known",),
    "average_order_value": ("aov",),
    "campaign_id": ("campaign",),
    "revenue_per_member_abs": ("revenue_abs",),
    "revenue_per_member_low": ("revenue_low",),
    "revenue_per_member_high": ("revenue_high",),
    "notes": ("messages", "message"),
    "holdout_share": ("planned_holdout",),
    "random_state": ("seed",),
}
"""The name of each quantity, and the names it must not be given anywhere in the API (nor in
the JSON of ``segmint campaign create``, which has no route)."""

ANSWERS = (
    "/api/v1/health",
    "/api/v1/segmentations",
    "/api/v1/segmentations/rfm",
    "/api/v1/segmentations/rfm/migration",
    "/api/v1/customers?limit=2",
    "/api/v1/campaigns",
    "/api/v1/campaigns/K003/results?segmentation=rfm&min_segment_size=5",
    "/api/v1/sales/channels?segmentation=rfm",
    "/api/v1/sales/segments?segmentation=rfm",
)
"""JSON answers whose keys are walked (rows the schema leaves open included); a customer's
360 and recommendations are walked too (their id comes from the customer list)."""

NUMBERS = ("roi",)
"""Names that hold a number (or null) wherever they appear, never an object: the campaign
results' object of contacts, costs and incremental money is ``economics``, whose ``roi`` is
the ratio a tracking row's ``roi`` is."""

SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def schema_names(node: object) -> Iterator[str]:
    """Every property and parameter name anywhere in an OpenAPI document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            if key == "parameters" and isinstance(value, list):
                yield from (p["name"] for p in value if isinstance(p, dict) and "name" in p)
            yield from schema_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from schema_names(item)


def schemas_named(node: object, name: str) -> Iterator[object]:
    """The schema of every property called ``name`` anywhere in an OpenAPI document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict) and name in value:
                yield value[name]
            yield from schemas_named(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from schemas_named(item, name)


def values_named(node: object, name: str) -> Iterator[object]:
    """The value of every key ``name`` of every object in a JSON answer."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == name:
                yield value
            yield from values_named(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from values_named(item, name)


def answer_keys(node: object) -> Iterator[str]:
    """Every key of every object in a JSON answer."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from answer_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from answer_keys(item)


def synonyms_in(names: set[str]) -> dict[str, list[str]]:
    """The groups of :data:`SYNONYMS` whose other names appear in ``names``."""
    found = {name: sorted(set(others) & names) for name, others in SYNONYMS.items()}
    return {name: others for name, others in found.items() if others}


@pytest.fixture(scope="module")
def answers(client: TestClient, tokens: dict[Role, str]) -> list[Any]:
    """The JSON of every answer of :data:`ANSWERS`, a customer's 360 and recommendations."""
    admin = bearer(tokens[Role.admin])
    customer = client.get("/api/v1/customers?limit=1", headers=admin).json()["data"][0]
    urls = (
        *ANSWERS,
        f"/api/v1/customers/{customer['customer_id']}",
        f"/api/v1/customers/{customer['customer_id']}/recommendations",
    )
    found = []
    for url in urls:
        response = client.get(url, headers=admin)
        assert response.status_code == 200, (url, response.text)
        found.append(response.json())
    return found


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict[str, Any]:
    """The app's OpenAPI document."""
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def test_the_openapi_document_gives_each_quantity_one_name(openapi: dict[str, Any]) -> None:
    names = set(schema_names(openapi))
    assert {"gross_margin", "costs_known", "campaign_id"} <= names  # the walk finds them
    assert {"holdout_share", "random_state"} <= names  # the results' parameters
    assert synonyms_in(names) == {}


def test_every_documented_field_is_snake_case(openapi: dict[str, Any]) -> None:
    names = set(schema_names(openapi))
    assert "churn_risk" in names and "suggested_actions" in names  # the persona card's
    assert sorted(n for n in names if not SNAKE_CASE.fullmatch(n)) == []


def test_the_answers_give_each_quantity_one_name(answers: list[Any]) -> None:
    names = {key for answer in answers for key in answer_keys(answer)}
    assert {"gross_margin", "average_order_value", "costs_known", "campaign_id"} <= names
    assert {"revenue_per_member_abs", "notes", "economics", "holdout_share"} <= names
    assert "random_state" in names  # the results' bootstrap
    assert synonyms_in(names) == {}


def test_campaign_create_s_json_gives_each_quantity_one_name(
    demo_mart: Path, tmp_path: Path
) -> None:
    """``segmint campaign create --format json`` (a campaign has no create route) names the
    control share and the seed of its split as the results do: ``holdout_share`` and
    ``random_state``."""
    mart = tmp_path / "demo.duckdb"
    shutil.copy(demo_mart, mart)
    segments = ("--segment", "Champions", "--segment", "Loyal", "--segment", "At Risk")
    created = CliRunner().invoke(
        cli,
        [
            *("campaign", "create", "names", "--segmentation", "rfm", *segments),
            *("--channel", "email", "--holdout-share", "0.2", "--seed", "3"),
            *("--format", "json", "--mart", str(mart)),
        ],
    )
    assert created.exit_code == 0, created.output
    payload = json.loads(created.stdout)
    assert (payload["holdout_share"], payload["random_state"]) == (0.2, 3)
    assert synonyms_in(set(answer_keys(payload))) == {}


def test_a_number_s_name_never_holds_an_object(openapi: dict[str, Any], answers: list[Any]) -> None:
    for name in NUMBERS:
        documented = list(schemas_named(openapi, name))
        given = [value for answer in answers for value in values_named(answer, name)]
        assert documented and given  # the walks find it: tracking rows and results
        assert all(
            "$ref" not in str(schema) and "object" not in str(schema) for schema in documented
        )
        assert all(value is None or isinstance(value, int | float) for value in given), name


def test_a_persona_card_is_an_object_of_snake_case_fields(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    detail = client.get("/api/v1/segmentations/rfm", headers=bearer(tokens[Role.viewer])).json()
    cards = [s["persona"] for s in detail["segments"]]
    assert cards and all(card is not None for card in cards)
    assert all(SNAKE_CASE.fullmatch(key) for card in cards for key in card)
    assert all(card["churn_risk"] and card["suggested_actions"] for card in cards)


def test_the_synonym_check_sees_a_second_name() -> None:
    names = {"gross_margin", "margin", "aov", "revenue", "messages", "message"}
    names |= {"planned_holdout", "seed"}
    assert synonyms_in(names) == {
        "gross_margin": ["margin"],
        "average_order_value": ["aov"],
        "notes": ["message", "messages"],
        "holdout_share": ["planned_holdout"],
        "random_state": ["seed"],
    }
