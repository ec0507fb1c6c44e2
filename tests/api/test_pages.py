"""Pages through the test client: login and logout, roles, every page, errors as pages."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import ibis
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from segmint.api import create_app
from segmint.api.render import PLOTLY_PATH
from segmint.api.routes.pages import no_category_mix, no_channel_mix
from segmint.api.sessions import SESSION_COOKIE
from segmint.features.labels import NO_CLV_SCORE
from segmint.insight.channel_sales import NO_CHANNEL
from segmint.mart import connect
from segmint.mart.ingest import ingest
from segmint.mart.shop_settings import set_currency
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token
from segmint.views.customer_view import NO_FEATURES, NO_FEATURES_NOR_ORDERS
from segmint.views.dashboard import NO_ORDERS, NO_SEGMENTATIONS
from segmint.views.scores import NO_CHURN, NO_CLV

from .conftest import SHORT_HISTORY, form_csrf, login, until

CHAMPIONS = "/segments/rfm?segment=Champions"
EXPORT_LINK = 'href="/api/v1/audiences/rfm/Champions?'
NO_EMAIL_CONSENTS = "No e-mail consents are recorded"
PAGES = ["/", "/segments/rfm", "/segments/rfm?segment=Champions", "/rfm", "/migration", "/value"]


def test_pages_send_strangers_to_the_login_form_and_back(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/segments/rfm?as_of=x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/segments/rfm%3Fas_of%3Dx"
    assert 'name="token"' in client.get("/login").text


def test_a_bad_token_is_refused_on_the_form(client: TestClient) -> None:
    client.cookies.clear()
    csrf = form_csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"token": "sgm_nope", "csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 401
    assert "not valid for this mart" in response.text
    assert SESSION_COOKIE not in response.cookies


def test_login_never_redirects_to_another_site(client: TestClient, tokens: dict[Role, str]) -> None:
    client.cookies.clear()
    csrf = form_csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"token": tokens[Role.viewer], "next": "//evil.example/", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_charts_for_a_viewer(
    client: TestClient, tokens: dict[Role, str], url: str
) -> None:
    login(client, tokens[Role.viewer])
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert PLOTLY_PATH in response.text
    if url != "/value":
        assert 'class="chart"' in response.text


def test_overview_shows_kpis_and_what_is_missing(unscored: TestClient) -> None:
    text = unscored.get("/").text
    for label in ("Customers", "Active customers", "Revenue", "Gross margin", "Average CLV"):
        assert label in text
    assert "800 in the base" in text
    assert "segmint clv score" in text


def test_viewers_see_no_customer_rows(client: TestClient, tokens: dict[Role, str]) -> None:
    login(client, tokens[Role.viewer])
    segment = client.get("/segments/rfm?segment=Champions").text
    assert "need the analyst role" in segment and 'id="members"' not in segment
    refused = client.get("/customers")
    assert refused.status_code == 403
    assert "--role analyst" in refused.text
    assert 'href="/customers"' not in client.get("/").text


def test_analysts_see_members_and_customers_admins_see_pii(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.analyst])
    segment = client.get(CHAMPIONS).text
    assert 'id="members"' in segment
    assert EXPORT_LINK in segment and NO_EMAIL_CONSENTS not in segment
    assert "C0000001" in client.get("/customers?q=0000001").text
    analyst_view = client.get("/customers/C0000001").text
    assert "admin role only" in analyst_view and 'id="pii"' not in analyst_view
    assert "Age band" in analyst_view and "Postcode" not in analyst_view
    login(client, tokens[Role.admin])
    admin_view = client.get("/customers/C0000001").text
    assert 'id="pii"' in admin_view and "Postcode" in admin_view


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/segments/nope", 404, "no segmentation named"),
        ("/segments/rfm?segment=Nobody", 404, "no segment"),
        ("/?as_of=2020-13-45", 400, "YYYY-MM-DD"),
        ("/rfm?as_of=1999-01-01", 404, "no features stored as of 1999-01-01"),
        ("/rfm?measure=colour", 422, "measure"),
        ("/segments/rfm?segment=Champions&page=0", 422, "page"),
        ("/customers/nobody", 404, "no customer with id"),
    ],
)
def test_bad_page_parameters_give_an_error_page_not_a_500(
    client: TestClient, tokens: dict[Role, str], url: str, status: int, message: str
) -> None:
    login(client, tokens[Role.admin])
    response = client.get(url)
    assert response.status_code == status
    assert message in response.text
    assert "Traceback" not in response.text


def test_logout_forgets_the_cookie(client: TestClient, tokens: dict[Role, str]) -> None:
    login(client, tokens[Role.viewer])
    csrf = form_csrf(client.get("/").text)
    response = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert (
        SESSION_COOKIE in response.headers["set-cookie"]
        and "Max-Age=0" in response.headers["set-cookie"]
    )


def test_plotly_is_served_from_the_package_with_a_long_cache(client: TestClient) -> None:
    response = client.get(PLOTLY_PATH)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["cache-control"]
    assert len(response.content) > 1_000_000 and b"plotly" in response.content[:2000].lower()


@pytest.fixture(scope="module")
def unscored(mart_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A copy of the demo mart without any stored scores, and a viewer's client."""
    copy = tmp_path_factory.mktemp("unscored") / "demo.duckdb"
    shutil.copy(mart_path, copy)
    with connect(copy, create=False) as mart:
        mart.raw.execute("DELETE FROM scores")
        token = create_token(mart, Role.viewer)
    with TestClient(create_app(mart=copy)) as test_client:
        login(test_client, token)
        yield test_client


