"""The report: one self-contained file, the profile's numbers, drawn offline in Chromium."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Request, sync_playwright
from typer.testing import CliRunner

from segmint.cli.main import app as cli
from segmint.exceptions import MartError
from segmint.insight import profile
from segmint.mart import Mart, connect
from segmint.mart.shop_settings import set_currency
from segmint.views.report import build_report
from segmint.workflows.segment import run_rfm

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def report(mart_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "report.html"
    result = CliRunner().invoke(
        cli, ["report", "--out", str(out), "--segmentation", "lifecycle", "--mart", str(mart_path)]
    )
    assert result.exit_code == 0, result.output
    assert f"report written to {out}" in result.stdout
    return out


def test_report_is_self_contained(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert "Plotly.newPlot" in html and len(html) > 3_000_000  # plotly.js inlined


def test_report_shows_the_profile_numbers(report: Path, mart_path: Path) -> None:
    html = report.read_text(encoding="utf-8")
    with connect(mart_path, create=False) as mart:
        result = profile(mart, "lifecycle")
    assert f"lifecycle as of {result.as_of.isoformat()}" in html
    for row in result.overview.itertuples():
        assert f">{row.segment}<" in html
        assert f"{row.members:,}" in html
    assert f"{result.n_base:,} customers" in html


def test_report_errors_name_what_exists(mart_path: Path) -> None:
    with connect(mart_path, create=False) as mart, pytest.raises(MartError, match="stored: "):
        build_report(mart, "nope")


def test_without_unit_costs_margin_and_profit_read_unknown_not_zero(cdnow_mart: Mart) -> None:
    # CDNOW's purchases carry an amount and no cost: the margin is unknown, not 0.
    run_rfm(cdnow_mart, "1997-12-31")
    html = build_report(cdnow_mart, "rfm")
    tile = re.compile(r'kpi-label">(Gross margin|Profit)</div><div class="kpi-value">([^<]*)<')
    shown = tile.findall(html)
    assert len(shown) > 1 and {value for _, value in shown} == {"—"}
    assert html.count("unknown: no unit costs loaded") == len(shown)
    assert "— of profit" not in html


@pytest.fixture(scope="module")
def short_history(cdnow_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The reports of CDNOW segmented by RFM as of 1997-03-31 ("few": its orders start on
    1997-01-01, so the year to then holds 90 days of them) and as of 1998-06-30 ("year": a
    whole year)."""
    path = tmp_path_factory.mktemp("short_history") / "cdnow.duckdb"
    shutil.copy(cdnow_file, path)
    with connect(path, create=False) as mart:
        days = {"few": "1997-03-31", "year": "1998-06-30"}
        for day in days.values():
            run_rfm(mart, day)
        return {key: build_report(mart, "rfm", day) for key, day in days.items()}


def test_a_report_of_a_few_months_of_orders_says_over_how_many_days(
    short_history: dict[str, str],
) -> None:
    hint = re.compile(r'kpi-label">Revenue / member</div><div class="kpi-value">[^<]*</div>'
                      r'<div class="kpi-hint">([^<]*)<')  # fmt: skip
    short, whole = short_history["few"], short_history["year"]
    assert set(hint.findall(short)) == {"over 90 days"}
    assert "Revenue / member over 90 days" in short and "/ year" not in short
    assert set(hint.findall(whole)) == {"per year"}
    assert "Revenue per member / year" in whole and "over 90 days" not in whole


def test_the_footer_and_kpis_of_a_report_of_a_few_months_say_over_how_many_days(
    short_history: dict[str, str],
) -> None:
    short, whole = short_history["few"], short_history["year"]
    assert "· money over 90 days to 1997-03-31 ·" in short
    assert "ordered over 90 days</div>" in short and "over 90 days to 1997-03-31</div>" in short
    assert "365 days to" not in short and "in the year" not in short
    assert "· money over the 365 days to 1998-06-30 ·" in whole
    assert "ordered in the year</div>" in whole and ">365 days to 1998-06-30</div>" in whole


@pytest.mark.slow
def test_report_draws_in_chromium_without_network(report: Path, tmp_path: Path) -> None:
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})

        def record(request: Request) -> None:
            if not request.url.startswith(("file://", "data:", "blob:")):
                requests.append(request.url)

        page.on("request", record)
        page.goto(report.as_uri())
        page.wait_for_selector(".js-plotly-plot")
        traces = page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => p.data.length)"
        )
        n_charts = page.evaluate("() => document.querySelectorAll('.chart').length")
        page.screenshot(path=str(tmp_path / "report.png"))
        browser.close()
    assert requests == [], json.dumps(requests)
    assert len(traces) == n_charts >= 3 and all(t > 0 for t in traces)


@pytest.mark.usefixtures("far_time_zone")
def test_the_generation_time_is_utc_in_any_time_zone(mart_path: Path) -> None:
    minute = dt.timedelta(minutes=1)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    with connect(mart_path, create=False) as mart:
        html = build_report(mart, "lifecycle")
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    found = re.search(r"generated (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC", html)
    assert found is not None
    assert before <= dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M") <= after + minute


def test_the_report_shows_money_in_the_shops_currency(demo_mart_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_mart_file, path)
    with connect(path, create=False) as mart:
        plain = build_report(mart, "lifecycle")
        set_currency(mart, "EUR", "cli:test")
        html = build_report(mart, "lifecycle")
    tile = re.compile(r'kpi-label">Revenue</div><div class="kpi-value">([^<]*)<')
    assert all(not value.startswith("€") for value in tile.findall(plain))
    assert "€" not in plain and "in EUR" not in plain
    shown = tile.findall(html)
    assert shown and all(value.startswith("€") for value in shown)
    assert "money over the 365 days to" in html and ", in EUR ·" in html
    assert "Revenue per member / year (EUR)" in html  # the treemap's colour bar


def test_before_any_segmentation_the_report_shows_campaigns_and_sales_and_says_what_is_absent(
    cdnow_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--out", str(out), "--mart", str(cdnow_file)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert 'id="campaign-tracking"' in html and 'id="channel-sales"' in html
    assert 'id="segment-sales"' not in html and 'id="segment-1"' not in html
    assert "no segmentation is stored yet" in html and "`segmint segment rfm`" in html


def test_a_date_without_any_stored_segmentation_says_what_to_run(cdnow_mart: Mart) -> None:
    with pytest.raises(MartError, match=r"--as-of 1997-12-31 .*segmint segment rfm"):
        build_report(cdnow_mart, as_of="1997-12-31")


def test_a_report_of_a_few_months_names_them_in_the_table_and_the_products(
    short_history: dict[str, str],
) -> None:
    short, whole = short_history["few"], short_history["year"]
    assert '<th class="num">Revenue / member over 90 days</th>' in short
    assert "Top products over 90 days</h3>" in short and "products in the year" not in short
    assert '<th class="num">Revenue / member per year</th>' in whole
    assert "Top products in the year</h3>" in whole and "over 90 days" not in whole
