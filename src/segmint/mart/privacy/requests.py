"""Data subjects' requests and their deadlines: access and erasure, GDPR and CCPA.

A request is recorded when it arrives, with the day it must be answered by:

* GDPR (art. 12(3)): within one month of receipt. A month ends on the same day of the next
  month, or on that month's last day when it has no such day (received 31 January: due
  28 or 29 February), as EU law counts periods (Regulation 1182/71, art. 3).
* CCPA (Cal. Civ. Code § 1798.130(a)(2)): within 45 calendar days of receipt.

Both laws allow an extension when the requester is told in time; record it by closing and
noting it, or by recording the request again with the new date. :func:`forget` marks the
person's open erasure requests done and :func:`subject_access` their access requests.
A request keeps the customer id only until the person is forgotten; its keyed pseudonym
(``subject``) stays, so the log of requests answered outlives the person.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass

import ibis
import sqlglot.expressions as sge

from segmint.exceptions import SegmintError
from segmint.mart.connection import Mart
from segmint.mart.privacy import audit
from segmint.mart.privacy._engine import bound, column, execute, table_ref, utcnow
from segmint.mart.privacy.keys import PrivacyKey
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonym
from segmint.mart.privacy.spelling import held_otherwise
from segmint.mart.schema import PRIVACY_REQUESTS, REQUEST_KINDS, REQUEST_LAWS

TABLE = PRIVACY_REQUESTS.name
CCPA_DAYS = 45


class RequestError(SegmintError):
    """A request that cannot be recorded or closed as asked."""


@dataclass(frozen=True)
class PrivacyRequest:
    """One access or erasure request.

    Attributes:
        request_id: its id.
        kind: access or erasure.
        law: gdpr or ccpa.
        customer_id: the customer; None once they were forgotten.
        subject: the customer's keyed pseudonym (kept after an erasure).
        received_at: when it arrived (UTC).
        due_date: the last day to answer it.
        status: open or done.
        closed_at: when it was answered; None while open.
        note: free text.
    """

    request_id: int
    kind: str
    law: str
    customer_id: str | None
    subject: str
    received_at: dt.datetime
    due_date: dt.date
    status: str
    closed_at: dt.datetime | None
    note: str

    def days_left(self, today: dt.date | None = None) -> int:
        """Days until the due date (negative when overdue)."""
        return (self.due_date - (today or utcnow().date())).days

    def overdue(self, today: dt.date | None = None) -> bool:
        """True when still open after its due date."""
        return self.status == "open" and self.days_left(today) < 0


def due_date(received: dt.date, law: str) -> dt.date:
    """The last day to answer a request received on ``received`` under ``law``.

    Raises:
        RequestError: ``law`` is not gdpr or ccpa.
    """
    law = _choice(law, REQUEST_LAWS, "law")
    if law == "ccpa":
        return received + dt.timedelta(days=CCPA_DAYS)
    year, month = (
        (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    )
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(received.day, last))


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    cleaned = value.strip().lower()
    if cleaned not in allowed:
        raise RequestError(
            f"the {what} of a request must be one of {', '.join(allowed)}; got {value!r}"
        )
    return cleaned


def record_request(
    mart: Mart,
    customer_id: str,
    kind: str,
    law: str = "gdpr",
    *,
    actor: str,
    received_at: dt.datetime | None = None,
    note: str = "",
    key: PrivacyKey | str | None = None,
) -> PrivacyRequest:
    """Record an access or erasure request and its due date; also in the audit log.

    Args:
        mart: the mart, open for writing.
        customer_id: whom the request is about.
        kind: ``access`` or ``erasure``.
        law: ``gdpr`` (one month) or ``ccpa`` (45 days).
        actor: who records it.
        received_at: when it arrived (UTC; default now): the deadline counts from it.
        note: free text (a reference, the channel). Not personal data: it is kept after an
            erasure.
        key: the privacy key (for the pseudonym); default ``SEGMINT_PRIVACY_KEY``.

    Raises:
        RequestError: unknown kind or law, an empty customer id, or one the mart holds only
            in another spelling (``13085.0`` for ``13085``; an id it does not hold at all
            is recorded: the person may ask before their data arrives).
        PrivacyKeyError: no privacy key.
    """
    kind = _choice(kind, REQUEST_KINDS, "kind")
    law = _choice(law, REQUEST_LAWS, "law")
    if not customer_id.strip():
        raise RequestError("a request needs the customer id it is about")
    if held := held_otherwise(mart, customer_id, complete=True):
        raise RequestError(
            f"no customer holds the id '{customer_id}' as written; did you mean "
            f"{' or '.join(repr(i) for i in held)}? Record the request under the id the mart "
            "holds, so that the subject access or erasure that answers it closes it."
        )
    received = (received_at or utcnow()).replace(tzinfo=None)
    due = due_date(received.date(), law)
    subject = pseudonym(customer_id, key=key, label=AUDIT_LABEL)
    with mart.transaction():
        request_id = int(mart.table(TABLE).request_id.max().fill_null(0).execute()) + 1
        request = PrivacyRequest(
            request_id, kind, law, customer_id, subject, received, due, "open", None, note
        )
        row = {name: [value] for name, value in asdict(request).items()}
        mart.insert(TABLE, ibis.memtable(row, schema=PRIVACY_REQUESTS.ibis_schema()))
        audit.record(
            mart,
            actor,
            "request",
            pseudonyms=[subject],
            details={"request_id": request_id, "kind": kind, "law": law, "due_date": due},
        )
    return request


def list_requests(
    mart: Mart, *, status: str | None = None, kind: str | None = None
) -> list[PrivacyRequest]:
    """Requests, soonest due first; only those of ``status`` / ``kind`` when given."""
    table = mart.table(TABLE)
    if status is not None:
        table = table.filter(table.status == status)
    if kind is not None:
        table = table.filter(table.kind == kind)
    rows = table.order_by(["due_date", "request_id"]).to_pyarrow().to_pylist()
    return [_request(row) for row in rows]


def close_requests(
    mart: Mart,
    customer_id: str,
    kind: str,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Mark the open ``kind`` requests of ``customer_id`` done; how many were closed."""
    statement = sge.Update(
        this=table_ref(TABLE),
        expressions=[
            sge.EQ(this=column("status"), expression=sge.convert("done")),
            sge.EQ(this=column("closed_at"), expression=bound()),
        ],
        where=sge.Where(
            this=sge.and_(
                column("customer_id").eq(bound()),
                column("kind").eq(bound()),
                column("status").eq(sge.convert("open")),
            )
        ),
    )
    return execute(mart, statement, [(now or utcnow()).replace(tzinfo=None), customer_id, kind])


