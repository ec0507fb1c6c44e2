"""Paging of ``GET /api/v1/audiences/{segmentation}/{segment}``: pages in id order that cover
the audience exactly once, a cursor that resumes after the last member (a pseudonym when
pseudonymised), bounds refused with a 422 naming the parameter, and one audit entry per
page holding exactly the members it handed out."""

from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import pandas as pd
import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from segmint.api.routes.audiences import next_path
from segmint.mart import connect
from segmint.mart.privacy import pseudonym, pseudonymise
from segmint.mart.privacy.journal import JournalLine, pending
from segmint.mart.privacy.keys import ENV_KEY
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL
from segmint.mart.token_terms import Role
from segmint.segmentation import store

from ..conftest import bearer

AUDIENCE = "/api/v1/audiences/rfm/Champions"


def pages(client: TestClient, token: str, first: str) -> list[dict[str, Any]]:
    """Every page from ``first`` on, following ``next`` until it is null."""
    found = []
    url: str | None = first
    while url is not None:
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 200, response.text
        found.append(response.json())
        url = found[-1]["next"]
        assert len(found) < 1_000, "the pages never end"
    return found


def whole(client: TestClient, token: str, query: str = "") -> list[str]:
    """The ids of the whole audience, as its CSV download hands them out."""
    response = client.get(f"{AUDIENCE}?format=csv{query}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return [str(i) for i in pd.read_csv(io.StringIO(response.text), dtype=str).customer_id]


def ids(page: dict[str, Any]) -> list[str]:
    """The customer ids of a page, in its order."""
    return [r["customer_id"] for r in page["data"]]


def unbase64(cursor: str) -> bytes:
    """The bytes of a cursor (base64url without padding)."""
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def exports_since(mart_path: Path, before: int) -> list[JournalLine]:
    """The export entries journalled after the first ``before`` lines."""
    return [line for line in pending(mart_path)[before:] if line.export is not None]


def test_pages_cover_the_audience_once_in_id_order_and_the_last_has_no_next(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    everyone = whole(client, tokens[Role.analyst])
    assert len(everyone) > 20
    found = pages(client, tokens[Role.analyst], f"{AUDIENCE}?limit=7")
    seen = [i for page in found for i in ids(page)]
    assert seen == sorted(everyone)  # every member once, in id order
    assert len(found) == -(-len(everyone) // 7)
    assert {page["count"] for page in found} == {len(everyone)}
    assert [page["page_count"] for page in found] == [len(ids(page)) for page in found]
    assert all(page["limit"] == 7 and page["next_cursor"] for page in found[:-1])
    assert found[-1]["next"] is None and found[-1]["next_cursor"] is None
    excluded = {(p["excluded_without_consent"], p["excluded_suppressed"]) for p in found}
    assert len(excluded) == 1 and next(iter(excluded))[0] > 0  # the whole audience's


def test_the_next_cursor_gives_the_same_page_as_the_next_link(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.analyst])
    first = client.get(f"{AUDIENCE}?limit=5&channel=EMAIL", headers=headers).json()
    assert first["next"].startswith(AUDIENCE + "?") and "channel=EMAIL" in first["next"]
    by_cursor = client.get(f"{AUDIENCE}?limit=5&channel=EMAIL&cursor={first['next_cursor']}")
    assert by_cursor.status_code == 401  # a cursor is no credential
    by_cursor = client.get(
        f"{AUDIENCE}?limit=5&channel=EMAIL&cursor={first['next_cursor']}", headers=headers
    )
    followed = client.get(first["next"], headers=headers).json()
    assert f"as_of={first['as_of']}" in first["next"]  # the next page reads the same day
    assert followed.pop("as_of_requested") == first["as_of"]
    assert by_cursor.json() | {"as_of_requested": None} == followed | {"as_of_requested": None}
    assert ids(by_cursor.json())[0] > ids(first)[-1]


def test_a_page_defaults_to_a_thousand_members(client: TestClient, tokens: dict[Role, str]) -> None:
    body = client.get(AUDIENCE, headers=bearer(tokens[Role.analyst])).json()
    assert body["limit"] == 1_000
    assert body["page_count"] == len(body["data"]) == min(body["count"], 1_000)
    assert (body["next"] is None) == (body["count"] <= 1_000)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "query limit: Input should be greater than or equal to 1"),
        ("limit=10001", "query limit: Input should be less than or equal to 10000"),
        ("limit=ten", "query limit: Input should be a valid integer"),
        ("limit=99999999999999999999999", "query limit"),
        ("cursor=", "query cursor"),
        ("cursor=not%20base64!", "query cursor"),
        ("cursor=" + "A" * 3001, "query cursor: String should have at most 3000 characters"),
        ("cursor=Zm9v", "query cursor: not a cursor this endpoint handed out"),
        ("cursor=" + "A" * 40, "query cursor: not a cursor this endpoint handed out"),
        (  # the unsealed cursors of earlier versions, and forgeries made like them
            "cursor=" + base64.urlsafe_b64encode(b"id:C1").decode().rstrip("="),
            "query cursor: not a cursor this endpoint handed out",
        ),
    ],
)
def test_bad_limits_and_cursors_are_refused_naming_the_parameter(
    client: TestClient, tokens: dict[Role, str], mart_path: Path, query: str, message: str
) -> None:
    before = len(pending(mart_path))
    response = client.get(f"{AUDIENCE}?{query}", headers=bearer(tokens[Role.analyst]))
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert exports_since(mart_path, before) == []  # nothing handed out, nothing recorded


