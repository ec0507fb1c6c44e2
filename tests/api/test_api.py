"""The REST API: every endpoint for every role, 401/403, bad input → 4xx, CLI-equal numbers."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient
from pydantic import BaseModel
from typer.testing import CliRunner

from segmint.api import create_app
from segmint.api.auth import Role
from segmint.api.routes.segmentations import detail_of
from segmint.api.schemas import Customer360Out, CustomerList, CustomerRow, Persona
from segmint.cli.main import app as cli
from segmint.insight.money import COST_DEPENDENT
from segmint.mart import connect
from segmint.mart.privacy.journal import pending
from segmint.mart.tokens import create_token
from segmint.segmentation import store
from segmint.serving.customer_lookup import customers_by_id
from segmint.views.customer_view import customer_360
from segmint.views.customers import member_ids
from segmint.views.dashboard import Dashboard
from segmint.workflows.segment import run_rfm

from .conftest import SHORT_HISTORY, bearer

ENDPOINTS = {
    "/api/v1/health": Role.viewer,
    "/api/v1/segmentations": Role.viewer,
    "/api/v1/segmentations/rfm": Role.viewer,
    "/api/v1/segmentations/rfm/migration": Role.viewer,
    "/api/v1/customers?q=C00&limit=5": Role.analyst,
    "/api/v1/customers/C0000001": Role.analyst,
    "/api/v1/audiences/rfm/Champions": Role.analyst,
    "/api/v1/audiences/rfm/Champions?format=csv&channel=sms": Role.analyst,
}


@pytest.mark.parametrize("url", list(ENDPOINTS))
@pytest.mark.parametrize("role", list(Role))
def test_every_endpoint_answers_the_roles_allowed_and_refuses_the_others(
    client: TestClient, tokens: dict[Role, str], url: str, role: Role
) -> None:
    response = client.get(url, headers=bearer(tokens[role]))
    if role.allows(ENDPOINTS[url]):
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403
        assert f"your role '{role.value}'" in response.json()["detail"]
        assert f"--role {ENDPOINTS[url].value}" in response.json()["detail"]


@pytest.mark.parametrize("url", list(ENDPOINTS))
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer sgm_not-a-token"}, {"Authorization": "Basic abc"}],
    ids=["missing", "unknown", "not-bearer"],
)
def test_missing_or_bad_tokens_get_401(
    client: TestClient, url: str, headers: dict[str, str]
) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == 401
    assert "token" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


BAD = [
    ("/api/v1/segmentations/nope", 404, "no segmentation named 'nope'; stored: "),
    ("/api/v1/segmentations/rfm?as_of=yesterday", 400, "YYYY-MM-DD"),
    ("/api/v1/segmentations/rfm?as_of=1999-01-01", 404, "no results as of 1999-01-01"),
    ("/api/v1/segmentations/rfm/migration?from=2999-01-01", 404, "stored dates"),
    ("/api/v1/segmentations/nope/migration", 404, "no segmentation named"),
    ("/api/v1/customers?limit=100000", 422, "limit"),
    ("/api/v1/customers?limit=0", 422, "limit"),
    ("/api/v1/customers?offset=-1", 422, "offset"),
    ("/api/v1/customers?limit=ten", 422, "limit"),
    ("/api/v1/customers?segment=Champions", 400, "segment needs the segmentation it belongs"),
    ("/api/v1/customers?segmentation=rfm", 400, "needs a segment too: add segment=NAME"),
    ("/api/v1/customers?segmentation=rfm&q=C1", 400, "needs a segment too: add segment=NAME"),
    ("/api/v1/customers?as_of=9999-99-99", 400, "as_of must be a date written YYYY-MM-DD"),
    ("/api/v1/customers?as_of=%27%20OR%201%3D1%20--", 400, 'got "\' OR 1=1 --"'),
    ("/api/v1/customers?as_of=2025-01-01", 400, "as_of is the date of the segment filter"),
    ("/api/v1/customers?q=C1&as_of=2025-01-01", 400, "add segmentation=NAME and segment=NAME"),
    ("/api/v1/sales/channels?start=9999-99-99", 400, "start must be a date written YYYY-MM-DD"),
    ("/api/v1/sales/channels?end=NaN", 400, "end must be a date written YYYY-MM-DD; got 'NaN'"),
    ("/api/v1/campaigns?end=NaN", 400, "end must be a date written YYYY-MM-DD"),
    ("/api/v1/campaigns?start=x", 400, "Example: start=2024-12-31."),
    ("/api/v1/segmentations/rfm/migration?from=-1", 400, "from must be a date written"),
    ("/api/v1/segmentations/rfm/migration?to=-1", 400, "to must be a date written"),
    ("/api/v1/segmentations/rfm/migration?to=x", 400, "Example: to=2024-12-31."),
    ("/api/v1/customers/no-such-customer", 404, "no customer with id 'no-such-customer'"),
    ("/api/v1/audiences/rfm/Nobody", 404, "no segment 'Nobody'"),
    ("/api/v1/audiences/rfm/Champions?format=xml", 422, "format"),
    ("/api/v1/segmentations/rfm/migration?top=0", 422, "top"),
]


@pytest.mark.parametrize(("url", "status", "message"), BAD)
def test_bad_parameters_get_a_4xx_with_a_message_never_a_500(
    client: TestClient, tokens: dict[Role, str], url: str, status: int, message: str
) -> None:
    response = client.get(url, headers=bearer(tokens[Role.admin]))
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert message in detail
    assert "Traceback" not in detail


def test_same_dates_in_both_directions_is_a_400(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    dates = client.get("/api/v1/segmentations/rfm", headers=bearer(tokens[Role.viewer])).json()
    day = dates["dates"][-1]
    response = client.get(
        f"/api/v1/segmentations/rfm/migration?from={day}&to={day}",
        headers=bearer(tokens[Role.viewer]),
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert f"'from' must be before 'to'; got from={day} and to={day}" in detail
    assert "--" not in detail


def test_segmentations_list_matches_the_store(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    body = client.get("/api/v1/segmentations", headers=bearer(tokens[Role.viewer])).json()
    assert body["count"] == len(body["data"])
    names = {row["segmentation"]: row for row in body["data"]}
    assert set(names) == {"rfm", "lifecycle", "demo_rules", "value", "clusters"}
    assert names["rfm"]["n_as_of"] == 2 and names["demo_rules"]["n_as_of"] == 1
    only_rules = client.get(
        "/api/v1/segmentations?kind=rules", headers=bearer(tokens[Role.viewer])
    ).json()
    assert [r["segmentation"] for r in only_rules["data"]] == ["demo_rules"]


def test_segmentation_detail_gives_the_numbers_of_segmint_profile(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    api = client.get("/api/v1/segmentations/rfm", headers=bearer(tokens[Role.viewer])).json()
    cli_run = CliRunner().invoke(
        cli, ["profile", "rfm", "--format", "json", "--mart", str(mart_path)]
    )
    # the app holds the mart open; the CLI opens it read-write in-process through DuckDB's
    # shared instance cache, so both see the same file
    assert cli_run.exit_code == 0, cli_run.output
    expected = json.loads(cli_run.stdout)
    assert api["as_of"] == expected["as_of"]
    assert api["n_base"] == expected["n_base"]
    ours = {s["segment"]: s for s in api["segments"]}
    for row in expected["segments"]:
        mine = ours[row["segment"]]
        for key in ("members", "revenue", "gross_margin", "profit", "value_rank"):
            assert mine[key] == pytest.approx(row[key]), (row["segment"], key)
    assert sum(s["members"] for s in api["segments"]) == api["n_base"]
    # the same fields as the command's segments (the value ladder's what-ifs included), and
    # the same portfolio, so a program can move from one to the other
    assert {k for k in api["segments"][0] if k != "persona"} == set(expected["segments"][0])
    assert api["portfolio"] == pytest.approx(expected["portfolio"])
    for row in expected["segments"]:
        mine = ours[row["segment"]]
        for key in ("step_up_revenue", "grow_revenue", "movers", "repeat_share"):
            assert mine[key] == pytest.approx(row[key], nan_ok=True), (row["segment"], key)
        assert mine["next_segment"] == row["next_segment"]
    assert api["notes"] == []
    cards = {s["segment"]: s["persona"] for s in api["segments"]}
    assert all(card and card["name"] and card["suggested_actions"] for card in cards.values())
    assert cards["Champions"]["size"].startswith(f"{ours['Champions']['members']:,} members")


def test_persona_cards_describe_the_date_asked_for(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    latest = client.get("/api/v1/segmentations/rfm", headers=bearer(tokens[Role.viewer])).json()
    earlier = latest["dates"][0]
    assert earlier != latest["as_of"]
    api = client.get(
        f"/api/v1/segmentations/rfm?as_of={earlier}", headers=bearer(tokens[Role.viewer])
    ).json()
    assert api["as_of"] == earlier and api["notes"] == []
    sizes = {s["segment"]: s["members"] for s in api["segments"]}
    for row in api["segments"]:
        assert row["persona"]["size"].startswith(f"{row['members']:,} members ("), row
    assert any(
        s["members"] != sizes.get(s["segment"]) for s in latest["segments"]
    )  # the dates differ, so cards of the latest date would not match


def test_segmentation_detail_gives_null_where_no_cost_is_known(
    cdnow_file: Path, tmp_path: Path
) -> None:
    # CDNOW's purchases carry an amount and no unit cost: margin and profit are unknown
    path = tmp_path / "cdnow.duckdb"
    shutil.copy(cdnow_file, path)
    with connect(path, create=False) as mart:
        run_rfm(mart, "1997-12-31")
        token = create_token(mart, Role.viewer, "no costs")
    with TestClient(create_app(mart=path)) as no_costs:
        api = no_costs.get("/api/v1/segmentations/rfm", headers=bearer(token)).json()
    assert api["costs_known"] is False
    for row in [*api["segments"], api["portfolio"]]:
        assert {row[c] for c in COST_DEPENDENT if c in row} == {None}, row
        assert row["revenue"] > 0 and row["margin_coverage"] == 0.0  # the reason
    assert {"gross_margin", "profit", "profit_per_member"} <= set(api["segments"][0])


def test_segmentation_detail_says_costs_are_known_with_their_coverage(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    api = client.get("/api/v1/segmentations/rfm", headers=bearer(tokens[Role.viewer])).json()
    assert api["costs_known"] is True
    assert all(isinstance(s["gross_margin"], float) for s in api["segments"])
    assert 0 < api["portfolio"]["margin_coverage"] <= 1
    # counts are whole numbers, as the schema says: 3000, not 3000.0
    assert type(api["portfolio"]["members"]) is type(api["portfolio"]["orders"]) is int
    assert api["portfolio"]["members"] == api["n_base"]
    assert all(0 <= s["margin_coverage"] <= 1 for s in api["segments"] if s["revenue"] > 0)


def test_health_says_when_the_first_profiles_are_warm(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        health = client.get("/api/v1/health", headers=bearer(tokens[Role.viewer])).json()
        if not health["warming"]:
            break
        time.sleep(0.1)
    assert health["warming"] is False and health["segmentations"] > 0


def test_segmentation_detail_served_from_cache_is_what_fastapi_would_encode(
    client: TestClient,
    tokens: dict[Role, str],
    mart_path: Path,
    rounded: Callable[..., Any],
) -> None:
    first = client.get("/api/v1/segmentations/rfm", headers=bearer(tokens[Role.viewer]))
    again = client.get("/api/v1/segmentations/rfm", headers=bearer(tokens[Role.viewer]))
    assert first.headers["content-type"] == "application/json"
    assert first.content == again.content
    with connect(mart_path, create=False) as mart:
        dashboard = Dashboard(ttl=None)
        day = dashboard.resolve(mart, "rfm", None)
        fresh = jsonable_encoder(detail_of(mart, dashboard, "rfm", day))
    # the engine adds money in parallel, in any order: equal up to the last few bits
    assert rounded(first.json(), 12) == rounded(json.loads(json.dumps(fresh)), 12)


def test_migration_flows_add_up_to_both_dates(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    body = client.get(
        "/api/v1/segmentations/rfm/migration?top=3", headers=bearer(tokens[Role.viewer])
    ).json()
    assert len(body["top_flows"]) == 3
    with connect(mart_path, create=False) as mart:
        dates = store.as_of_dates(mart, "rfm")
        before = store.assignments(mart, "rfm", dates[0]).count().execute()
        after = store.assignments(mart, "rfm", dates[1]).count().execute()
    assert body["from_date"] == dates[0].isoformat() and body["to_date"] == dates[1].isoformat()
    flows = pd.DataFrame(body["flows"])
    assert flows[flows.source != "(entered)"].customers.sum() == before
    assert flows[flows.target != "(left)"].customers.sum() == after


def test_customer_search_pages_do_not_overlap_and_count_all(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.analyst])
    first = client.get("/api/v1/customers?q=c00&limit=7", headers=headers).json()
    second = client.get("/api/v1/customers?q=C00&limit=7&offset=7", headers=headers).json()
    assert first["count"] == second["count"] == 800
    ids = [r["customer_id"] for r in first["data"] + second["data"]]
    assert len(set(ids)) == 14 and ids == sorted(ids)
    narrow = client.get("/api/v1/customers?q=0000012", headers=headers).json()
    assert narrow["count"] >= 1 and all("0000012" in r["customer_id"] for r in narrow["data"])


def test_customer_search_filters_one_segment(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    body = client.get(
        "/api/v1/customers?segmentation=rfm&segment=Champions&limit=1000",
        headers=bearer(tokens[Role.analyst]),
    ).json()
    with connect(mart_path, create=False) as mart:
        rows = store.assignments(mart, "rfm").execute()
    champions = set(rows[rows.segment == "Champions"].customer_id)
    assert {r["customer_id"] for r in body["data"]} == champions
    assert body["count"] == len(champions)


def test_customer_360_shows_pii_to_admins_only(client: TestClient, tokens: dict[Role, str]) -> None:
    analyst = client.get("/api/v1/customers/C0000001", headers=bearer(tokens[Role.analyst]))
    admin = client.get("/api/v1/customers/C0000001", headers=bearer(tokens[Role.admin]))
    assert analyst.json()["pii"] is None
    assert "@" not in analyst.text
    assert "@" in admin.json()["pii"]["email"]
    body = admin.json()
    assert {s["segmentation"] for s in body["segments"]} == {
        "rfm",
        "lifecycle",
        "demo_rules",
        "value",
        "clusters",
    }
    assert body["features_as_of"] is not None and "frequency" in body["features"]
    scores = {s["score_name"]: s["value"] for s in body["scores"]}
    assert {"clv", "p_alive", "expected_purchases", "expected_spend"} <= set(scores)
    assert 0 <= scores["p_alive"] <= 1 and scores["clv"] >= 0
    times = [o["order_ts"] for o in body["orders"]]
    assert 0 < len(times) <= 20 and times == sorted(times, reverse=True)


def test_customer_360_coarsens_quasi_identifiers_below_admin(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    analyst = client.get("/api/v1/customers/C0000001", headers=bearer(tokens[Role.analyst]))
    admin = client.get("/api/v1/customers/C0000001", headers=bearer(tokens[Role.admin])).json()
    coarse = analyst.json()
    assert {"birth_year", "city", "postcode"} <= set(admin["profile"])
    assert set(coarse["profile"]) == set(admin["profile"]) - {"birth_year", "city", "postcode"} | {
        "age_band"
    }
    assert coarse["profile"]["age_band"] == admin["features"]["age_band"]
    assert admin["profile"]["postcode"] not in analyst.text
    assert "age" not in coarse["features"] and "city" not in coarse["features"]
    assert all(set(e) >= {"event_type", "property_keys"} for e in coarse["events"])
    assert not any("properties" in e for e in coarse["events"])
    assert any(e["properties"] for e in admin["events"])


def test_analysts_keep_the_behaviour_features_whose_names_mention_a_channel(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    analyst = client.get("/api/v1/customers/C0000008", headers=bearer(tokens[Role.analyst]))
    admin = client.get("/api/v1/customers/C0000008", headers=bearer(tokens[Role.admin])).json()
    coarse = analyst.json()["features"]
    assert set(admin["features"]) - set(coarse) == {"age", "city"}
    for name in ("email_opens", "email_clicks", "share_phone", "age_band"):
        assert coarse[name] == admin["features"][name]


def test_audience_keeps_only_members_with_granted_consent(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    body = client.get(
        "/api/v1/audiences/rfm/Champions?channel=email", headers=bearer(tokens[Role.analyst])
    ).json()
    with connect(mart_path, create=False) as mart:
        rows = store.assignments(mart, "rfm").execute()
        consents = mart.table("consents").execute()
    members = set(rows[rows.segment == "Champions"].customer_id)
    granted = set(consents[(consents.channel == "email") & consents.granted].customer_id)
    assert {r["customer_id"] for r in body["data"]} == members & granted
    assert body["excluded_without_consent"] == len(members - granted) > 0
    assert set(body["data"][0]) == {"customer_id"}  # analysts get ids only


def test_audience_csv_for_admins_carries_contact_details(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    response = client.get(
        "/api/v1/audiences/rfm/Champions?format=csv", headers=bearer(tokens[Role.admin])
    )
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    frame = pd.read_csv(io.StringIO(response.text))
    assert list(frame.columns[:2]) == ["customer_id", "email"]
    assert int(response.headers["x-excluded-without-consent"]) > 0


def test_an_audience_takes_the_latest_segments_on_or_before_any_date(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    """Like ``segmint campaign create --as-of``: a day between two stored dates exports the
    earlier one's members and says so (body, CSV header, audit entry)."""
    with connect(mart_path, create=False) as mart:
        earlier, latest = store.as_of_dates(mart, "rfm")[-2:]
        stored = store.assignments(mart, "rfm", earlier).execute()
    between = earlier + dt.timedelta(days=1)
    assert between < latest
    headers = bearer(tokens[Role.analyst])
    url = f"/api/v1/audiences/rfm/Champions?channel=email&as_of={between}"
    body = client.get(url, headers=headers).json()
    assert body["as_of"] == earlier.isoformat() and body["as_of_requested"] == between.isoformat()
    members = set(stored[stored.segment == "Champions"].customer_id)
    served = {r["customer_id"] for r in body["data"]}
    assert served and served <= members
    assert len(served) + body["excluded_without_consent"] + body["excluded_suppressed"] == len(
        members
    )
    line = pending(mart_path)[-1]
    assert line.details["segments_as_of"] == earlier.isoformat()
    assert line.details["as_of_requested"] == between.isoformat()
    as_csv = client.get(url + "&format=csv", headers=headers)
    assert as_csv.headers["x-segments-as-of"] == earlier.isoformat()
    assert f"-{earlier.isoformat()}-email.csv" in as_csv.headers["content-disposition"]
    latest_body = client.get(url.replace(str(between), str(latest)), headers=headers).json()
    assert latest_body["as_of"] == latest.isoformat()


