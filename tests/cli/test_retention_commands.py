"""``segmint retention`` and ``segmint requests`` on the shop of the privacy tests."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from typer.testing import Result

from segmint.mart import connect

from .conftest import Segmint, shop

ZOE = shop.ZOE
file_bytes = shop.file_bytes


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_dry_run_stores_nothing_and_counts_what_the_real_run_deletes(shop_cli: Segmint) -> None:
    policy = ("--events", "400d", "--pii-inactive", "2y")
    dry = as_json(shop_cli("retention", *policy, "--dry-run", "--format", "json"))
    assert dry["dry_run"] is True and dry["stored"] is False
    assert dry["policy"] == {"events": "400d", "pii_inactive": "2y"}
    assert as_json(shop_cli("retention", "--format", "json"))["policy"] == {}  # not stored
    assert b"quill pens" in file_bytes(shop_cli.mart)  # an event's search text, 2024

    real = as_json(shop_cli("retention", *policy, "--format", "json"))
    assert real["stored"] is True and real["dry_run"] is False
    assert (real["events_deleted"], real["pii_deleted"]) == (
        dry["events_deleted"],
        dry["pii_deleted"],
    )
    assert dry["events_deleted"] and dry["pii_deleted"]
    assert b"quill pens" not in file_bytes(shop_cli.mart)  # the file was rewritten
    shown = shop_cli("retention")
    assert "retention policy: events 400d, pii_inactive 2y" in shown.stdout
    assert "0 events" in shown.stdout  # applied again: nothing left to delete
    audited = as_json(shop_cli("audit", "--format", "json"))["entries"]
    assert [e["action"] for e in audited] == ["retention_policy", "retention"]


def test_an_unreadable_period_is_one_line(shop_cli: Segmint) -> None:
    result = shop_cli("retention", "--events", "forever")
    assert result.exit_code == 2 and "such as 400d" in result.stderr
    assert "Traceback" not in result.stderr


def test_requests_are_recorded_listed_with_due_dates_and_closed(shop_cli: Segmint) -> None:
    added = shop_cli("requests", "add", ZOE, "--kind", "erasure", "--law", "ccpa",
                     "--received", "2026-01-01", "--note", "web form #88")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "request 1: erasure (ccpa), due 2026-02-15" in added.stdout
    gdpr = shop_cli("requests", "add", "ab-1001", "--received", "2026-01-31")
    assert "access (gdpr), due 2026-02-28" in gdpr.stdout
    listed = json.loads(shop_cli("requests", "--format", "json").stdout)
    assert [(r["request_id"], r["due_date"]) for r in listed] == [
        (1, "2026-02-15"),
        (2, "2026-02-28"),
    ]
    today = dt.datetime.now(dt.UTC).date()
    first = listed[0]
    assert first["days_left"] == (dt.date(2026, 2, 15) - today).days
    assert first["overdue"] is (today > dt.date(2026, 2, 15))
    closed = shop_cli("requests", "close", "2", "--note", "answered by post")
    assert "request 2 closed" in closed.stdout
    still_open = json.loads(shop_cli("requests", "--open", "--format", "json").stdout)
    assert [r["request_id"] for r in still_open] == [1]
    human = shop_cli("requests")
    assert "erasure" in human.stdout and "2026-02-15" in human.stdout
    wrong = shop_cli("requests", "add", ZOE, "--law", "hipaa")
    assert wrong.exit_code == 2 and "hipaa" in wrong.stderr


def test_the_history_rule_prints_what_it_deletes_per_table(shop_cli: Segmint) -> None:
    with connect(shop_cli.mart) as mart:  # copies of the segments and scores, years older
        n_assignments, n_scores = mart.count("assignments"), mart.count("scores")
        for years in (1, 2):
            mart.raw.execute(
                "INSERT INTO assignments SELECT segmentation, version, "
                "as_of - to_years(CAST(? AS INTEGER)), customer_id, segment FROM assignments "
                "WHERE as_of = DATE '2024-03-31'",
                [years],
            )
        shop.add_scores(mart, dt.date(2023, 3, 31))
        for day in ("2022-03-31", "2024-03-31"):  # every customer's list of one product
            mart.raw.execute(
                "INSERT INTO recommendations (customer_id, rank, product_id, score, method, "
                "reason, as_of) SELECT customer_id, 1, 'p2', 1.0, 'popularity', 'popular', "
                "CAST(? AS DATE) FROM customers",
                [day],
            )
        n_lists = mart.count("customers")
    dry = as_json(shop_cli("retention", "--history", "800d", "--dry-run", "--format", "json"))
    assert dry["history"]["assignments_deleted"] == 0  # two years back: all kept
    assert dry["history"]["recommendations_deleted"] == 0
    dry = as_json(shop_cli("retention", "--history", "30d", "--dry-run", "--format", "json"))
    # 2023-03-31 is the last date before campaign c1 (2024-03-01) and stays; 2022-03-31 goes
    assert dry["policy"] == {"history": "30d"} and dry["stored"] is False
    history = dry["history"]
    assert (
        history["assignments_deleted"],
        history["scores_deleted"],
        history["recommendations_deleted"],
    ) == (n_assignments, n_scores, n_lists)
    assert history["cutoffs"]["recommendations"] == "2024-03-01"
    shown = shop_cli("retention", "--history", "30d")
    assert "retention policy: history 30d (stored)" in shown.stdout
    assert f"{n_assignments:,} assignments rows" in shown.stdout
    assert f"{n_scores:,} scores rows" in shown.stdout
    assert f"{n_lists:,} recommendations rows" in shown.stdout
    audited = as_json(shop_cli("audit", "--format", "json"))["entries"]
    assert audited[-1]["action"] == "retention"
    assert audited[-1]["details"]["scores_deleted"] == n_scores
    assert audited[-1]["details"]["recommendations_deleted"] == n_lists
    listed = as_json(shop_cli("recommend", "show", ZOE, "--format", "json"))
    assert [(r["product_name"], r["as_of"]) for r in listed] == [("Ink", "2024-03-31")]
    assert as_json(shop_cli("retention", "--history", "off", "--format", "json"))["policy"] == {}