def test_a_pseudonymised_cursor_is_refused_by_a_list_of_ids_and_the_other_way_round(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.analyst])
    plain = client.get(f"{AUDIENCE}?limit=3", headers=headers).json()["next_cursor"]
    hidden = client.get(f"{AUDIENCE}?limit=3&pseudonymise=true", headers=headers).json()
    crossed = client.get(f"{AUDIENCE}?pseudonymise=true&cursor={plain}", headers=headers)
    assert crossed.status_code == 422
    assert "list asked with pseudonymise=false" in crossed.json()["detail"]
    back = client.get(f"{AUDIENCE}?cursor={hidden['next_cursor']}", headers=headers)
    assert back.status_code == 422 and "pseudonymise=true" in back.json()["detail"]


def test_every_page_is_an_export_of_exactly_its_members(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    before = len(pending(mart_path))
    found = pages(client, tokens[Role.analyst], f"{AUDIENCE}?limit=9")
    lines = exports_since(mart_path, before)
    assert len(lines) == len(found)
    for page, line in zip(found, lines, strict=True):
        assert line.export is not None
        expected = sorted(set(pseudonymise(ids(page), label=AUDIT_LABEL)))
        assert list(line.export.members) == expected
        assert "cursor" not in line.export.path and "limit=9" in line.export.path
        assert line.details["n_total"] == page["count"] and line.details["limit"] == 9
    assert [line.details["first_page"] for line in lines] == [True] + [False] * (len(lines) - 1)
    assert [line.details["more"] for line in lines] == [True] * (len(lines) - 1) + [False]
    raw = pending(mart_path)[before:]
    assert not any(i in repr(raw) for page in found for i in ids(page))


def test_pseudonymised_pages_cover_the_pseudonyms_and_their_cursors_hold_no_id(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    everyone = whole(client, tokens[Role.admin])
    by_pseudonym = {pseudonym(i): i for i in everyone}
    before = len(pending(mart_path))
    found = pages(client, tokens[Role.admin], f"{AUDIENCE}?limit=8&pseudonymise=true")
    seen = [i for page in found for i in ids(page)]
    assert seen == sorted(by_pseudonym)  # pseudonym order, every member once
    assert all(set(r) == {"customer_id"} for page in found for r in page["data"])
    for page in found[:-1]:
        sealed = unbase64(page["next_cursor"])
        assert ids(page)[-1].encode() not in sealed  # sealed: not even the pseudonym shows
        assert not any(i.encode() in sealed or i in page["next"] for i in everyone)
    lines = exports_since(mart_path, before)
    for page, line in zip(found, lines, strict=True):  # the real members, by audit pseudonym
        real = [by_pseudonym[p] for p in ids(page)]
        assert line.export is not None and line.details["pseudonymised"] is True
        assert list(line.export.members) == sorted(set(pseudonymise(real, label=AUDIT_LABEL)))


def test_the_csv_is_the_whole_audience_unless_a_page_is_asked_for(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.admin])
    download = client.get(f"{AUDIENCE}?format=csv", headers=headers)
    everyone = pd.read_csv(io.StringIO(download.text), dtype=str)
    assert int(download.headers["x-total-count"]) == len(everyone) > 20
    assert "link" not in download.headers and "x-next-cursor" not in download.headers
    seen: list[pd.DataFrame] = []
    url: str | None = f"{AUDIENCE}?format=csv&limit=10"
    while url is not None:
        response = client.get(url, headers=headers)
        assert response.headers["x-total-count"] == download.headers["x-total-count"]
        seen.append(pd.read_csv(io.StringIO(response.text), dtype=str))
        link = response.headers.get("link")
        url = None if link is None else link.removeprefix("<").removesuffix('>; rel="next"')
        if link is not None:
            assert f"cursor={response.headers['x-next-cursor']}" in url
    assert len(seen) == -(-len(everyone) // 10)
    paged = pd.concat(seen, ignore_index=True)
    pd.testing.assert_frame_equal(paged, everyone.sort_values("customer_id", ignore_index=True))


def test_a_cursor_holds_no_customer_id_and_an_altered_one_is_refused(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.analyst])
    first = client.get(f"{AUDIENCE}?limit=4", headers=headers).json()
    sealed = unbase64(first["next_cursor"])
    assert all(i.encode() not in sealed for i in ids(first))
    for at in (0, 3, len(sealed) // 2, len(sealed) - 1):  # format, key tag, tag, payload
        altered = bytearray(sealed)
        altered[at] ^= 1
        cursor = base64.urlsafe_b64encode(bytes(altered)).decode().rstrip("=")
        response = client.get(f"{AUDIENCE}?limit=4&cursor={cursor}", headers=headers)
        assert response.status_code == 422, at
        assert "query cursor:" in response.json()["detail"]


def test_a_cursor_pages_only_the_list_it_came_from(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    with connect(mart_path, create=False) as mart:
        earlier, latest = store.as_of_dates(mart, "rfm")[-2:]
    headers = bearer(tokens[Role.analyst])
    cursor = client.get(f"{AUDIENCE}?limit=3", headers=headers).json()["next_cursor"]
    old = client.get(f"{AUDIENCE}?limit=3&as_of={earlier}", headers=headers).json()
    assert f"as_of={earlier}" in old["next"]
    for query, reason in [
        (f"/api/v1/audiences/rfm/Loyal?cursor={cursor}", "another segment than rfm/Loyal"),
        (f"{AUDIENCE}?channel=sms&cursor={cursor}", "the audience for email, not sms"),
        (f"{AUDIENCE}?cursor={old['next_cursor']}", f"as of {earlier}, not {latest}"),
        (f"{AUDIENCE}?as_of={earlier}&cursor={cursor}", f"as of {latest}, not {earlier}"),
    ]:
        response = client.get(query, headers=headers)
        assert response.status_code == 422, query
        detail = response.json()["detail"]
        assert "query cursor: this cursor pages another list" in detail and reason in detail


def test_a_cursor_made_before_the_privacy_key_changed_is_refused(
    client: TestClient, tokens: dict[Role, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(tokens[Role.analyst])
    first = client.get(f"{AUDIENCE}?limit=3", headers=headers).json()
    monkeypatch.setenv(ENV_KEY, "another-privacy-key-0123456789abcdefghijkl")
    response = client.get(first["next"], headers=headers)
    assert response.status_code == 422
    assert "made under another privacy key" in response.json()["detail"]
    assert client.get(f"{AUDIENCE}?limit=3", headers=headers).json()["data"] == first["data"]


@pytest.mark.parametrize(
    "names",
    [
        ("rfm", "a?b"),
        ("seg#1", "x#y"),
        ("back\\slash", "c\\d"),
        ("with/slash", "e/f"),
        ("50%", "%3F literally"),
        ("spaced out", " lead and trail "),
        ("ünïcödé", "日本語 🙂"),
        ("plain", "Champions"),
    ],
)
def test_the_next_path_names_the_same_segment_whatever_its_name_holds(
    names: tuple[str, str],
) -> None:
    segmentation, segment = names
    scope = {
        "type": "http",
        "method": "GET",
        "root_path": "",
        "path": f"/api/v1/audiences/{segmentation}/{segment}",
        "path_params": {"segmentation": segmentation, "segment": segment},
        "query_string": b"limit=5&as_of=2025-10-15&channel=EMAIL",
        "headers": [(b"host", b"testserver")],
    }
    found = next_path(Request(scope), "CURSOR", dt.date(2025, 10, 1))
    path, _, query = found.partition("?")
    assert path.startswith("/api/v1/audiences/") and "?" not in path and "#" not in path
    parts = path.removeprefix("/api/v1/audiences/").split("/")
    assert [unquote(part) for part in parts] == [segmentation, segment]  # decoded once
    assert sorted(parse_qsl(query)) == [
        ("as_of", "2025-10-01"),  # the day read, not the one asked
        ("channel", "EMAIL"),
        ("cursor", "CURSOR"),
        ("limit", "5"),
    ]