@pytest.fixture(scope="module")
def scored_mart(
    mart_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[Role, str]]:
    """A copy of the mart with a ``scores`` table (CLV and P(alive)), and a viewer's and an
    analyst's token."""
    copy = tmp_path_factory.mktemp("scored") / "demo.duckdb"
    shutil.copy(mart_path, copy)
    with connect(copy, create=False) as mart:
        ids = mart.table("customers").customer_id.execute()
        day = pd.Timestamp(mart.table("orders").order_ts.max().execute()).date()
        n = len(ids)
        frame = pd.DataFrame(
            {
                "customer_id": list(ids) * 2,
                "as_of": [day] * (2 * n),
                "model": ["bgnbd"] * (2 * n),
                "score_name": ["clv"] * n + ["p_alive"] * n,
                "value": [float(i) for i in range(n)] + [i / n for i in range(n)],
            }
        )
        schema = mart.con.table("scores").schema()  # created empty by every mart
        mart.con.insert("scores", ibis.memtable(frame).select(*schema.names).cast(schema))
        tokens = {role: create_token(mart, role) for role in (Role.viewer, Role.analyst)}
    return copy, tokens


@pytest.fixture(scope="module")
def scored(scored_mart: tuple[Path, dict[Role, str]]) -> Iterator[TestClient]:
    """The app over the mart with scores, and a viewer's client."""
    copy, tokens = scored_mart
    with TestClient(create_app(mart=copy)) as test_client:
        login(test_client, tokens[Role.viewer])
        yield test_client


def test_value_page_says_what_is_not_computed(unscored: TestClient) -> None:
    text = unscored.get("/value").text
    assert NO_CLV.split(":")[0] in text and NO_CHURN.split(":")[0] in text


def test_value_page_answers_404_for_a_date_without_scores_and_caches_nothing(
    scored: TestClient, mart_path: Path
) -> None:
    with connect(mart_path, create=False) as mart:
        day = pd.Timestamp(mart.table("orders").order_ts.max().execute()).date()
    response = scored.get("/value?as_of=1900-01-01")
    assert response.status_code == 404
    assert f"no scores stored as of 1900-01-01; stored dates: {day.isoformat()}" in response.text
    assert NO_CLV.split(":")[0] not in response.text
    cache = scored.app.state.dashboard.results  # type: ignore[attr-defined]
    assert not any(dt.date(1900, 1, 1) in key for key, _ in cache.items())
    assert scored.get(f"/value?as_of={day.isoformat()}").status_code == 200


def test_value_page_without_scores_answers_404_for_any_date(unscored: TestClient) -> None:
    response = unscored.get("/value?as_of=2024-01-31")
    assert response.status_code == 404
    assert "no scores stored as of 2024-01-31; stored dates: none" in response.text


def test_value_page_reads_stored_scores(scored: TestClient) -> None:
    text = scored.get("/value").text
    assert 'id="clv-chart"' in text and 'id="risk-chart"' in text
    assert NO_CLV.split(":")[0] not in text
    assert "399.50" in text  # mean of 0..799
    assert "Churn risk: churn_risk of churn_gbm as of 2025-12-31." in text  # says its risk
    overview = scored.get("/").text
    assert "399.50" in overview and "not computed" not in overview


def _cells(page: str, section: str) -> list[str]:
    """The text of the first cell of each row (or of each term) in the part of ``page``
    from ``section`` to the end of its table or list."""
    part = html.unescape(page).split(section, 1)[1]
    part = re.split(r"</table>|</dl>", part, maxsplit=1)[0]
    return re.findall(r"<tr><td>([^<]*)</td>|<dt>([^<]*)</dt>", part)


def test_the_360_view_names_scores_and_features_by_their_labels(
    scored_mart: tuple[Path, dict[Role, str]],
) -> None:
    copy, tokens = scored_mart
    with TestClient(create_app(mart=copy)) as analyst:
        login(analyst, tokens[Role.analyst])
        page = analyst.get("/customers/C0000001").text
    scores = [cell for cell, _ in _cells(page, 'id="scores"')]
    assert {"Predicted lifetime value", "Probability still active"} <= set(scores)
    assert [name for name in scores if "_" in name or name[:1].islower()] == []
    features = [term for _, term in _cells(page, "<h2>Features")]
    assert "Days since last order" in features and "Average repeat purchase value" in features
    assert [name for name in features if "_" in name or name[:1].islower()] == []


