"""The management pages in a real browser: campaign tracking (sort, choose a campaign, its
curves), channel sales and segment sales (filters), every chart drawn, no script or CSP error."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from segmint.api.auth import Role

from .conftest import Server
from .test_browser import charts_drawn, log_in, watch

pytestmark = pytest.mark.slow


@pytest.fixture
def page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    return context.new_page()


def _campaign_order(page: Page) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "#campaign-table tbody tr", "rows => rows.map(r => r.getAttribute('data-campaign'))"
    )
    return ids


def test_campaign_tracking_sorts_and_draws_a_campaign(
    page: Page, server: Server, artifacts: Path
) -> None:
    errors = watch(page, server)
    log_in(page, server, Role.analyst)
    page.click("nav >> text=Campaigns")
    page.wait_for_url("**/campaigns")
    assert len(charts_drawn(page)) == 3  # response curves, conversion lift, revenue lift
    by_id = "#campaign-table a.sort[href*='sort=campaign_id']"
    page.click(by_id)
    page.wait_for_url("**sort=campaign_id**")
    first = _campaign_order(page)
    assert first == sorted(first, reverse=True)
    page.click(by_id)
    page.wait_for_url("**order=asc**")
    assert _campaign_order(page) == list(reversed(first))
    page.click("#campaign-table tr[data-campaign=K001] td a")
    page.wait_for_url("**campaign=K001**")
    assert "cumulative response" in page.inner_text("#response-chart")
    assert page.get_attribute("#campaigns-csv", "href", timeout=1000) is not None
    page.screenshot(path=str(artifacts / "page-campaigns.png"), full_page=True)
    assert errors == []


HEADING_LINES = """() => Array.from(document.querySelectorAll('#campaign-table th')).map(th => {
  const range = document.createRange();
  range.selectNodeContents(th);
  const tops = Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => r.top);
  return [th.textContent.trim(), new Set(tops.map(Math.round)).size];
})"""
"""Each heading of the campaign table with the number of lines its text takes."""


def test_on_a_phone_the_campaign_headings_keep_to_one_line(
    browser: Browser, server: Server, artifacts: Path
) -> None:
    """The table scrolls sideways on a phone, so headings that wrapped (as they do to fit a
    laptop) only made the heading row tall, an empty band above the campaigns."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, server, Role.analyst)
    page.goto(server.url + "/campaigns")
    lines = dict(page.evaluate(HEADING_LINES))
    assert "Revenue / member lift" in lines
    assert {heading: n for heading, n in lines.items() if n != 1} == {}
    head, row = (
        page.locator(f"#campaign-table {part}").first.bounding_box()
        for part in ("thead tr", "tbody tr")
    )
    assert head is not None and row is not None and head["height"] <= 1.5 * row["height"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "page-campaigns-phone.png"), full_page=True)
    page.context.close()


def test_sales_pages_draw_and_filter(page: Page, server: Server, artifacts: Path) -> None:
    errors = watch(page, server)
    log_in(page, server, Role.viewer)
    page.goto(server.url + "/sales/channels")
    assert len(charts_drawn(page)) == 3  # revenue by channel, AOV, segment mix
    assert page.locator("#channel-table tbody tr").count() >= 2
    page.select_option("select[name=period]", "week")
    page.wait_for_url("**period=week**")
    charts_drawn(page)
    page.screenshot(path=str(artifacts / "page-channel-sales.png"), full_page=True)
    page.click("nav >> text=Segment sales")
    page.wait_for_url("**/sales/segments")
    assert len(charts_drawn(page)) == 3  # revenue, margin, share of the portfolio
    page.select_option("select[name=segmentation]", "lifecycle")
    page.wait_for_url("**segmentation=lifecycle**")
    assert "lifecycle" in page.inner_text("h1")
    charts_drawn(page)
    assert page.locator("#sales-csv").count() == 0  # viewers get no downloads
    page.screenshot(path=str(artifacts / "page-segment-sales.png"), full_page=True)
    assert errors == []
