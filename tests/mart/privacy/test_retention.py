"""Retention: a stored policy, a dry run that counts what the real run deletes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from segmint.mart import Mart
from segmint.mart.privacy import apply_retention, audit, retention_policy, set_retention
from segmint.mart.privacy.retention import RetentionError, parse_period, proposed_policy
from segmint.mart.snapshot import warm_state_path

from ..conftest import load, write
from .conftest import file_bytes

NOW = dt.datetime(2026, 2, 15)


@pytest.mark.parametrize(
    ("spec", "days"), [("400d", 400), ("52w", 364), ("18m", 540), ("3y", 1095), (" 2Y ", 730)]
)
def test_periods(spec: str, days: int) -> None:
    assert parse_period(spec) == days


@pytest.mark.parametrize("spec", ["0d", "3 years", "-1y", "y", "1.5y"])
def test_unreadable_periods_are_refused(spec: str) -> None:
    with pytest.raises(RetentionError, match="such as 400d, 52w, 18m or 3y"):
        parse_period(spec)


def test_the_policy_is_stored_changed_and_removed(shop: Mart) -> None:
    policy = set_retention(shop, events="400d", pii_inactive="3y", actor="dpo")
    assert (policy.events_days, policy.pii_inactive_days) == (400, 1095)
    assert retention_policy(shop).specs == (("events", "400d"), ("pii_inactive", "3y"))
    set_retention(shop, events="off", actor="dpo")
    assert retention_policy(shop) == type(policy)(None, 1095, (("pii_inactive", "3y"),))
    assert [e.action for e in audit.entries(shop)] == ["retention_policy", "retention_policy"]


def test_the_history_rule_is_stored_beside_the_others_and_removed_with_off(shop: Mart) -> None:
    set_retention(shop, events="400d", actor="dpo")
    policy = set_retention(shop, history="18m", actor="dpo")
    assert (policy.events_days, policy.history_days) == (400, 540)
    assert retention_policy(shop).specs == (("events", "400d"), ("history", "18m"))
    assert proposed_policy(shop, history="off").specs == (("events", "400d"),)
    assert set_retention(shop, history="off", actor="dpo").history_days is None
    assert retention_policy(shop).specs == (("events", "400d"),)


@pytest.fixture
def aging(shop: Mart, tmp_path: Path) -> Mart:
    """The shop plus gh-4004 (signed up 2023, one event in June 2024, nothing else) and
    nn-5005 (personal data, but no signup date, order or event: activity unknown)."""
    load(
        shop,
        "customers",
        write(tmp_path / "c.csv", "customer_id,signup_date\ngh-4004,2023-01-01\nnn-5005,\n"),
    )
    pii = "customer_id,email\ngh-4004,gina.hart@example.net\nnn-5005,nora.n@example.net\n"
    load(shop, "customer_pii", write(tmp_path / "p.csv", pii))
    event = "event_id,customer_id,event_ts,event_type\ne50,gh-4004,2024-06-01 10:00:00,page_view\n"
    load(shop, "events", write(tmp_path / "e.csv", event))
    set_retention(shop, events="365d", pii_inactive="2y", actor="dpo")
    return shop


def test_a_dry_run_counts_what_the_real_run_deletes(aging: Mart) -> None:
    dry = apply_retention(aging, dry_run=True, now=NOW)
    counts = {n: aging.count(n) for n in ("events", "customer_pii")}
    assert (dry.events_deleted, dry.pii_deleted) == (5, 2)  # nothing deleted by the dry run
    assert {n: aging.count(n) for n in ("events", "customer_pii")} == counts

    real = apply_retention(aging, now=NOW, actor="dpo")
    assert (real.events_deleted, real.pii_deleted) == (dry.events_deleted, dry.pii_deleted)
    assert real.events_cutoff == dry.events_cutoff == NOW - dt.timedelta(days=365)
    pii = sorted(aging.table("customer_pii").customer_id.to_pandas())
    # cd-2002 and ef-3003 were last active before February 2024. gh-4004's June 2024 event
    # counted although the same run deleted it; nn-5005's activity is unknown: kept.
    assert pii == ["ab-1001", "gh-4004", "nn-5005", "zq-7341"]
    assert aging.count("events") == 0
    assert audit.entries(aging, action="retention")[0].details["pii_deleted"] == 2


def test_a_real_run_rewrites_the_file(aging: Mart) -> None:
    result = apply_retention(aging, now=NOW)
    assert result.rewrite is not None
    data = file_bytes(Path(aging.path))
    assert b"claude.dupont@example.fr" not in data and b"quill pens" not in data
    assert b"amy.bell@example.com" in data


def test_without_a_policy_nothing_happens(shop: Mart) -> None:
    result = apply_retention(shop, now=NOW)
    assert (result.events_deleted, result.pii_deleted, result.rewrite) == (0, 0, None)
    assert shop.count("audit_log") == 0


def test_a_run_that_deletes_personal_data_removes_the_servers_kept_warm_state(
    aging: Mart,
) -> None:
    kept = warm_state_path(aging.path) / "some-key"
    kept.mkdir(parents=True)
    apply_retention(aging, dry_run=True, now=NOW)
    assert kept.exists()  # a dry run deletes nothing
    apply_retention(aging, now=NOW)
    assert not warm_state_path(aging.path).exists()
