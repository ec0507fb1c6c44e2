"""``GET /api/v1/customers/{id}`` and the page ``/customers/{id}`` say when the customer is on
the do-not-contact list: a consent that reads "granted" does not make them reachable."""

from __future__ import annotations

import html
from pathlib import Path

import ibis
from fastapi.testclient import TestClient

from segmint.mart import connect
from segmint.mart.privacy import SUPPRESSIONS_TABLE
from segmint.mart.token_terms import Role
from segmint.views.customer_view import DO_NOT_CONTACT

from ..conftest import bearer, login, until

PERSON = "C0000025"


def test_a_customer_listed_for_every_channel_is_marked_on_each_consent(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    analyst = bearer(tokens[Role.analyst])
    before = client.get(f"/api/v1/customers/{PERSON}", headers=analyst).json()
    assert before["consents"] and not any(c["suppressed"] for c in before["consents"])
    listed = ibis.memtable(
        {"customer_id": [PERSON], "channel": [None]},
        schema={"customer_id": "string", "channel": "string"},
    )
    with connect(mart_path, create=False) as mart:
        mart.create_table(SUPPRESSIONS_TABLE, listed)

    def marked() -> bool:
        found = client.get(f"/api/v1/customers/{PERSON}", headers=analyst).json()
        return all(c["suppressed"] for c in found["consents"])

    until(marked, "the consents of a customer not to contact marked suppressed")
    after = client.get(f"/api/v1/customers/{PERSON}", headers=analyst).json()
    assert f"{DO_NOT_CONTACT} for every channel." in after["notes"]
    login(client, tokens[Role.analyst])
    page = html.unescape(client.get(f"/customers/{PERSON}").text)
    consents = page.split("<h3>Consents</h3>", 1)[1].split("</ul>", 1)[0]
    assert consents.count("do not contact") == len(after["consents"])
    assert f"{DO_NOT_CONTACT} for every channel." in page
