"""The dashboard in a real browser: log in, every page draws its charts, click, change date, log out."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from segmint.api.auth import Role
from segmint.mart import Mart
from segmint.views.plots.figures import FONT

from .conftest import Server

pytestmark = pytest.mark.slow

PLOTS = "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => p.data.length)"
POINTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p =>
  p.data.reduce((n, t) => n + ((t.y || t.values || t.labels || t.z || t.node.label || []).length), 0))"""


SPILLED = """() => Array.from(document.querySelectorAll('.card table')).filter(t => {
  const card = t.closest('.card');
  if (['auto', 'scroll'].includes(getComputedStyle(card).overflowX)) return false;
  return t.getBoundingClientRect().right > card.getBoundingClientRect().right + 1;
}).map(t => (t.closest('.card').querySelector('h2, h3') || {}).textContent || t.id)"""
"""The headings of the cards whose table reaches past the card's right edge (a card that
scrolls sideways holds its table)."""


def log_in(page: Page, server: Server, role: Role) -> None:
    page.goto(server.url + "/")
    assert page.url.startswith(server.url + "/login")
    page.fill("#token", server.tokens[role])
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")


def charts_drawn(page: Page) -> list[int]:
    page.wait_for_selector(".js-plotly-plot")
    traces: list[int] = page.evaluate(PLOTS)
    points: list[int] = page.evaluate(POINTS)
    assert traces and all(t > 0 for t in traces)
    assert all(p > 0 for p in points)
    return traces


@pytest.fixture
def page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    return context.new_page()


PAGES = [
    ("overview", "/", 2),
    ("segments", "/segments/rfm", 2),
    ("rfm", "/rfm", 1),
    ("migration", "/migration", 1),
]


def watch(page: Page, server: Server) -> list[str]:
    """Script errors, Content-Security-Policy refusals and requests to any other server,
    as they happen on ``page``."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on(
        "console",
        lambda m: (
            problems.append(f"console: {m.text}")
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.on(
        "request",
        lambda r: None if r.url.startswith(server.url) else problems.append(f"request: {r.url}"),
    )
    return problems


def test_every_page_draws_its_charts(page: Page, server: Server, artifacts: Path) -> None:
    errors = watch(page, server)
    log_in(page, server, Role.admin)
    for name, url, n_charts in PAGES:
        page.goto(server.url + url)
        assert len(charts_drawn(page)) == n_charts, name
        assert page.evaluate(SPILLED) == [], name
        page.screenshot(path=str(artifacts / f"page-{name}.png"), full_page=True)
    page.goto(server.url + "/value")
    assert "No CLV scores yet" not in page.inner_text("main")
    assert len(charts_drawn(page)) >= 2
    page.screenshot(path=str(artifacts / "page-value.png"), full_page=True)
    assert errors == []


def test_click_a_segment_then_change_the_date(page: Page, server: Server, artifacts: Path) -> None:
    errors = watch(page, server)
    log_in(page, server, Role.analyst)
    page.goto(server.url + "/segments/rfm")
    page.click("a.segment-link:text-is('Champions')")
    page.wait_for_selector("#profile")
    assert page.inner_text("#profile h2") == "Champions"
    assert len(charts_drawn(page)) >= 3  # treemap, value bars, features (and mixes)
    assert page.locator("#members tbody tr").count() > 0
    page.screenshot(path=str(artifacts / "page-segment.png"), full_page=True)
    dates = page.eval_on_selector_all("#as-of option", "os => os.map(o => o.value)")
    assert len(dates) == 2
    page.select_option("#as-of", dates[-1])  # the older date (newest first)
    page.wait_for_url(f"**as_of={dates[-1]}**")
    assert page.inner_text("#profile h2") == "Champions"
    assert f"as of {dates[-1]}" in page.inner_text("h1")
    charts_drawn(page)
    page.select_option("#segment-filters select:not([name])", "lifecycle")
    page.wait_for_url("**/segments/lifecycle")
    charts_drawn(page)
    assert errors == []


def test_overview_date_picker_and_treemap_click(page: Page, server: Server) -> None:
    log_in(page, server, Role.viewer)
    dates = page.eval_on_selector_all("#as-of option", "os => os.map(o => o.value)")
    page.select_option("#as-of", dates[-1])
    page.wait_for_url(f"**as_of={dates[-1]}**")
    assert f"as of {dates[-1]}" in page.inner_text("h1")
    charts_drawn(page)
    page.click("a.segment-link >> nth=0")
    page.wait_for_selector("#profile")
    assert "need the analyst role" in page.inner_text("#profile")


def test_customer_360_search_and_log_out(page: Page, server: Server, artifacts: Path) -> None:
    log_in(page, server, Role.admin)
    page.click("nav >> text=Customers")
    page.fill("#q", "0000042")
    page.press("#q", "Enter")
    page.wait_for_url("**q=0000042**")
    page.click("#customers a >> nth=0")
    page.wait_for_selector("#pii")
    assert "@" in page.inner_text("#pii")
    assert page.evaluate(SPILLED) == []
    page.screenshot(path=str(artifacts / "page-customer.png"), full_page=True)
    page.click("#logout")
    page.wait_for_url("**/login")
    page.goto(server.url + "/rfm")
    assert "/login" in page.url


def test_a_treemap_click_opens_the_segment(page: Page, server: Server) -> None:
    errors = watch(page, server)
    log_in(page, server, Role.viewer)
    page.goto(server.url + "/segments/rfm")
    charts_drawn(page)
    # the segments' tiles cover the whole treemap: no frame of its root shows around them
    boxes = page.eval_on_selector_all(
        "#treemap-chart g.slice path.surface",
        "ps => ps.map(p => { const b = p.getBoundingClientRect();"
        " return [b.left, b.top, b.right, b.bottom]; })",
    )
    root, *tiles = boxes
    covered = [min(t[0] for t in tiles), min(t[1] for t in tiles)]
    covered += [max(t[2] for t in tiles), max(t[3] for t in tiles)]
    assert covered == pytest.approx(root, abs=1.5)
    page.click("#treemap-chart g.slice >> nth=1", force=True)
    page.wait_for_url("**segment=**")
    page.wait_for_selector("#profile")
    assert errors == []


def test_the_api_docs_work_without_a_network(page: Page, server: Server, artifacts: Path) -> None:
    errors = watch(page, server)
    page.goto(server.url + "/docs")
    page.wait_for_selector(".swagger-ui .opblock-summary-path")
    paths = page.eval_on_selector_all(
        ".opblock-summary-path", "els => els.map(e => e.getAttribute('data-path'))"
    )
    assert "/api/v1/audiences/{segmentation}/{segment}" in paths and len(paths) == 12
    page.screenshot(path=str(artifacts / "page-docs.png"), full_page=False)
    assert errors == []


NAV_ROWS = """() => new Set(Array.from(document.querySelectorAll('.topbar nav a'))
  .map(a => Math.round(a.getBoundingClientRect().top))).size"""
"""How many rows the menu's links take."""
NAV_WRAPPED = """() => Array.from(document.querySelectorAll('.topbar nav a'))
  .filter(a => a.getClientRects().length > 1 || a.getBoundingClientRect().height > 40)
  .map(a => a.textContent)"""
