"""Campaign tracking, channel sales and segment sales through the API and the pages: roles,
the CLI's numbers, CSV downloads, filters, and bad input answered with a 4xx."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from segmint.cli.main import app as cli
from segmint.mart.token_terms import Role
from segmint.views.formatting import pvalue
from segmint.views.management import SEGMENT_COLUMNS, TRACKING_COLUMNS
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
    "/campaigns?campaign=K003&segmentation=rfm&min_segment_size=2",
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
    assert k003["revenue_per_member_abs"] == pytest.approx(
        measured["lift"]["revenue_per_member"]["abs"]
    )
    assert [k003["conversion_low"], k003["conversion_high"]] == pytest.approx(
        measured["lift"]["conversion"]["ci95"]
    )
    assert k003["roi"] == pytest.approx(measured["economics"]["roi"])
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


def test_results_take_the_cli_s_seed_cost_and_holdout_share(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    """A result of ``campaign results --seed 11 --cost-per-contact 0.5 --holdout-share
    0.3`` can be fetched from the API with the options' Python names."""
    url = "/api/v1/campaigns/K003/results?random_state=11&cost_per_contact=0.5&holdout_share=0.3"
    api = client.get(url, headers=bearer(tokens[Role.analyst])).json()
    flags = ("--seed", "11", "--cost-per-contact", "0.5", "--holdout-share", "0.3")
    assert api == _cli_json(mart_path, "campaign", "results", "K003", *flags)
    assert api["bootstrap"]["random_state"] == 11 and api["economics"]["cost_per_contact"] == 0.5
    assert api["holdout_share"] == 0.3
    default = client.get("/api/v1/campaigns/K003/results", headers=bearer(tokens[Role.analyst]))
    revenue = "revenue_per_member"
    assert (
        default.json()["lift"][revenue]["bootstrap_ci95"] != api["lift"][revenue]["bootstrap_ci95"]
    )


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
    assert list(frame.columns) == [
        "period",
        "channel",
        "revenue",
        "orders",
        "customers",
        "average_order_value",
    ]
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
        ("/api/v1/campaigns/K003/results?segmentation=nope", 404, "no segmentation named 'nope'"),
        ("/api/v1/campaigns/K003/results?format=csv", 400, "add segmentation=NAME"),
        ("/api/v1/campaigns/K003/results?random_state=-1", 422, "random_state"),
        ("/api/v1/campaigns/K003/results?holdout_share=1", 422, "holdout_share"),
        ("/api/v1/campaigns/K003/results?segmentation=rfm&start=2100-01-01&format=csv", 400, "outside the date range"),
    ],
)  # fmt: skip
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
    api = client.get("/api/v1/campaigns", headers=bearer(tokens[Role.analyst])).json()
    k003 = next(r for r in api["data"] if r["campaign_id"] == "K003")
    row = page[page.index('data-campaign="K003"') :].split("</tr>")[0]
    low, high = 100 * k003["conversion_low"], 100 * k003["conversion_high"]
    # the conversion lift and its interval in the same unit: percent
    assert f"{100 * k003['conversion_abs']:.2f}%</td>" in row
    assert f"[{low:.2f}%, {high:.2f}%]" in row
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


SEGMENT_PAGE = "/campaigns?campaign=K003&segmentation=rfm"


def _segment_rows(page: str) -> dict[str, list[str]]:
    """The per-segment table of the campaign page: each segment's cells as the text shown."""
    table = page[page.index('id="campaign-segment-table"') :]
    table = table[: table.index("</table>")]
    rows = {}
    for chunk in table.split("<tr data-segment=")[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", chunk, flags=re.S)
        text = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]
        rows[text[0]] = text[1:]
    return rows


def _cli_segments(mart: Path, *options: str) -> dict[str, dict]:  # type: ignore[type-arg]
    measured = _cli_json(mart, "campaign", "results", "K003", "--segmentation", "rfm", *options)
    assert measured["segment_by"] == "segmentation:rfm"
    return {s["segment"]: s for s in measured["segments"]}