def test_an_audience_before_the_first_stored_segments_is_refused_naming_the_earliest(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    with connect(mart_path, create=False) as mart:
        earliest = store.as_of_dates(mart, "rfm")[0]
    before = earliest - dt.timedelta(days=1)
    response = client.get(
        f"/api/v1/audiences/rfm/Champions?as_of={before}", headers=bearer(tokens[Role.analyst])
    )
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert f"no stored results on or before {before}" in detail
    assert f"earliest are as of {earliest}" in detail


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/customers/{customer_id}" in schema["paths"]
    assert "/login" not in schema["paths"]


def test_openapi_declares_the_bearer_token_every_route_needs(client: TestClient) -> None:
    """Without a security scheme the /docs page has no Authorize button and generated
    clients send no token: every call would be a 401."""
    schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "segmint token create" in scheme["description"]
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert len(operations) == 12
    assert all(op["security"] == [{"bearer": []}] for op in operations)
    detail = schema["components"]["schemas"]["SegmentationDetail"]["properties"]
    assert detail["portfolio"] == {"$ref": "#/components/schemas/PortfolioMoney"}
    portfolio = schema["components"]["schemas"]["PortfolioMoney"]["properties"]
    assert portfolio["members"]["type"] == "integer"
    assert {"type": "null"} in portfolio["gross_margin"]["anyOf"]
    # the scheme only documents: the messages of a missing token stay the API's own
    missing = client.get("/api/v1/segmentations")
    assert missing.status_code == 401 and "segmint token create" in missing.json()["detail"]


def fastapi_encoding(model: type[BaseModel], value: Any) -> bytes:
    """The body FastAPI writes when a ``response_model`` route returns ``value``."""
    app = FastAPI()

    @app.get("/encoded", response_model=model)
    def encoded() -> Any:
        return value

    with TestClient(app) as local:
        body: bytes = local.get("/encoded").content
        return body


def test_customer_360_and_members_are_what_fastapi_would_encode(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    headers = bearer(tokens[Role.admin])
    members = client.get(
        "/api/v1/customers?segmentation=rfm&segment=Champions&limit=9", headers=headers
    )
    ids = [row["customer_id"] for row in members.json()["data"]]
    with connect(mart_path, create=False) as mart:
        dashboard = Dashboard(ttl=None)
        day = dashboard.resolve(mart, "rfm", None)
        every = member_ids(mart, "rfm", "Champions", day)
        rows = [CustomerRow.model_validate(r) for r in customers_by_id(mart, every[:9])]
        page = CustomerList(data=rows, count=len(every), limit=9, offset=0)
        views = {i: customer_360(mart, i, True) for i in ids[:3]}
    assert members.headers["content-type"] == "application/json"
    assert members.content == fastapi_encoding(CustomerList, page)
    for customer_id, view in views.items():
        served = client.get(f"/api/v1/customers/{customer_id}", headers=headers)
        expected = Customer360Out.model_validate(view, from_attributes=True)
        assert served.content == fastapi_encoding(Customer360Out, expected), customer_id


def test_audience_downloads_are_computed_once_per_segment_date_channel_and_detail(
    client: TestClient, tokens: dict[Role, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole audience (a CSV download) is cached; JSON pages are read by the engine."""
    from segmint.views import dashboard as dashboard_module

    calls: list[tuple[Any, ...]] = []
    compute = dashboard_module.audience

    def counted(*args: Any) -> Any:
        calls.append(args[1:])
        return compute(*args)

    monkeypatch.setattr(dashboard_module, "audience", counted)
    client.app.state.dashboard.invalidate()  # type: ignore[attr-defined]
    url = "/api/v1/audiences/rfm/Loyal?format=csv"
    analyst, admin = bearer(tokens[Role.analyst]), bearer(tokens[Role.admin])
    first = client.get(url, headers=analyst)
    again = client.get(url + "&channel=EMAIL", headers=analyst)
    page = client.get("/api/v1/audiences/rfm/Loyal", headers=analyst)
    assert first.text == again.text and page.status_code == 200
    assert len(calls) == 1
    client.get(url + "&channel=sms", headers=analyst)
    client.get(url, headers=admin)  # contact details: another entry
    client.get(url, headers=admin)
    assert [(c[3], c[4]) for c in calls] == [("email", False), ("sms", False), ("email", True)]
    client.app.state.dashboard.invalidate()  # type: ignore[attr-defined]
    client.get(url, headers=analyst)
    assert len(calls) == 4


def test_an_audience_for_a_channel_no_consent_was_recorded_on_is_refused(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    with connect(mart_path, create=False) as mart:
        recorded = set(mart.table("consents").channel.execute().str.lower())
        stored = mart.table("assignments").filter(lambda t: t.segmentation == "rfm").execute()
    assert "push" not in recorded
    latest = stored[stored.as_of == stored.as_of.max()]
    champions = int((latest.segment == "Champions").sum())
    assert champions > 0
    response = client.get(
        "/api/v1/audiences/rfm/Champions?channel=push", headers=bearer(tokens[Role.analyst])
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "records no consent for push at all" in detail
    assert f"none of its {champions:,} members may be contacted" in detail  # not the 0 allowed
    assert "segmint ingest consents" in detail


MONEY_ANSWERS = {
    "/api/v1/segmentations/rfm": ("SegmentationDetail", Role.viewer),
    "/api/v1/segmentations/rfm/migration": ("MigrationOut", Role.viewer),
    "/api/v1/customers/C0000001": ("Customer360Out", Role.analyst),
    "/api/v1/campaigns": ("CampaignTrackingList", Role.analyst),
    "/api/v1/campaigns/K003/results": ("CampaignResultsOut", Role.analyst),
    "/api/v1/sales/channels": ("ChannelSalesOut", Role.analyst),
    "/api/v1/sales/segments": ("SegmentSalesOut", Role.analyst),
}


def test_every_answer_holding_money_names_the_shops_currency(
    in_euros: tuple[TestClient, Path, dict[Role, str]], client: TestClient, tokens: dict[Role, str]
) -> None:
    served, path, euro_tokens = in_euros
    for url, (_, role) in MONEY_ANSWERS.items():
        assert served.get(url, headers=bearer(euro_tokens[role])).json()["currency"] == "EUR"
        assert client.get(url, headers=bearer(tokens[role])).json()["currency"] is None, url
    detail = served.get("/api/v1/segmentations/rfm", headers=bearer(euro_tokens[Role.viewer]))
    assert isinstance(detail.json()["portfolio"]["revenue"], float)  # numbers stay numbers
    cli_json = json.loads(
        CliRunner()
        .invoke(cli, ["campaign", "results", "K003", "--mart", str(path), "--format", "json"])
        .stdout
    )
    results = served.get(
        "/api/v1/campaigns/K003/results", headers=bearer(euro_tokens[Role.analyst])
    )
    assert cli_json == results.json() and cli_json["currency"] == "EUR"
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name, _ in MONEY_ANSWERS.values():
        assert "ISO 4217" in schemas[name]["properties"]["currency"]["description"], name


def test_segmint_persona_prints_the_api_s_cards_with_the_shops_currency(
    in_euros: tuple[TestClient, Path, dict[Role, str]],
) -> None:
    served, path, euro_tokens = in_euros
    printed = CliRunner().invoke(cli, ["persona", "rfm", "--mart", str(path), "--format", "json"])
    assert printed.exit_code == 0, printed.output
    listed = json.loads(printed.stdout)
    assert (listed["segmentation"], listed["currency"]) == ("rfm", "EUR")
    assert listed["count"] == len(listed["data"]) > 0
    detail = served.get("/api/v1/segmentations/rfm", headers=bearer(euro_tokens[Role.viewer]))
    cards = {s["segment"]: s["persona"] for s in detail.json()["segments"]}
    # each card is the API's persona object, after the segment it describes
    assert {
        row["segment"]: {k: v for k, v in row.items() if k != "segment"} for row in listed["data"]
    } == cards
    assert all(list(row) == ["segment", *Persona.model_fields] for row in listed["data"])
    assert any("€" in row["value"] for row in listed["data"])  # amounts in words, in euros


def test_segmentation_detail_names_the_first_day_of_a_few_months_of_orders(
    short_history: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path = tmp_path / "cdnow.duckdb"
    shutil.copy(short_history[0], path)
    with connect(path, create=False) as mart:
        token = create_token(mart, Role.viewer, "short history")
    with TestClient(create_app(mart=path)) as short:
        few, year = (
            short.get("/api/v1/segmentations/rfm", params={"as_of": day}, headers=bearer(token))
            for day in SHORT_HISTORY.values()
        )
        described = short.get("/openapi.json", headers=bearer(token)).json()
    # the money of the year to 1997-03-31 covers the 90 days from CDNOW's first order
    assert few.json()["history_start"] == "1997-01-01"
    assert year.json()["history_start"] is None
    detail = described["components"]["schemas"]["SegmentationDetail"]["properties"]
    assert "nothing is annualised" in detail["history_start"]["description"]
    persona = described["components"]["schemas"]["Persona"]["properties"]
    for field in ("categories", "channels"):
        assert "`history_start`" in persona[field]["description"]
