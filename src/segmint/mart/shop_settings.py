"""Facts about the shop kept in the mart (``shop_settings``): its currency.

The currency belongs to the data, not to one tool: the CLI, the server and the report read
it from the same mart, so they agree. A mart made before the table existed gets it the next
time it is opened for writing (:meth:`segmint.mart.Mart.init`); until then, and while no
currency is set, :func:`shop_currency` is None and amounts are shown as plain numbers.

Every change is recorded in the audit trail (action ``currency``, with the code set and the
one it replaced), as changes of the retention policy are: a currency changes how every
amount reads, so who changed it, and when, is kept.
"""

from __future__ import annotations

import datetime as dt

import ibis

from segmint.mart.clock import utcnow
from segmint.mart.connection import Mart
from segmint.mart.currency import ISO_4217, check_currency
from segmint.mart.fetch import values
from segmint.mart.privacy import audit
from segmint.mart.schema import SHOP_SETTINGS

TABLE = SHOP_SETTINGS.name
CURRENCY = "currency"
AUDIT_ACTION = "currency"
"""The audit trail's action for a change of the shop's currency."""


def shop_currency(mart: Mart) -> str | None:
    """The ISO 4217 code of the shop's amounts, or None when none is set (or the mart
    predates the setting, or holds a value :func:`set_currency` would not have stored: it
    reaches pages, figures and terminals, so only a known code is taken)."""
    if not mart.has_table(TABLE):
        return None
    rows = mart.table(TABLE)
    found = values(rows.filter(rows.setting == CURRENCY).value)
    return str(found[0]) if found and found[0] in ISO_4217 else None


def set_currency(
    mart: Mart, code: str | None, actor: str, *, now: dt.datetime | None = None
) -> str | None:
    """Store ``code`` as the shop's currency (None clears it) and return what is stored; the
    change is recorded in the audit trail (``currency``: the code set, null when cleared;
    ``previous``: the one it replaced), in the same transaction. Setting the code already
    set (or clearing none) changes nothing and records nothing.

    Args:
        mart: the mart, open for writing.
        code: an ISO 4217 code (any case, :func:`segmint.mart.currency.check_currency`).
        actor: who set it: a token's label or ``cli:<user>`` (never a token).
        now: the time recorded (UTC); the clock's when omitted.

    Raises:
        InputError: ``code`` is not a known ISO 4217 code; nothing is stored.
        AuditError: ``actor`` is empty or a token; nothing is stored.
    """
    checked = None if code is None else check_currency(code)
    if not mart.has_table(TABLE):
        mart.init()
    previous = shop_currency(mart)
    if checked == previous:
        return checked
    at = now or utcnow()
    with mart.transaction():
        mart.delete(TABLE, setting=CURRENCY)
        if checked is not None:
            row = {
                "setting": [CURRENCY],
                "value": [checked],
                "set_at": [at],
                "set_by": [actor],
            }
            mart.insert(TABLE, ibis.memtable(row, schema=SHOP_SETTINGS.ibis_schema()))
        details = {"currency": checked, "previous": previous}
        audit.record(mart, actor, AUDIT_ACTION, details=details, now=at)
    return checked