"""The menu's links whose label wraps onto a second line (a flex row then makes every link
as tall as that one)."""
OVERFLOWING = """() => Array.from(document.querySelectorAll('.card table, .kpi-value, .chart'))
  .filter(e => {
    const box = e.closest('.kpi, .card');
    const scrolls = e.scrollWidth > e.clientWidth + 1
      && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
    return !scrolls && e.getBoundingClientRect().right > box.getBoundingClientRect().right + 1;
  }).map(e => e.id || e.className || e.textContent)"""
"""Tables, KPI values and charts that reach past their card, cut off or hidden behind the
card's scroll bar (a table that scrolls sideways inside itself, on a phone, does not)."""
TITLES_COVERED = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(p => {
  const title = p.querySelector('.gtitle'), legend = p.querySelector('g.legend');
  const chart = p.getBoundingClientRect();
  const outside = Array.from(p.querySelectorAll('.gtitle, .xtitle')).some(e => {
    const b = e.getBoundingClientRect();
    return b.left < chart.left - 1 || b.right > chart.right + 1;
  });
  if (outside) return true;
  if (!title || !legend) return false;
  const t = title.getBoundingClientRect();
  const l = legend.getBoundingClientRect();
  return l.width > 0
    && !(l.bottom <= t.top || l.top >= t.bottom || l.right <= t.left || l.left >= t.right);
}).map(p => p.id)"""
"""Charts whose title or x axis title runs off their edge, or whose title lies under their
legend."""
CONTROL_HEIGHTS = """() => Array.from(
  document.querySelectorAll('.filters select, .filters input:not([type=hidden])')
).map(e => Math.round(e.getBoundingClientRect().height))"""
"""The heights of a page's filter fields (dates, numbers and lists alike)."""

LAID_OUT = [
    "/",
    "/segments/rfm?segment=Champions",
    "/sales/segments",
    "/campaigns",
    "/customers/C0000001",
]