def _facts(page: str, section: str) -> dict[str, str]:
    """Each label → value of the first list of terms, or of the first table's rows (first
    cell → third cell), after ``section`` in ``page``."""
    part = html.unescape(page).split(section, 1)[1]
    part = re.split(r"</table>|</dl>", part, maxsplit=1)[0]
    terms = re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", part)
    rows = re.findall(r"<tr><td>([^<]*)</td><td>[^<]*</td><td class=\"num\">([^<]*)</td>", part)
    return dict(terms or rows)


WHOLE = re.compile(r"\d{1,3}(,\d{3})*")
MONEY = re.compile(r"-?\d{1,3}(,\d{3})*\.\d\d")
SHARE = re.compile(r"\d{1,3}\.\d%")


def test_the_360_view_shows_counts_whole_money_with_cents_and_shares_as_percentages(
    scored_mart: tuple[Path, dict[Role, str]],
) -> None:
    copy, tokens = scored_mart
    with TestClient(create_app(mart=copy)) as analyst:
        login(analyst, tokens[Role.analyst])
        page = analyst.get("/customers/C0000001").text
    features = _facts(page, "<h2>Features")
    for count in ("Orders", "Orders, last 365 days", "Days since last order", "Site visits"):
        assert WHOLE.fullmatch(features[count]), (count, features[count])  # "5", not "5.00"
    for money in ("Total spend", "Spend, last 365 days", "Average repeat purchase value"):
        assert MONEY.fullmatch(features[money]), (money, features[money])
    for share in ("Return rate", "Share of orders on the web"):
        assert SHARE.fullmatch(features[share]), (share, features[share])
    scores = _facts(page, 'id="scores"')
    assert MONEY.fullmatch(scores["Predicted lifetime value"])  # two decimals, not three
    assert SHARE.fullmatch(scores["Probability still active"])


def test_a_segment_names_its_features_by_their_labels(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.viewer])
    page = client.get(CHAMPIONS).text
    features = [cell for cell, _ in _cells(page, '<th>Feature</th><th class="num">Segment')]
    tests = [cell for cell, _ in _cells(page, "<th>Feature</th><th>Test")]
    assert features and tests
    assert [name for name in features + tests if "_" in name or name[:1].islower()] == []


@pytest.fixture(scope="module")
def unconsented(
    mart_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Path]]:
    """A copy of the demo mart without any e-mail consent, served with a look for new
    snapshots every 50 ms; an analyst's client and the copy's path."""
    copy = tmp_path_factory.mktemp("unconsented") / "demo.duckdb"
    shutil.copy(mart_path, copy)
    with connect(copy, create=False) as mart:
        mart.raw.execute("DELETE FROM consents WHERE lower(trim(channel)) = 'email'")
        token = create_token(mart, Role.analyst)
    with TestClient(create_app(mart=copy, watch_interval=0.05)) as test_client:
        login(test_client, token)
        yield test_client, copy


def test_without_email_consents_the_explorer_says_how_to_load_them_instead_of_a_dead_link(
    unconsented: tuple[TestClient, Path], tmp_path: Path
) -> None:
    client, path = unconsented
    page = client.get(CHAMPIONS).text
    assert NO_EMAIL_CONSENTS in page and "segmint ingest consents FILE" in page
    assert EXPORT_LINK not in page and 'id="members"' in page
    assert client.get("/api/v1/audiences/rfm/Champions?format=csv").status_code == 400
    person = page.split('href="/customers/', 1)[1].split('"', 1)[0]
    consents = tmp_path / "consents.csv"
    consents.write_text(
        f"customer_id,channel,granted,source,updated_at\n{person},email,true,app,2026-01-01\n",
        encoding="utf-8",
    )
    with connect(path, create=False) as mart:
        assert ingest(mart, "consents", consents).rows_loaded == 1
    until(lambda: EXPORT_LINK in client.get(CHAMPIONS).text, "the export link after the load")
    assert NO_EMAIL_CONSENTS not in client.get(CHAMPIONS).text
    audience = client.get("/api/v1/audiences/rfm/Champions?format=csv")
    assert audience.status_code == 200 and person in audience.text


FOOTNOTE = "figures as of the date shown"


def test_an_address_no_page_serves_says_so(client: TestClient, tokens: dict[Role, str]) -> None:
    login(client, tokens[Role.viewer])
    response = client.get("/segmnets/rfm")
    assert response.status_code == 404
    assert "There is no page at /segmnets/rfm." in response.text
    assert "Not Found" not in response.text  # not "Not found" twice
    # the footnote on figures belongs to pages that show figures
    assert FOOTNOTE not in response.text and FOOTNOTE not in client.get("/login").text
    assert FOOTNOTE in client.get("/rfm").text


