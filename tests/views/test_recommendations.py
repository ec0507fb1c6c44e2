"""The recommendation views: a customer's list, the Baskets page, and both in a browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from segmint.mart import Mart, connect
from segmint.mart.token_terms import Role
from segmint.views.recommendations import NO_RUN, baskets_view, customer_list

from .conftest import Server
from .test_browser import charts_drawn, log_in, watch


def test_the_latest_run_gives_the_baskets_page(mart: Mart) -> None:
    view = baskets_view(mart)
    assert view.as_of is not None and view.method == "auto"
    assert view.n_baskets > 0 and view.n_rules >= len(view.rules) > 10
    lifts = [r["lift"] for r in view.rules]
    assert lifts == sorted(lifts, reverse=True)
    assert {p["group"] for p in view.picks} >= {"1 order, explorer"}
    assert view.messages == []


def test_without_a_run_the_page_says_what_to_run(tmp_path: Path) -> None:
    with connect(tmp_path / "empty.duckdb") as empty:
        view = baskets_view(empty)
        listed = customer_list(empty, "anyone")
    assert view.as_of is None and view.rules == [] and view.messages == [NO_RUN]
    assert listed.items == [] and "segmint recommend fit" in listed.notes[0]


def test_a_run_without_rules_says_why(mart: Mart) -> None:
    runs = mart.table("model_runs")
    latest = int(runs.filter(runs.kind == "recommend").run_id.max().execute())
    kept = runs.filter(runs.run_id == latest).metrics.execute()[0]
    metrics = json.dumps({"n_baskets": 5, "n_rules": 0, "rules": []})
    update = "UPDATE model_runs SET metrics = $1 WHERE run_id = $2"
    mart.raw.execute(update, [metrics, latest])
    try:
        view = baskets_view(mart)
    finally:
        mart.raw.execute(update, [kept, latest])
    assert view.rules == [] and "No association rules" in view.messages[0]


@pytest.fixture
def page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    return context.new_page()


@pytest.mark.slow
def test_baskets_and_a_customers_list_in_the_browser(
    page: Page, server: Server, artifacts: Path, mart: Mart
) -> None:
    listed = str(mart.table("recommendations").customer_id.min().execute())
    errors = watch(page, server)
    log_in(page, server, Role.analyst)
    page.click("nav a:text-is('Baskets')")
    page.wait_for_url(server.url + "/baskets")
    assert len(charts_drawn(page)) == 1
    assert page.locator("#rules tbody tr").count() >= 10
    assert "If bought" in page.inner_text("#rules thead")
    page.screenshot(path=str(artifacts / "page-baskets.png"), full_page=True)
    page.goto(server.url + f"/customers?q={listed}")
    page.click(f"table a:text-is('{listed}')")
    page.wait_for_selector("#recommendations")
    reasons = page.locator("#recommendations td.reason").all_inner_texts()
    assert len(reasons) == 10 and all(reasons)
    page.screenshot(path=str(artifacts / "page-customer-recommendations.png"), full_page=True)
    assert errors == []
