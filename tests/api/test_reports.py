"""Campaign tracking, channel sales and segment sales through the API and the pages: roles,
the CLI's numbers, CSV downloads, filters, and bad input answered with a 4xx."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from segmint.cli.main import app as cli
from segmint.mart.tokens import Role
from segmint.views.management import TRACKING_COLUMNS
from segmint.workflows.demo import DEMO_CAMPAIGN

from .conftest import bearer, login

REPORTS = {
    "/api/v1/campaigns": Role.analyst,
    "/api/v1/campaigns/K003/results": Role.analyst,
    "/api/v1/sales/channels": Role.analyst,
    "/api/v1/sales/segments": Role.analyst,
}
PAGES = [
    "/campaigns",
    "/campaigns?campaign=K001&sort=roi&order=asc",
    "/sales/channels",
    "/sales/segments",
]


def _cli_json(mart: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, [*args, "--mart", str(mart), "--format", "json"])
    assert result.exit_code == 0, result.output
    parsed: dict = json.loads(result.stdout)  # type: ignore[type-arg]
    return parsed


@pytest.mark.parametrize("url", list(REPORTS))
@pytest.mark.parametrize("role", list(Role))
def test_reports_answer_analysts_and_admins(
    client: TestClient, tokens: dict[Role, str], url: str, role: Role
) -> None:
    response = client.get(url, headers=bearer(tokens[role]))
    if role.allows(REPORTS[url]):
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403


def test_tracking_lists_every_campaign_with_the_cli_s_numbers(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    payload = client.get("/api/v1/campaigns", headers=bearer(tokens[Role.analyst])).json()
    rows = {r["campaign_id"]: r for r in payload["data"]}
    assert payload["count"] == len(rows) and {"K001", "K003", DEMO_CAMPAIGN} <= set(rows)
    assert rows[DEMO_CAMPAIGN]["problem"].startswith("not started in the data yet")
    measured = _cli_json(mart_path, "campaign", "results", "K003")
    k003 = rows["K003"]
    assert k003["revenue_abs"] == pytest.approx(measured["lift"]["revenue_per_member"]["abs"])
    assert [k003["conversion_low"], k003["conversion_high"]] == pytest.approx(
        measured["lift"]["conversion"]["ci95"]
    )
    assert k003["roi"] == pytest.approx(measured["roi"]["roi"])
    assert (k003["n_target"], k003["n_control"]) == tuple(measured["groups"].values())


def test_results_are_the_cli_s_json(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    url = "/api/v1/campaigns/K003/results?segmentation=rfm&min_segment_size=5"
    api = client.get(url, headers=bearer(tokens[Role.analyst])).json()
    cli_json = _cli_json(
        mart_path, "campaign", "results", "K003", "--segmentation", "rfm", "--min-segment-size", "5"
    )
    assert api == cli_json


@pytest.mark.parametrize(
    ("url", "command"),
    [
        ("/api/v1/sales/channels?period=week&start=2025-10-01", ["sales", "channels", "--period", "week", "--start", "2025-10-01"]),
        ("/api/v1/sales/channels?segmentation=rfm", ["sales", "channels", "--segmentation", "rfm"]),
        ("/api/v1/sales/segments?segmentation=lifecycle&membership=at_purchase", ["sales", "segments", "lifecycle", "--membership", "at_purchase"]),
    ],
)  # fmt: skip
def test_sales_are_the_cli_s_json(
    client: TestClient, tokens: dict[Role, str], mart_path: Path, url: str, command: list[str]
) -> None:
    api = client.get(url, headers=bearer(tokens[Role.analyst])).json()
    assert_same(api, _cli_json(mart_path, *command))


def assert_same(left: object, right: object, where: str = "") -> None:
    """Equal structures; numbers equal up to the last bits (the engine sums in parallel, in
    whatever order its threads finish)."""
    if isinstance(left, dict) and isinstance(right, dict):
        assert set(left) == set(right), where
        for key in left:
            assert_same(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list) and isinstance(right, list):
        assert len(left) == len(right), where
        for number, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{where}[{number}]")
    elif isinstance(left, float) and isinstance(right, float):
        assert left == pytest.approx(right, rel=1e-12, abs=1e-9), where
    else:
        assert left == right, where


def test_csv_downloads(client: TestClient, tokens: dict[Role, str]) -> None:
    headers = bearer(tokens[Role.analyst])
    tracking = client.get("/api/v1/campaigns?format=csv", headers=headers)
    assert tracking.headers["content-type"].startswith("text/csv")
    assert "attachment" in tracking.headers["content-disposition"]
    assert list(pd.read_csv(io.StringIO(tracking.text)).columns) == list(TRACKING_COLUMNS)
    channels = client.get("/api/v1/sales/channels?format=csv", headers=headers)
    frame = pd.read_csv(io.StringIO(channels.text))
    assert list(frame.columns) == ["period", "channel", "revenue", "orders", "customers", "aov"]
    segments = client.get("/api/v1/sales/segments?format=csv&period=week", headers=headers)
    assert "revenue_growth" in pd.read_csv(io.StringIO(segments.text)).columns


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/api/v1/campaigns/nope/results", 404, "no campaign 'nope'"),
        ("/api/v1/sales/channels?start=yesterday", 400, "YYYY-MM-DD"),
        ("/api/v1/sales/channels?start=0001-01-01", 400, "report dates lie between"),
        ("/api/v1/sales/channels?start=2025-06-01&end=2025-01-01", 400, "before it starts"),
        ("/api/v1/sales/segments?segmentation=nope", 404, "no segmentation named 'nope'"),
        ("/api/v1/sales/channels?period=day", 422, "week"),
        ("/api/v1/campaigns?window_days=0", 422, "greater than or equal to 1"),
    ],
)
def test_bad_input_gets_a_4xx_that_says_why(
    client: TestClient, tokens: dict[Role, str], url: str, status: int, says: str
) -> None:
    response = client.get(url, headers=bearer(tokens[Role.admin]))
    assert response.status_code == status, response.text
    assert says in response.text


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_for_a_viewer_without_downloads(
    client: TestClient, tokens: dict[Role, str], url: str
) -> None:
    login(client, tokens[Role.viewer])
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert 'class="chart"' in response.text and "Download CSV" not in response.text


def test_campaign_page_table_sorts_and_links(client: TestClient, tokens: dict[Role, str]) -> None:
    login(client, tokens[Role.analyst])
    page = client.get("/campaigns?sort=campaign_id&order=asc").text
    order = [c for c in ("K001", "K002", "K003", DEMO_CAMPAIGN) if f'data-campaign="{c}"' in page]
    positions = [page.index(f'data-campaign="{c}"') for c in order]
    assert positions == sorted(positions) and len(order) >= 3
    assert (
        'id="campaigns-csv" href="/api/v1/campaigns?start=&amp;end=&amp;window_days=14&amp;format=csv"'
        in page
    )
    assert "not started in the data yet" in page
    assert client.get("/campaigns?sort=nope").status_code == 422
    assert client.get("/campaigns?campaign=&sort=roi").status_code == 200  # as the sort links send
    assert "no campaign" in client.get("/campaigns?campaign=nope").text


def test_the_campaign_page_filters_by_start_date_into_its_download(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.analyst])
    page = client.get("/campaigns?start=2100-01-01").text
    assert 'data-campaign="K001"' not in page and "start=2100-01-01" in page
    csv = client.get(
        "/api/v1/campaigns?start=2100-01-01&format=csv", headers=bearer(tokens[Role.analyst])
    )
    assert len(pd.read_csv(io.StringIO(csv.text))) == 0
    everything = client.get("/api/v1/campaigns", headers=bearer(tokens[Role.analyst])).json()
    assert everything["count"] >= 3
    assert client.get("/campaigns?start=yesterday").status_code == 400


def test_sales_pages_keep_their_filters_in_the_download(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.analyst])
    page = client.get("/sales/segments?segmentation=lifecycle&period=week").text
    assert (
        "/api/v1/sales/segments?segmentation=lifecycle&amp;start=&amp;end=&amp;period=week" in page
    )
    assert client.get("/sales/channels?segmentation=rfm").status_code == 200