def test_pages_fit_a_laptop_and_a_phone(browser: Browser, server: Server, artifacts: Path) -> None:
    for name, width, height in (("laptop", 1366, 900), ("phone", 390, 844)):
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        errors = watch(page, server)
        log_in(page, server, Role.analyst)  # the widest role badge
        for url in LAID_OUT:
            page.goto(server.url + url)
            if url != LAID_OUT[-1]:
                charts_drawn(page)
            where = f"{url} on a {name}"
            assert page.evaluate(NAV_WRAPPED) == [], where
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width, where
            assert page.evaluate(OVERFLOWING) == [], where
            assert page.evaluate(TITLES_COVERED) == [], where
            assert len(set(page.evaluate(CONTROL_HEIGHTS))) <= 1, where  # dates like selects
        if name == "laptop":
            assert page.evaluate(NAV_ROWS) == 1
        page.screenshot(path=str(artifacts / f"page-{name}.png"), full_page=True)
        page.context.close()
        assert errors == []


FACTS_SPILLED = """() => Array.from(document.querySelectorAll('dl.facts dt, dl.facts dd'))
  .filter(e => e.getBoundingClientRect().right > e.closest('.card').getBoundingClientRect().right)
  .map(e => e.textContent)"""
"""The labels and values of a customer's facts (profile, attributes, features) that reach
past their card."""


def test_a_customers_features_fit_their_card(
    browser: Browser, server: Server, mart: Mart, artifacts: Path
) -> None:
    customers = mart.con.table("customers")
    longest = customers.region.length() + customers.acquisition_channel.length()
    wordy = customers.order_by(longest.desc()).limit(1).customer_id.to_pandas().iloc[0]
    for name, width, height in (("laptop", 1366, 900), ("phone", 390, 844)):
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        log_in(page, server, Role.admin)
        page.goto(f"{server.url}/customers/{wordy}")
        assert page.locator("dl.facts.columns dt").count() > 40  # every feature has its label
        assert page.evaluate(FACTS_SPILLED) == [], name
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(artifacts / f"page-customer-{name}.png"), full_page=True)
        page.context.close()


TREEMAP_BOXES = """() => {
  const chart = document.querySelector('#treemap-chart').getBoundingClientRect();
  const tiles = Array.from(document.querySelectorAll('#treemap-chart g.slice path.surface'))
    .map(t => t.getBoundingClientRect());
  const bar = document.querySelector('#treemap-chart g.colorbar').getBoundingClientRect();
  return {
    chart: chart.width,
    tiles: Math.max(...tiles.map(t => t.right)) - Math.min(...tiles.map(t => t.left)),
    tiles_bottom: Math.max(...tiles.map(t => t.bottom)),
    bar_top: bar.top, bar_bottom: bar.bottom, chart_bottom: chart.bottom,
  };
}"""
"""The widths of the treemap and of its tiles, and where its colour bar lies."""


def test_the_treemaps_colour_bar_leaves_its_tiles_the_width_on_a_phone(
    browser: Browser, server: Server, artifacts: Path
) -> None:
    for name, width, height in (("phone", 390, 844), ("laptop", 1366, 900)):
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        log_in(page, server, Role.viewer)
        page.goto(server.url + "/segments/rfm")
        page.wait_for_selector("#treemap-chart g.colorbar")
        boxes = page.evaluate(TREEMAP_BOXES)
        assert boxes["tiles"] >= 0.9 * boxes["chart"], (name, boxes)  # beside them: half
        assert boxes["tiles_bottom"] <= boxes["bar_top"], (name, boxes)  # under the tiles
        assert boxes["bar_bottom"] <= boxes["chart_bottom"] + 1, (name, boxes)  # not cut off
        page.locator("#treemap-chart").screenshot(path=str(artifacts / f"treemap-{name}.png"))
        page.context.close()


LONG_TITLE = "Share of customers and revenue by segment, per member per year and per month"
"""Chart titles of 4 words to 14 words are cut from it."""


