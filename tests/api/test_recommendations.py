"""A customer's recommendations in the API and on their page; the Baskets page."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from segmint.mart import connect
from segmint.mart.token_terms import Role

from .conftest import bearer, login

URL = "/api/v1/customers/{}/recommendations"


def _listed_customer(mart_path: Path) -> tuple[str, str]:
    """A customer with a stored list, and a customer without one."""
    with connect(mart_path, create=False) as mart:
        stored = mart.table("recommendations")
        listed = str(stored.customer_id.min().execute())
        customers = mart.table("customers")
        unlisted = customers.anti_join(stored, "customer_id").customer_id.min().execute()
    return listed, str(unlisted)


def test_analysts_get_a_customers_list_with_reasons(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    listed, unlisted = _listed_customer(mart_path)
    answer = client.get(URL.format(listed), headers=bearer(tokens[Role.analyst]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["customer_id"] == listed and body["count"] == 10 == len(body["data"])
    assert [r["rank"] for r in body["data"]] == list(range(1, 11))
    first = body["data"][0]
    assert set(first) == {"rank", "product_id", "product_name", "score", "method", "reason"}
    assert first["product_name"] and first["reason"]
    assert body["as_of"] and body["notes"] == []
    empty = client.get(URL.format(unlisted), headers=bearer(tokens[Role.admin])).json()
    assert empty["data"] == [] and "segmint recommend fit" in empty["notes"][0]


def test_viewers_and_strangers_do_not(client: TestClient, tokens: dict[Role, str]) -> None:
    assert (
        client.get(URL.format("C0000001"), headers=bearer(tokens[Role.viewer])).status_code == 403
    )
    assert client.get(URL.format("C0000001")).status_code == 401
    missing = client.get(URL.format("nobody"), headers=bearer(tokens[Role.analyst]))
    assert missing.status_code == 404 and "no customer with id 'nobody'" in missing.json()["detail"]
    lower = client.get(URL.format("c0000001"), headers=bearer(tokens[Role.analyst]))
    assert lower.status_code == 404 and "Did you mean 'C0000001'?" in lower.json()["detail"]


def test_the_customer_page_lists_what_to_recommend_and_why(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    listed, unlisted = _listed_customer(mart_path)
    login(client, tokens[Role.analyst])
    page = client.get(f"/customers/{listed}").text
    section = page[page.index('id="recommendations"') :]
    assert "Recommended next" in section
    assert len(re.findall(r'<td class="reason">[^<]+</td>', section)) == 10
    other = client.get(f"/customers/{unlisted}").text
    assert "No recommendations for this customer" in other


def test_the_baskets_page_shows_rules_and_which_products_drive_which(
    client: TestClient, tokens: dict[Role, str], mart_path: Path
) -> None:
    login(client, tokens[Role.viewer])
    page = client.get("/baskets")
    assert page.status_code == 200
    assert 'href="/baskets" class="active"' in page.text
    figure = re.search(r"data-figure='([^']+)'", page.text)
    assert figure is not None
    flows = json.loads(figure.group(1).replace("&#39;", "'").replace("&quot;", '"'))
    assert flows["data"][0]["type"] == "sankey"
    table = page.text[page.text.index('id="rules"') :]
    assert '<th class="num">Customers</th>' in table
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", table)
    assert len(rows) >= 10
    with connect(mart_path, create=False) as mart:
        names = set(mart.table("products").name.execute())
    assert all(consequent in names for _, consequent in rows)