@pytest.mark.parametrize("min_size", [None, 2])
def test_the_campaign_page_shows_the_cli_s_lift_per_segment(
    client: TestClient, tokens: dict[Role, str], mart_path: Path, min_size: int | None
) -> None:
    login(client, tokens[Role.analyst])
    url = SEGMENT_PAGE if min_size is None else f"{SEGMENT_PAGE}&min_segment_size={min_size}"
    page = client.get(url)
    assert page.status_code == 200, page.text
    cli_options = [] if min_size is None else ["--min-segment-size", str(min_size)]
    segments = _cli_segments(mart_path, *cli_options)
    shown = _segment_rows(page.text)
    assert sorted(shown) == sorted(segments)
    measured = 0
    for name, segment in segments.items():
        row = shown[name]
        assert (row[0], row[1]) == (
            f"{segment['n_target']:,}",
            f"{segment['n_control']:,}",
        )
        if not segment["measured"]:
            assert str(row[2]).startswith("not measured"), name
            continue
        measured += 1
        conversion = segment["lift"]["conversion"]
        revenue = segment["lift"]["revenue_per_member"]
        assert row[2].split()[0] == f"{100 * conversion['abs']:.2f}%", name
        low, high = conversion["ci95"]
        assert row[3] == f"[{100 * low:.2f}%, {100 * high:.2f}%]", name
        assert row[5].split()[0] == f"{revenue['abs']:,.2f}", name
        low, high = revenue["ci95"]
        assert row[6] == f"[{low:,.2f}, {high:,.2f}]", name
        for metric, column in ((conversion, 2), (revenue, 5)):
            assert ("significant" in row[column]) == metric["significant"], name
            assert row[column + 2] == pvalue(metric["q_value"]), name
    assert (measured > 0) == (min_size is not None)  # the demo's groups are small
    assert ('id="segment-lift-chart-1"' in page.text) == (measured > 0)
    assert '<option value="rfm" selected>rfm</option>' in page.text


@pytest.mark.parametrize("url", [f"{SEGMENT_PAGE[:-3]}nope", "/campaigns?segmentation=nope"])
def test_the_campaign_page_names_an_unknown_segmentation(
    client: TestClient, tokens: dict[Role, str], url: str
) -> None:
    login(client, tokens[Role.analyst])
    response = client.get(url)
    assert response.status_code == 404, response.text
    assert "no segmentation named 'nope'; stored: " in html.unescape(response.text)


def test_the_per_segment_download_keeps_the_page_s_filters_and_has_the_cli_s_rows(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    login(client, tokens[Role.analyst])
    page = client.get(f"{SEGMENT_PAGE}&start=2000-01-01&min_segment_size=2").text
    link = page.split('id="campaign-segments-csv" href="', 1)[1].split('"', 1)[0]
    link = link.replace("&amp;", "&")
    assert link == (
        "/api/v1/campaigns/K003/results?window_days=14&segmentation=rfm&start=2000-01-01&end="
        "&min_segment_size=2&format=csv"
    )
    download = client.get(link)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="K003-by-rfm.csv"' in download.headers["content-disposition"]
    frame = pd.read_csv(io.StringIO(download.text), keep_default_na=False, na_values=[""])
    assert list(frame.columns) == list(SEGMENT_COLUMNS)
    segments = _cli_segments(mart_path, "--min-segment-size", "2")
    assert list(frame.segment) == list(segments)
    for row in frame.itertuples():
        segment = segments[str(row.segment)]
        assert (row.n_target, row.n_control, row.measured) == (
            segment["n_target"], segment["n_control"], segment["measured"]
        )  # fmt: skip
        for metric in ("conversion", "revenue_per_member"):
            lift = segment["lift"].get(metric)
            got = [getattr(row, f"{metric}_{part}") for part in ("abs", "low", "high", "q_value")]
            if lift is None:
                assert all(pd.isna(v) for v in got) and pd.isna(
                    getattr(row, f"{metric}_significant")
                )
                continue
            assert got == pytest.approx([lift["abs"], *lift["ci95"], lift["q_value"]])
            assert getattr(row, f"{metric}_significant") == lift["significant"]


def test_results_of_a_campaign_not_started_in_the_data_say_so_without_numbers(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    """The demo campaign starts after the last order: the command and the API refuse to
    measure it, naming the last day with orders, as the tracking page says it has not started;
    they printed lifts of 0 in [0, 0] and an ROI of -1.00 in [-1, -1]."""
    said = r"campaign 'demo-winback' has not started in the data yet: .* holds orders up to \d"
    response = client.get(
        f"/api/v1/campaigns/{DEMO_CAMPAIGN}/results", headers=bearer(tokens[Role.analyst])
    )
    assert response.status_code == 400 and re.search(said, response.json()["detail"])
    result = CliRunner().invoke(
        cli, ["campaign", "results", DEMO_CAMPAIGN, "--mart", str(mart_path)]
    )
    assert result.exit_code != 0 and re.search(said, " ".join(result.output.split()))
    assert "ROI" not in result.stdout and "-1.00" not in result.output