def test_chart_titles_of_any_length_stay_on_a_phone_wide_chart(
    browser: Browser, server: Server
) -> None:
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors = watch(page, server)
    log_in(page, server, Role.viewer)
    words = LONG_TITLE.split(" ")
    titles = [" ".join(words[:n]) for n in range(4, len(words) + 1)]
    page.evaluate(
        """([titles, font]) => {
          const card = document.querySelector('.card');
          titles.forEach((title, i) => {
            const el = document.createElement('div');
            el.className = 'chart'; el.id = 'title-' + i; el.style.height = '300px';
            el.setAttribute('data-figure', JSON.stringify({
              data: [{type: 'bar', x: ['a', 'b'], y: [1, 2]}],
              layout: {title: {text: title, x: 0, xanchor: 'left', font: {size: 15}},
                       font: font, xaxis: {title: {text: title}}, margin: {t: 70}}}));
            card.appendChild(el);
          });
          const again = document.createElement('script');  // draws every chart, these too
          again.src = '/static/app.js';
          document.body.appendChild(again);
        }""",
        [titles, FONT],
    )
    page.wait_for_function(
        "n => document.querySelectorAll('[id^=title-].js-plotly-plot').length === n",
        arg=len(titles),
    )
    assert page.evaluate(TITLES_COVERED) == []
    assert errors == []
    page.context.close()


HEATMAP_BOXES = """id => {
  const chart = document.getElementById(id);
  const box = e => e.getBoundingClientRect();
  const all = selector => Array.from(chart.querySelectorAll(selector)).map(box);
  const cells = box(chart.querySelector('.nsewdrag'));
  const fills = all('g.colorbar rect.cbfill');
  const bar = box(chart.querySelector('g.colorbar'));
  return {
    chart: box(chart).width, chart_left: box(chart).left, chart_right: box(chart).right,
    chart_bottom: box(chart).bottom, cells_right: cells.right,
    x_labels_bottom: Math.max(...all('.xtick text, .g-xtitle text').map(b => b.bottom)),
    fills_top: Math.min(...fills.map(b => b.top)),
    fills_bottom: Math.max(...fills.map(b => b.bottom)),
    bar_title_top: Math.min(...all('g.colorbar .cbtitle text').map(b => b.top)),
    bar_left: bar.left, bar_right: bar.right, bar_bottom: bar.bottom,
  };
}"""
"""Where a heatmap's cells, x axis labels and colour bar (its fill and its title) lie."""


def test_heatmap_colour_bars_leave_their_cells_the_width_on_a_phone(
    browser: Browser, server: Server, artifacts: Path
) -> None:
    for name, width, height in (("phone", 390, 844), ("laptop", 1366, 900)):
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        log_in(page, server, Role.viewer)
        for url, chart in (("/rfm", "rfm-chart"), ("/value", "risk-chart")):
            page.goto(server.url + url)
            page.wait_for_selector(f"#{chart} g.colorbar rect.cbfill")
            boxes = page.evaluate(HEATMAP_BOXES, chart)
            where = (name, chart, boxes)
            # the cells reach near the right edge: the bar beside them took a third of it
            assert boxes["cells_right"] >= boxes["chart_right"] - 0.2 * boxes["chart"], where
            assert boxes["x_labels_bottom"] <= boxes["fills_top"] + 1, where  # under the axis
            assert boxes["fills_bottom"] <= boxes["bar_title_top"], where  # its title under it
            assert boxes["bar_bottom"] <= boxes["chart_bottom"] + 1, where  # not cut off
            assert boxes["chart_left"] - 1 <= boxes["bar_left"], where
            assert boxes["bar_right"] <= boxes["chart_right"] + 1, where
            page.locator(f"#{chart}").screenshot(path=str(artifacts / f"{chart}-{name}.png"))
        page.context.close()


AXIS_AND_TITLE = """id => {
  const chart = document.getElementById(id);
  const box = selector => {
    const b = chart.querySelector(selector).getBoundingClientRect();
    return {left: b.left, right: b.right, top: b.top, bottom: b.bottom};
  };
  return {title: box('.gtitle'), y_title: box('.ytitle'), cells: box('.nsewdrag')};
}"""
"""Where a chart's title, its y axis's title and its plot lie."""


def test_the_value_risk_charts_y_axis_title_keeps_clear_of_its_title_on_a_phone(
    browser: Browser, server: Server, artifacts: Path
) -> None:
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, server, Role.viewer)
    page.goto(server.url + "/value")
    page.wait_for_selector("#risk-chart .ytitle")
    boxes = page.evaluate(AXIS_AND_TITLE, "risk-chart")
    title, y_title, cells = boxes["title"], boxes["y_title"], boxes["cells"]
    assert title["bottom"] <= y_title["top"] or y_title["right"] <= title["left"], boxes
    # beside the cells, no taller than them: a title longer than its axis reached up
    assert cells["top"] - 1 <= y_title["top"] and y_title["bottom"] <= cells["bottom"] + 1, boxes
    page.locator("#risk-chart").screenshot(path=str(artifacts / "risk-chart-phone.png"))
    page.context.close()
