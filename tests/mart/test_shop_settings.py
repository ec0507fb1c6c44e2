"""The shop's currency kept in the mart: set, read, cleared, refused, and old marts."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.exceptions import InputError
from segmint.mart import connect
from segmint.mart.privacy import audit
from segmint.mart.shop_settings import AUDIT_ACTION, TABLE, set_currency, shop_currency


def test_no_currency_until_one_is_set() -> None:
    with connect(":memory:") as mart:
        assert shop_currency(mart) is None


def test_the_currency_set_is_read_back_with_who_and_when() -> None:
    at = dt.datetime(2025, 3, 1, 12)
    with connect(":memory:") as mart:
        assert set_currency(mart, "eur", "cli:marketing", now=at) == "EUR"
        assert shop_currency(mart) == "EUR"
        assert set_currency(mart, "GBP", "cli:marketing") == "GBP"
        rows = mart.table(TABLE).to_pyarrow().to_pylist()
        assert [(r["setting"], r["value"], r["set_by"]) for r in rows] == [
            ("currency", "GBP", "cli:marketing")
        ]


def test_clearing_forgets_it() -> None:
    with connect(":memory:") as mart:
        set_currency(mart, "EUR", "cli:marketing")
        assert set_currency(mart, None, "cli:marketing") is None
        assert shop_currency(mart) is None
        assert mart.count(TABLE) == 0


def test_a_bad_code_is_refused_and_nothing_changes() -> None:
    with connect(":memory:") as mart:
        set_currency(mart, "EUR", "cli:marketing")
        with pytest.raises(InputError, match="currency 'EUR; DROP TABLE orders' is not"):
            set_currency(mart, "EUR; DROP TABLE orders", "cli:marketing")
        assert shop_currency(mart) == "EUR"


def test_a_mart_made_before_the_setting_has_none_and_gets_the_table_when_set() -> None:
    with connect(":memory:") as mart:
        mart.drop_table(TABLE)
        assert shop_currency(mart) is None
        set_currency(mart, "SEK", "cli:marketing")
        assert shop_currency(mart) == "SEK"


def test_every_change_is_in_the_audit_trail_with_who_when_and_what_it_replaced() -> None:
    at = dt.datetime(2025, 3, 1, 12)
    with connect(":memory:") as mart:
        set_currency(mart, "eur", "cli:marketing", now=at)
        set_currency(mart, "GBP", "api:ops")
        set_currency(mart, None, "cli:marketing")
        logged = audit.entries(mart, action=AUDIT_ACTION)
        assert [(e.actor, e.details) for e in logged] == [
            ("cli:marketing", {"currency": "EUR", "previous": None}),
            ("api:ops", {"currency": "GBP", "previous": "EUR"}),
            ("cli:marketing", {"currency": None, "previous": "GBP"}),
        ]
        assert logged[0].at == at and audit.verify(mart).ok


def test_a_refused_actor_stores_nothing() -> None:
    with connect(":memory:") as mart:
        with pytest.raises(audit.AuditError):
            set_currency(mart, "EUR", "")
        assert shop_currency(mart) is None
        assert audit.entries(mart, action=AUDIT_ACTION) == []


def test_setting_the_code_already_set_records_nothing() -> None:
    with connect(":memory:") as mart:
        set_currency(mart, "EUR", "cli:marketing")
        assert set_currency(mart, "eur", "cli:marketing") == "EUR"
        assert set_currency(mart, None, "cli:marketing") is None
        assert set_currency(mart, None, "cli:marketing") is None
        logged = audit.entries(mart, action=AUDIT_ACTION)
        assert [e.details["currency"] for e in logged] == ["EUR", None]


def test_a_value_set_would_not_have_stored_is_no_currency() -> None:
    with connect(":memory:") as mart:
        set_currency(mart, "EUR", "cli:marketing")
        mart.raw.execute("UPDATE shop_settings SET value = '[bold]x' WHERE setting = 'currency'")
        assert shop_currency(mart) is None
