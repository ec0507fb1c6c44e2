"""The server's part of privacy: reads of personal data and downloads are audited, audiences
apply the latest consent and the suppression lists, and an erasure made while the server
runs reaches what it serves (snapshot, sorted copies, cached audiences)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pytest
from fastapi.testclient import TestClient

from segmint.mart import connect
from segmint.mart.ingest import ingest
from segmint.mart.privacy import (
    SUPPRESSIONS_TABLE,
    collect_journal,
    entries,
    forget,
    journal_path,
    list_exports,
    pseudonym,
)
from segmint.mart.privacy.journal import pending
from segmint.mart.privacy.keys import ENV_KEY
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL
from segmint.mart.snapshot import snapshot_path
from segmint.mart.token_terms import Role

from .conftest import bearer, login, until

CUSTOMER = "C0000001"
AUDIENCE = "/api/v1/audiences/rfm/Champions"


def copied(client: TestClient, table: str, customer_id: str) -> bool:
    """True when the server's sorted copy of ``table`` holds rows of ``customer_id``."""
    found = client.app.state.copies.rows(table, customer_id)  # type: ignore[attr-defined]
    return found is not None and bool(found[1])


def test_an_admins_read_of_personal_data_is_journalled_by_pseudonym(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    before = len(pending(mart_path))
    client.get(f"/api/v1/customers/{CUSTOMER}", headers=bearer(tokens[Role.analyst]))
    assert len(pending(mart_path)) == before  # no personal data shown, nothing to audit
    admin = client.get(f"/api/v1/customers/{CUSTOMER}", headers=bearer(tokens[Role.admin]))
    assert "@" in admin.json()["pii"]["email"]
    line = pending(mart_path)[-1]
    assert line.action == "pii_read" and line.subjects == (pseudonym(CUSTOMER, label=AUDIT_LABEL),)
    assert line.actor.startswith("api:test admin [") and line.details["via"] == "api"
    raw = journal_path(mart_path).read_bytes()
    assert CUSTOMER.encode() not in raw and tokens[Role.admin].encode() not in raw


def test_the_customer_page_is_audited_with_the_session_user(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    login(client, tokens[Role.admin])
    page = client.get(f"/customers/{CUSTOMER}")
    assert page.status_code == 200 and 'id="pii"' in page.text
    line = pending(mart_path)[-1]
    assert line.actor.startswith("page:test admin [") and line.details["via"] == "page"
    client.cookies.clear()


def test_without_the_privacy_key_personal_data_stays_hidden(
    client: TestClient, tokens: dict[Role, str], mart_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY)
    before = len(pending(mart_path))
    body = client.get(f"/api/v1/customers/{CUSTOMER}", headers=bearer(tokens[Role.admin])).json()
    assert body["pii"] is None and "@" not in str(body)
    assert any("Personal data is hidden" in m and ENV_KEY in m for m in body["notes"])
    assert len(pending(mart_path)) == before


def test_a_pseudonymised_audience_carries_pseudonyms_and_no_contact_details(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    plain = client.get(AUDIENCE, headers=bearer(tokens[Role.admin])).json()
    hidden = client.get(AUDIENCE + "?pseudonymise=true", headers=bearer(tokens[Role.admin]))
    body = hidden.json()
    assert body["pseudonymised"] is True and body["count"] == plain["count"]
    assert {r["customer_id"] for r in body["data"]} == {
        pseudonym(r["customer_id"]) for r in plain["data"]
    }
    assert all(set(r) == {"customer_id"} for r in body["data"]) and "@" not in hidden.text


def test_downloads_become_exports_that_an_erasure_lists_and_reaches(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    admin = bearer(tokens[Role.admin])
    body = client.get(AUDIENCE, headers=bearer(tokens[Role.analyst])).json()
    person = body["data"][0]["customer_id"]
    email = client.get(f"/api/v1/customers/{person}", headers=admin).json()["pii"]["email"]
    until(lambda: copied(client, "customer_pii", person), "the sorted copies built")
    with connect(mart_path, create=False) as mart:
        collect_journal(mart)
        downloads = [e for e in list_exports(mart) if e.path.startswith("download:" + AUDIENCE)]
        assert downloads and downloads[-1].n_rows == body["count"]
        assert downloads[-1].created_by.startswith("api:test analyst [")
        result = forget(mart, [person], "erasure request 51", actor="cli:dpo")
        assert downloads[-1].export_id in {e.export_id for e in result.exports}
        assert [e.action for e in entries(mart)][-1] == "forget"

    # the server switches to the snapshot the erasure published, then rebuilds its copies
    until(
        lambda: client.get(f"/api/v1/customers/{person}", headers=admin).status_code == 404,
        "the forgotten customer gone from the 360 view",
    )
    until(lambda: not copied(client, "customer_pii", person), "the sorted copies rebuilt")
    after = client.get(AUDIENCE, headers=bearer(tokens[Role.analyst])).json()
    assert person not in {r["customer_id"] for r in after["data"]}
    assert email.encode() not in snapshot_path(mart_path).read_bytes()
    assert email.encode() not in mart_path.read_bytes()


def test_a_withdrawal_loaded_while_serving_leaves_the_audience(
    client: TestClient, tokens: dict[Role, str], mart_path: Path, tmp_path: Path
) -> None:
    analyst = bearer(tokens[Role.analyst])
    person = client.get(AUDIENCE, headers=analyst).json()["data"][0]["customer_id"]
    withdrawal = tmp_path / "consents.csv"
    withdrawal.write_text(
        f"customer_id,channel,granted,source,updated_at\n{person},email,false,app,2026-01-01\n",
        encoding="utf-8",
    )
    with connect(mart_path, create=False) as mart:
        assert ingest(mart, "consents", withdrawal).rows_loaded == 1
    until(
        lambda: (
            person
            not in {r["customer_id"] for r in client.get(AUDIENCE, headers=analyst).json()["data"]}
        ),
        "the audience without the customer who withdrew",
    )


def test_a_customer_on_the_do_not_contact_table_leaves_the_audience_and_is_counted(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    """A member who consents to e-mail, put on ``suppressions`` for it while the server runs,
    is left out of the JSON and CSV audiences and counted as suppressed there and in the
    journalled export; the counts still add up to the segment's members."""
    analyst = bearer(tokens[Role.analyst])
    before = client.get(AUDIENCE, headers=analyst).json()
    person = before["data"][0]["customer_id"]
    listed = {"customer_id": [person], "channel": [" Email"]}
    with connect(mart_path, create=False) as mart:
        mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable(listed))
    until(
        lambda: person not in ids(client.get(AUDIENCE, headers=analyst).json()),
        "the audience without the customer not to contact",
    )
    after = client.get(AUDIENCE, headers=analyst).json()
    assert after["excluded_suppressed"] == before["excluded_suppressed"] + 1
    assert after["excluded_without_consent"] == before["excluded_without_consent"]
    assert after["count"] == before["count"] - 1 == len(after["data"])
    as_csv = client.get(AUDIENCE + "?format=csv", headers=analyst)
    assert int(as_csv.headers["x-excluded-suppressed"]) == after["excluded_suppressed"]
    assert person not in as_csv.text
    with connect(mart_path, create=False) as mart:
        collect_journal(mart)
        details = entries(mart, action="export")[-1].details
    assert details["n_suppressed"] == after["excluded_suppressed"]
    assert details["format"] == "csv"


def ids(audience: dict[str, Any]) -> set[str]:
    """The customer ids of an audience answer."""
    return {r["customer_id"] for r in audience["data"]}