def test_pages_without_money_of_the_year_do_not_say_they_show_it(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.viewer])
    for page in ("/rfm", "/migration", "/value", "/sales/channels", "/sales/segments"):
        text = client.get(page).text
        assert FOOTNOTE in text and "365 days" not in text, page
    assert "money over the 365 days to that date" in client.get("/").text


def test_an_unknown_customer_page_points_to_the_search_page_not_the_api(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.analyst])
    response = client.get("/customers/nobody")
    assert response.status_code == 404
    assert "no customer with id &#39;nobody&#39;" in response.text
    assert "Customers page (/customers)" in response.text
    assert "/api/v1/customers" not in response.text
    api = client.get("/api/v1/customers/nobody")  # the API still names its own search
    assert api.status_code == 404 and "/api/v1/customers?q=" in api.json()["detail"]


def test_customer_search_shows_signup_days_not_midnights(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.analyst])
    text = client.get("/customers").text
    assert re.search(r'<td class="date">\d{4}-\d\d-\d\d</td>', text)
    assert "00:00:00" not in text


def test_campaign_dates_stay_on_one_line_and_roi_says_its_unit(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    login(client, tokens[Role.analyst])
    text = html.unescape(client.get("/campaigns").text)
    table = text.split('id="campaign-table"', 1)[1].split("</table>", 1)[0]
    starts = re.findall(r"<td( class=\"date\")?>(\d{4}-\d\d-\d\d)</td>", table)
    assert starts and all(cls for cls, _ in starts)  # td.date: never broken after "2025-"
    assert "ROI (×\u00a0cost)" in table  # a ratio to the contacts' cost, as docs/campaigns.md


@pytest.fixture(scope="module")
def unsegmented(mart_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A copy of the demo mart as a load of one orders file leaves it: orders without a
    sales channel and no segmentation stored, and a viewer's client."""
    yield from _client_of_a_copy(
        mart_path,
        tmp_path_factory.mktemp("unsegmented"),
        "DELETE FROM assignments",
        "DELETE FROM segmentations",
        "UPDATE orders SET channel = NULL",
    )


def _client_of_a_copy(
    mart_path: Path, folder: Path, *statements: str, role: Role = Role.viewer
) -> Iterator[TestClient]:
    """A client of ``role`` (a viewer by default) of a copy of the demo mart in ``folder``
    after ``statements``."""
    copy = folder / "demo.duckdb"
    shutil.copy(mart_path, copy)
    with connect(copy, create=False) as mart:
        for statement in statements:
            mart.raw.execute(statement)
        token = create_token(mart, role)
    with TestClient(create_app(mart=copy)) as test_client:
        login(test_client, token)
        yield test_client


def test_before_anything_is_segmented_the_overview_says_what_to_run(
    unsegmented: TestClient,
) -> None:
    response = unsegmented.get("/")  # where everyone lands after logging in
    assert response.status_code == 200
    assert html.unescape(response.text).count(NO_SEGMENTATIONS) == 1
    assert "Not found" not in response.text and 'id="empty"' in response.text
    assert unsegmented.get("/rfm").status_code == 200  # the pages it names work
    assert unsegmented.get("/sales/channels").status_code == 200


def test_before_anything_is_segmented_the_overview_links_to_no_overview_nor_figures(
    unsegmented: TestClient,
) -> None:
    text = html.unescape(unsegmented.get("/").text)
    assert "Nothing segmented yet" in text and "Back to the overview" not in text
    assert "figures as of the date shown" not in text  # it shows none


@pytest.mark.parametrize("url", ["/segments", "/migration", "/sales/segments"])
def test_before_anything_is_segmented_the_segment_pages_say_what_to_run(
    unsegmented: TestClient, url: str
) -> None:
    response = unsegmented.get(url)
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert text.count(NO_SEGMENTATIONS) == 1 and 'id="empty"' in text
    assert '<a href="/">Back to the overview</a>' in text
    assert "Not found" not in text


@pytest.mark.parametrize(
    "url", ["/segments/nope", "/migration?segmentation=nope", "/sales/segments?segmentation=nope"]
)
def test_before_anything_is_segmented_an_unknown_segmentation_is_not_found(
    unsegmented: TestClient, url: str
) -> None:
    response = unsegmented.get(url)
    assert response.status_code == 404
    assert "no segmentation named 'nope'; stored: none yet" in html.unescape(response.text)


def _notices(page: str) -> list[str]:
    """The text of every notice on ``page``."""
    return re.findall(r'<div class="notice">([^<]*)</div>', html.unescape(page))


def test_orders_without_a_channel_say_so_and_how_to_record_one(unsegmented: TestClient) -> None:
    response = unsegmented.get("/sales/channels")
    assert response.status_code == 200
    assert _notices(response.text) == [NO_CHANNEL]
    assert 'name="segmentation"' not in response.text  # no empty choice of segmentation
    assert 'id="channel-table"' not in response.text  # no split into one "unknown" channel
    assert "docs/ingest.md" in NO_CHANNEL and "orders.csv" in NO_CHANNEL


def test_notices_start_with_a_capital(unsegmented: TestClient) -> None:
    notices = _notices(unsegmented.get("/sales/channels?start=1990-01-01&end=1990-02-01").text)
    assert notices == ["No purchases in the range."]


@pytest.fixture(scope="module")
def unrecorded(mart_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A copy of the demo mart, segmented, whose orders carry no sales channel, whose
    products no category (as a load of one transactions file leaves them), whose
    customers no region and all but one no acquisition channel, and an analyst's client
    (who sees customer lists)."""
    yield from _client_of_a_copy(
        mart_path,
        tmp_path_factory.mktemp("unrecorded"),
        "UPDATE orders SET channel = NULL",
        "UPDATE products SET category = NULL",
        "UPDATE customers SET region = NULL",
        # only the last customer by id has a channel: on no page but the last
        "UPDATE customers SET acquisition_channel = NULL "
        "WHERE customer_id <> (SELECT max(customer_id) FROM customers)",
        role=Role.analyst,
    )


def test_a_segment_without_recorded_channels_or_categories_says_so_instead_of_a_chart(
    unrecorded: TestClient, client: TestClient, tokens: dict[Role, str]
) -> None:
    text = html.unescape(unrecorded.get(CHAMPIONS).text)
    assert 'id="channel-chart"' not in text and 'id="category-chart"' not in text
    assert no_channel_mix(None) in text and no_category_mix(None) in text
    login(client, tokens[Role.viewer])
    recorded = html.unescape(client.get(CHAMPIONS).text)  # the same segment, recorded
    assert 'id="channel-chart"' in recorded and 'id="category-chart"' in recorded
    assert no_channel_mix(None) not in recorded and no_category_mix(None) not in recorded


def test_value_tiers_show_the_customers_without_a_clv_score_for_what_they_are(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    with connect(mart_path, create=False) as mart:
        a = mart.table("assignments")
        unscored = a.filter((a.segmentation == "value") & (a.segment == "unassigned"))
        prospect = str(unscored.customer_id.min().execute())
    login(client, tokens[Role.analyst])
    page = html.unescape(client.get("/segments/value").text)
    names = re.findall(r'class="segment-link" href="[^"]*">([^<]*)</a>', page)
    assert NO_CLV_SCORE in names and "unassigned" not in names
    assert "segment=unassigned" in page  # the link keeps the stored segment
    assert '"labels":["top 1%"' in page and "unassigned" not in page.split('"labels":', 1)[1][:400]
    profile = html.unescape(client.get("/segments/value?segment=unassigned").text)
    assert f"<h2>{NO_CLV_SCORE}</h2>" in profile
    customer = html.unescape(client.get(f"/customers/{prospect}").text)
    assert f"<td>value</td><td>{NO_CLV_SCORE}</td>" in customer
    overview = html.unescape(client.get("/?segmentation=value").text)
    assert NO_CLV_SCORE in overview and ">unassigned<" not in overview


@pytest.fixture(scope="module")
def unscored_earlier(
    mart_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A copy of the demo mart whose value tiers are also stored 30 days earlier, with every
    customer then without a CLV score, and an analyst's client."""
    yield from _client_of_a_copy(
        mart_path,
        tmp_path_factory.mktemp("unscored_earlier"),
        "INSERT INTO assignments SELECT segmentation, version, "
        "CAST(as_of - INTERVAL 30 DAY AS DATE), customer_id, 'unassigned' "
        "FROM assignments WHERE segmentation = 'value'",
        role=Role.analyst,
    )


def test_migration_and_segment_sales_show_value_tiers_without_a_score_for_what_they_are(
    unscored_earlier: TestClient,
) -> None:
    raw = unscored_earlier.get("/migration?segmentation=value").text
    page = html.unescape(raw)
    nodes = json.loads(raw.split('"label":', 1)[1].split("]", 1)[0] + "]")
    assert NO_CLV_SCORE in nodes and "unassigned" not in nodes
    moves = re.findall(r"<li>([^<]*)</li>", page.split('class="flows"', 1)[1].split("</ol>")[0])
    assert moves and all(m.split(" ", 1)[1].startswith(f"{NO_CLV_SCORE} became ") for m in moves)
    matrix = page.split("From → to (customers)", 1)[1]
    assert f"<td>{NO_CLV_SCORE}</td>" in matrix and "unassigned" not in matrix
    sales = unscored_earlier.get("/sales/segments?segmentation=value&membership=at_purchase")
    text = html.unescape(sales.text)
    totals = text.split('id="segment-sales-table"', 1)[1].split("</table>", 1)[0]
    assert f"<td>{NO_CLV_SCORE}</td>" in totals and "unassigned" not in totals
    assert f'"name":"{NO_CLV_SCORE}"' in sales.text and '"name":"unassigned"' not in sales.text
    assert "segmentation=value" in text  # links and the download keep the stored names
    csv = unscored_earlier.get(
        "/api/v1/sales/segments?segmentation=value&membership=at_purchase&format=csv"
    )
    assert "unassigned" in csv.text and NO_CLV_SCORE not in csv.text


def _headings(page: str, table: str) -> list[str]:
    """The column headings of the table with id ``table`` in ``page``."""
    head = page.split(f'id="{table}"', 1)[1].split("</thead>", 1)[0]
    return re.findall(r"<th[^>]*>([^<]*)</th>", html.unescape(head))


def test_a_column_nothing_is_recorded_in_is_left_out_and_the_page_says_why_once(
    unrecorded: TestClient, client: TestClient, tokens: dict[Role, str]
) -> None:
    segment = html.unescape(unrecorded.get(CHAMPIONS).text)
    assert _headings(segment, "top-products") == ["Product", "Revenue", "Buyers"]
    assert (
        segment.count("No product here has its category recorded, so that column is left out.") == 1
    )
    customer = html.unescape(unrecorded.get("/customers/C0000001").text)
    assert "Channel" not in _headings(customer, "orders")
    assert (
        customer.count("No order here has its channel recorded, so that column is left out.") == 1
    )
    customers = html.unescape(unrecorded.get("/customers").text)  # the first 25: no channel
    assert _headings(customers, "customers") == ["Customer", "Signed up", "Country", "Acquired via"]
    assert customers.count("No customer has its region recorded, so that column is left out.") == 1
    login(client, tokens[Role.analyst])  # the same pages where everything is recorded
    assert "Category" in _headings(html.unescape(client.get(CHAMPIONS).text), "top-products")
    recorded = html.unescape(client.get("/customers/C0000001").text)
    assert "Channel" in _headings(recorded, "orders") and "left out" not in recorded
    assert "Region" in _headings(html.unescape(client.get("/customers").text), "customers")


@pytest.mark.parametrize("url", ["/sales/channels", "/sales/segments"])
def test_sales_periods_stay_on_one_line(
    client: TestClient, tokens: dict[Role, str], url: str
) -> None:
    login(client, tokens[Role.analyst])
    text = client.get(url).text
    periods = re.findall(r"<tr><td( class=\"date\")?>(\d{4}-\d\d-\d\d)</td>", text)
    assert periods and all(cls for cls, _ in periods)  # td.date: never broken after "2025-"


def _kpis(page: str) -> dict[str, tuple[str, str]]:
    """Every KPI of ``page``: its label → (value, hint)."""
    found = re.findall(
        r'<div class="kpi-label">([^<]*)</div><div class="kpi-value">([^<]*)</div>'
        r'(?:<div class="kpi-hint">([^<]*)</div>)?',
        html.unescape(page),
    )
    return {label: (value, hint) for label, value, hint in found}


def test_a_kpi_not_computed_shows_a_dash_and_says_why_like_an_unknown_margin(
    unscored: TestClient,
) -> None:
    kpis = _kpis(unscored.get("/").text)
    assert kpis["Average CLV"] == ("—", "not computed: run `segmint clv score`")
    assert kpis["Customers"][0] != "—"  # the figures that are computed are shown


def test_a_customers_money_is_in_the_shops_currency_and_their_counts_are_not(
    in_euros: tuple[TestClient, Path, dict[Role, str]],
) -> None:
    client, _, tokens = in_euros
    login(client, tokens[Role.analyst])
    page = html.unescape(client.get("/customers/C0000001").text)
    facts = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", page))
    for money in ("Total spend", "Average order value", "Spend, last 365 days"):
        assert re.fullmatch(r"-?€[\d,]+\.\d\d", facts[money]), (money, facts[money])
    for plain in ("Orders", "Days since last order", "Orders, last 365 days"):
        assert "€" not in facts[plain] and facts[plain] != "—", (plain, facts[plain])
    orders = page.split('id="orders"', 1)[1].split("</table>", 1)[0]
    values = re.findall(r'<td class="num">([^<]*)</td>', orders)
    assert values and all(re.fullmatch(r"-?€[\d,]+\.\d\d", v) for v in values), values
    scores = dict(re.findall(r"<td>([^<]*)</td><td>[^<]*</td><td class=\"num\">([^<]*)</td>", page))
    assert scores["Predicted lifetime value"].startswith("€")
    assert "€" not in scores["Probability still active"]


def test_pages_show_money_in_the_shops_currency_and_see_it_change(
    in_euros: tuple[TestClient, Path, dict[Role, str]],
) -> None:
    client, path, tokens = in_euros
    login(client, tokens[Role.viewer])
    page = html.unescape(client.get("/").text)
    assert _kpis(page)["Revenue"][0].startswith("€")
    assert "money over the 365 days to that date, in EUR</footer>" in page
    segments = html.unescape(client.get("/segments/rfm").text)
    assert "Revenue per member / year (EUR)" in segments  # the treemap's colour bar
    with connect(path, create=False) as mart:
        set_currency(mart, "GBP", "cli:test")
    until(lambda: "in GBP</footer>" in client.get("/").text, "the new currency in the footer")
    assert _kpis(client.get("/").text)["Revenue"][0].startswith("£")
    assert "Revenue per member / year (GBP)" in client.get("/segments/rfm").text


def test_the_sales_and_campaign_charts_name_the_shops_currency(
    in_euros: tuple[TestClient, Path, dict[Role, str]],
) -> None:
    client, _, tokens = in_euros
    login(client, tokens[Role.viewer])
    found = re.search(r"in ([A-Z]{3})</footer>", html.unescape(client.get("/").text))
    assert found is not None
    code = found.group(1)  # EUR, or GBP once the test that changes it has run
    channels = html.unescape(client.get("/sales/channels").text)
    assert f"Revenue ({code})" in channels and f"AOV ({code})" in channels
    assert f"Revenue ({code})" in html.unescape(client.get("/sales/segments").text)
    campaigns = html.unescape(client.get("/campaigns").text)
    assert f"Revenue per member, target minus control ({code})" in campaigns
    assert f"Conversion, target minus control ({code})" not in campaigns


@pytest.fixture(scope="module")
def short_pages(
    short_history: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, str]]:
    """The pages of the :func:`short_history` mart as of its dates ("few": 90 days of orders,
    "year": a whole year), as an analyst sees them (member lists included): for each, the
    overview and the page of its largest segment, unescaped."""
    path = tmp_path_factory.mktemp("short_pages") / "cdnow.duckdb"
    source, largest = short_history
    shutil.copy(source, path)
    with connect(path, create=False) as mart:
        token = create_token(mart, Role.analyst, "short history")
    shown: dict[str, dict[str, str]] = {}
    with TestClient(create_app(mart=path)) as short:
        login(short, token)
        for key, day in SHORT_HISTORY.items():
            params = {"as_of": day, "segment": largest[key]}
            shown[key] = {
                "segment": html.unescape(short.get("/segments/rfm", params=params).text),
                "overview": html.unescape(short.get("/", params={"as_of": day}).text),
            }
    return shown


def test_a_segment_page_of_a_few_months_of_orders_says_over_how_many_days(
    short_pages: dict[str, dict[str, str]],
) -> None:
    hint = re.compile(r'Revenue / member</div><div class="kpi-value">[^<]*</div>'
                      r'<div class="kpi-hint">([^<]*)<')  # fmt: skip
    few, year = short_pages["few"]["segment"], short_pages["year"]["segment"]
    assert hint.findall(few) == ["over 90 days"]
    assert "Revenue / member over 90 days" in few and "Value per member over 90 days" in few
    assert "per year" not in few and "/ year" not in few
    assert hint.findall(year) == ["per year"]
    assert "Revenue per member / year" in year and "Value per member per year" in year


def test_a_few_months_of_orders_are_named_in_the_tables_and_products_not_the_year(
    short_pages: dict[str, dict[str, str]],
) -> None:
    (few, few_overview), (year, year_overview) = (
        (pages["segment"], pages["overview"]) for pages in short_pages.values()
    )
    for text in (few, few_overview):
        assert '<th class="num">Revenue / member over 90 days</th>' in text
    assert "Top products over 90 days</h3>" in few
    assert '<th class="num">Spend over 90 days</th>' in few
    assert "products in the year" not in few and "Spend in the year" not in few
    for text in (year, year_overview):
        assert '<th class="num">Revenue / member per year</th>' in text
    assert "Top products in the year</h3>" in year
    assert '<th class="num">Spend in the year</th>' in year


def test_the_overview_of_a_few_months_of_orders_says_over_how_many_days(
    short_pages: dict[str, dict[str, str]],
) -> None:
    hints = re.compile(r'<div class="kpi-label">(Active customers|Revenue)</div>'
                       r'<div class="kpi-value">[^<]*</div><div class="kpi-hint">([^<]*)<')  # fmt: skip
    few, year = short_pages["few"]["overview"], short_pages["year"]["overview"]
    assert [h for _, h in hints.findall(few)][1] == "over 90 days to 1997-03-31"
    assert hints.findall(few)[0][1].endswith(" ordered over 90 days")
    assert "in the year" not in few and "365 days" not in few
    assert [h for _, h in hints.findall(year)][1] == "365 days to 1998-06-30"
    assert hints.findall(year)[0][1].endswith(" ordered in the year")


def test_the_footers_of_a_few_months_of_orders_say_over_how_many_days(
    short_pages: dict[str, dict[str, str]],
) -> None:
    for page in ("overview", "segment"):
        assert "money over 90 days to that date" in short_pages["few"][page]
        assert "over the 365 days" not in short_pages["few"][page]
        assert "money over the 365 days to that date" in short_pages["year"][page]


def test_a_segment_without_recorded_channels_or_categories_names_the_days_it_looked_at(
    short_pages: dict[str, dict[str, str]],
) -> None:
    # CDNOW's orders carry no channel and its products no category
    few, year = short_pages["few"]["segment"], short_pages["year"]["segment"]
    assert no_channel_mix(90) in few and no_category_mix(90) in few
    assert "Orders by channel: no order over 90 days has a recorded sales channel." in few
    assert "no purchase over 90 days has a recorded product category." in few
    assert no_channel_mix(None) in year and no_category_mix(None) in year


@pytest.fixture(scope="module")
def orderless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """A mart with customers and no orders (as the first load of a customers file leaves
    it), a client of the app over it logged in as an analyst, and the analyst's token."""
    folder = tmp_path_factory.mktemp("orderless")
    customers = folder / "customers.csv"
    customers.write_text("customer_id,signup_date\nC1,2024-01-01\nC2,2024-02-01\n")
    with connect(folder / "mart.duckdb") as mart:
        ingest(mart, "customers", customers)
        token = create_token(mart, Role.analyst, "no orders")
    with TestClient(create_app(mart=folder / "mart.duckdb")) as test_client:
        login(test_client, token)
        yield test_client, token


ORDERLESS_PAGES = [
    "/",
    "/segments",
    "/rfm",
    "/rfm?as_of=2024-03-01",
    "/migration",
    "/value",
    "/value?as_of=2024-03-01",
    "/campaigns",
    "/sales/channels",
    "/sales/channels?start=2024-01-01",
    "/sales/channels?start=2024-01-01&end=2024-03-01",
    "/sales/segments",
    "/baskets",
]


@pytest.mark.parametrize("url", ORDERLESS_PAGES)
def test_a_mart_without_orders_says_to_load_them_not_to_pass_a_date(
    orderless: tuple[TestClient, str], url: str
) -> None:
    client, _ = orderless
    response = client.get(url)
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert _notices(response.text) == [NO_ORDERS] and 'id="empty"' in text
    assert "`segmint ingest orders FILE`" in NO_ORDERS
    assert "--as-of" not in text and "segmint segment rfm" not in text
    assert ".duckdb" not in text  # not the path of the server's copy of the mart


@pytest.mark.parametrize(
    "url",
    ["/api/v1/sales/channels", "/api/v1/sales/channels?end=2024-03-01", "/api/v1/sales/segments"],
)
def test_the_sales_api_of_a_mart_without_orders_says_to_load_them(
    orderless: tuple[TestClient, str], url: str
) -> None:
    client, token = orderless
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.json() == {"detail": NO_ORDERS}


def test_customers_of_a_mart_without_orders_are_still_listed(
    orderless: tuple[TestClient, str],
) -> None:
    client, _ = orderless
    response = client.get("/customers")
    assert response.status_code == 200 and "C2" in response.text


def test_a_customer_of_a_mart_without_orders_is_told_to_load_them_before_features(
    orderless: tuple[TestClient, str],
) -> None:
    client, token = orderless
    page_text = html.unescape(client.get("/customers/C1").text)
    assert NO_FEATURES_NOR_ORDERS in page_text and NO_FEATURES not in page_text
    answer = client.get("/api/v1/customers/C1", headers={"Authorization": f"Bearer {token}"})
    assert NO_FEATURES_NOR_ORDERS in answer.json()["notes"]


def test_orders_loaded_into_a_served_mart_show_at_the_next_request(tmp_path: Path) -> None:
    # The server's catalogue is kept until the warmer finds the mart changed: a "no orders"
    # kept with it would go on showing the notice after the load.
    path = tmp_path / "mart.duckdb"
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,signup_date\nC1,2024-01-01\nC2,2024-02-01\n")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,order_ts,amount\no1,C1,2024-03-01,10\n")
    with connect(path) as mart:
        ingest(mart, "customers", customers)
        token = create_token(mart, Role.viewer, "first orders")
    app = create_app(mart=path, watch_interval=3600)  # switched below, not by the watcher
    with TestClient(app) as client:
        login(client, token)
        assert _notices(client.get("/rfm").text) == [NO_ORDERS]
        with connect(path, create=False) as mart:
            ingest(mart, "orders", orders)
        assert app.state.pool.refresh()  # the server now reads the snapshot with the orders
        response = client.get("/rfm")
    assert response.status_code == 200
    assert NO_ORDERS not in html.unescape(response.text) and 'class="chart"' in response.text