def close_request(
    mart: Mart,
    request_id: int,
    *,
    actor: str,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> PrivacyRequest:
    """Mark one request done (answered another way, or refused with a reason in ``note``).

    Raises:
        RequestError: there is no request ``request_id``, or it is already done.
    """
    table = mart.table(TABLE)
    found = table.filter(table.request_id == request_id).to_pyarrow().to_pylist()
    if not found:
        raise RequestError(f"there is no request {request_id}; `list_requests` shows them")
    request = _request(found[0])
    if request.status == "done":
        raise RequestError(f"request {request_id} was already closed on {request.closed_at}")
    closed = (now or utcnow()).replace(tzinfo=None)
    statement = sge.Update(
        this=table_ref(TABLE),
        expressions=[
            sge.EQ(this=column("status"), expression=sge.convert("done")),
            sge.EQ(this=column("closed_at"), expression=bound()),
            sge.EQ(this=column("note"), expression=bound()),
        ],
        where=sge.Where(this=column("request_id").eq(bound())),
    )
    with mart.transaction():
        execute(mart, statement, [closed, request.note if note is None else note, request_id])
        audit.record(
            mart,
            actor,
            "request_closed",
            pseudonyms=[request.subject],
            details={"request_id": request_id, "kind": request.kind},
            now=closed,
        )
    row = mart.table(TABLE).filter(mart.table(TABLE).request_id == request_id).to_pyarrow()
    return _request(row.to_pylist()[0])


def _request(row: dict[str, object]) -> PrivacyRequest:
    received, due, closed = row["received_at"], row["due_date"], row["closed_at"]
    assert isinstance(received, dt.datetime) and isinstance(due, dt.date)
    assert closed is None or isinstance(closed, dt.datetime)
    customer = row["customer_id"]
    return PrivacyRequest(
        int(str(row["request_id"])),
        str(row["kind"]),
        str(row["law"]),
        None if customer is None else str(customer),
        str(row["subject"]),
        received,
        due,
        str(row["status"]),
        closed,
        str(row["note"] or ""),
    )
