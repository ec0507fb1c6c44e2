"""Access and erasure requests with their legal due dates."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.mart import Mart
from segmint.mart.privacy import audit, close_request, due_date, list_requests, record_request
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonym
from segmint.mart.privacy.requests import RequestError

from .conftest import ZOE


@pytest.mark.parametrize(
    ("received", "law", "due"),
    [
        (dt.date(2026, 3, 10), "gdpr", dt.date(2026, 4, 10)),
        (dt.date(2026, 1, 31), "gdpr", dt.date(2026, 2, 28)),  # no 31 February: last day
        (dt.date(2028, 1, 31), "gdpr", dt.date(2028, 2, 29)),  # leap year
        (dt.date(2026, 12, 15), "gdpr", dt.date(2027, 1, 15)),
        (dt.date(2026, 1, 1), "ccpa", dt.date(2026, 2, 15)),  # 45 calendar days
        (dt.date(2026, 12, 1), "CCPA", dt.date(2027, 1, 15)),
    ],
)
def test_due_dates(received: dt.date, law: str, due: dt.date) -> None:
    assert due_date(received, law) == due


def test_an_unknown_law_or_kind_is_refused(shop: Mart) -> None:
    with pytest.raises(
        RequestError, match="law of a request must be one of gdpr, ccpa; got 'lgpd'"
    ):
        due_date(dt.date(2026, 1, 1), "lgpd")
    with pytest.raises(RequestError, match="kind of a request must be one of access, erasure"):
        record_request(shop, ZOE, "rectification", actor="dpo")
    with pytest.raises(RequestError, match="needs the customer id"):
        record_request(shop, " ", "access", actor="dpo")


def test_an_id_held_only_in_another_spelling_is_refused_naming_it(shop: Mart) -> None:
    with pytest.raises(RequestError, match=f"did you mean '{ZOE}'"):
        record_request(shop, ZOE.upper(), "access", actor="dpo")
    assert list_requests(shop) == []
    record_request(shop, "not-yet-loaded-1", "erasure", actor="dpo")  # may ask before loading


def test_requests_are_listed_soonest_due_first_and_audited(shop: Mart) -> None:
    gdpr = record_request(
        shop, ZOE, "access", "gdpr", actor="dpo", received_at=dt.datetime(2026, 3, 1, 12)
    )
    ccpa = record_request(
        shop, "ab-1001", "erasure", "ccpa", actor="dpo", received_at=dt.datetime(2026, 2, 1, 9)
    )
    listed = list_requests(shop)
    assert [r.request_id for r in listed] == [ccpa.request_id, gdpr.request_id]
    assert [r.due_date for r in listed] == [dt.date(2026, 3, 18), dt.date(2026, 4, 1)]
    by_id = {r.request_id: r for r in listed}
    assert by_id[gdpr.request_id].subject == pseudonym(ZOE, label=AUDIT_LABEL)
    assert by_id[ccpa.request_id].overdue(dt.date(2026, 3, 19))
    assert not by_id[ccpa.request_id].overdue(dt.date(2026, 3, 18))
    assert by_id[gdpr.request_id].days_left(dt.date(2026, 3, 25)) == 7
    assert [e.action for e in audit.entries(shop)] == ["request", "request"]


def test_closing_a_request(shop: Mart) -> None:
    request = record_request(shop, ZOE, "access", actor="dpo")
    closed = close_request(shop, request.request_id, actor="dpo", note="answered by post")
    assert (closed.status, closed.note) == ("done", "answered by post")
    assert closed.closed_at is not None
    assert list_requests(shop, status="open") == []
    with pytest.raises(RequestError, match="already closed"):
        close_request(shop, request.request_id, actor="dpo")
    with pytest.raises(RequestError, match="no request 99"):
        close_request(shop, 99, actor="dpo")
