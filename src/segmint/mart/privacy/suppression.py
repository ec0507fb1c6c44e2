"""The suppression list: forgotten people, kept only as keyed hashes, kept out for good.

When a person is forgotten (:func:`segmint.mart.privacy.forget`), HMAC-SHA256 digests of
their customer id, their normalised e-mail addresses and their order ids go to the table
``suppression``; the values themselves are deleted everywhere. Then:

* every load checks its rows against the list (:func:`mark_erased`, called by
  :mod:`segmint.mart.tables` and :mod:`segmint.mart.transactions`): a row of a forgotten
  customer, a personal-data row with a forgotten e-mail, or a line of a forgotten order
  goes to quarantine with the reason ``erased subject`` and *without* its content
  (:func:`withhold_raw`), so the load still reconciles (read = loaded + duplicates +
  quarantined) and the person stays out;
* every export removes them (:func:`without_suppressed`), also when they came back under
  another id with the same e-mail address.

The engine has no keyed hash, so values are hashed in Python: only the distinct values of
a load or an export, and only when the list is not empty (a mart nobody was forgotten from
pays one ``count``). The digests depend on ``SEGMINT_PRIVACY_KEY``; each row keeps the id
of its key, and a mart read with another key is refused (:class:`PrivacyKeyError`) rather
than letting forgotten people back in unnoticed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

from segmint.mart.connection import Mart
from segmint.mart.privacy._engine import utcnow
from segmint.mart.privacy.keys import PrivacyKey, PrivacyKeyError, normalise_email, privacy_key
from segmint.mart.schema import SUPPRESSION, SUPPRESSION_KINDS
from segmint.mart.scratch import scratch, scratch_scope
from segmint.mart.validation import REASON

ERASED_SUBJECT = "erased subject"
"""Quarantine reason of a loaded row that belongs to a forgotten person."""
WITHHELD = "(withheld: the row belongs to an erased subject)"
"""What quarantine keeps instead of the raw content of such a row."""
TABLE = SUPPRESSION.name


def _purpose(kind: str) -> str:
    return f"suppression/{kind}"


def _normalise(kind: str, value: str) -> str:
    return normalise_email(value) if kind == "email" else value


def suppress(
    mart: Mart,
    *,
    customer_ids: Iterable[str] = (),
    emails: Iterable[str] = (),
    order_ids: Iterable[str] = (),
    key: PrivacyKey | str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Add the keyed hashes of these values to the suppression list; how many were new.

    Call it inside the caller's transaction when it is part of an erasure.

    Raises:
        PrivacyKeyError: no key, or the list was made with another key.
    """
    resolved = privacy_key(key)
    check_key(mart, resolved)
    values = {"customer_id": customer_ids, "email": emails, "order_id": order_ids}
    kinds: list[str] = []
    digests: list[str] = []
    for kind, given in values.items():
        normalised = {_normalise(kind, str(v)) for v in given if v is not None and str(v) != ""}
        for digest in resolved.digests(_purpose(kind), normalised).values():
            kinds.append(kind)
            digests.append(digest)
    if not digests:
        return 0
    rows = scratch(mart, {"kind": kinds, "digest": digests}, {"kind": "string", "digest": "string"})
    existing = mart.table(TABLE).select("kind", "digest")
    new = rows.distinct().anti_join(existing, ["kind", "digest"])
    new = new.mutate(
        key_id=ibis.literal(resolved.key_id),
        added_at=ibis.literal(now or utcnow(), "timestamp"),
    )
    before = mart.count(TABLE)
    mart.insert(TABLE, new.select(*SUPPRESSION.column_names))
    return mart.count(TABLE) - before


def has_suppressed(mart: Mart) -> bool:
    """True when anybody was ever forgotten from this mart."""
    return mart.has_table(TABLE) and mart.count(TABLE) > 0


def check_key(mart: Mart, key: PrivacyKey) -> None:
    """Raise when the suppression list holds hashes made with another key.

    Raises:
        PrivacyKeyError: names the key ids found and says what to do.
    """
    if not mart.has_table(TABLE):
        return
    table = mart.table(TABLE)
    found = {str(v) for v in table.select("key_id").distinct().key_id.to_pyarrow().to_pylist()}
    others = sorted(found - {key.key_id})
    if others:
        raise PrivacyKeyError(
            f"the suppression list of {mart.path} was made with another privacy key "
            f"(key id {', '.join(others)}; the key in use has id {key.key_id}). Set "
            "SEGMINT_PRIVACY_KEY to the key used when those people were forgotten: with "
            "another key they could no longer be recognised and kept out."
        )


def suppressed_values(
    mart: Mart, kind: str, values: Iterable[str], *, key: PrivacyKey | str | None = None
) -> set[str]:
    """The ``values`` (customer ids, e-mails or order ids, as given) that are suppressed."""
    if kind not in SUPPRESSION_KINDS:
        raise ValueError(f"unknown suppression kind '{kind}'; choose one of {SUPPRESSION_KINDS}")
    given = {str(v) for v in values if v is not None}
    if not given or not has_suppressed(mart):
        return set()
    resolved = privacy_key(key)
    check_key(mart, resolved)
    normalised = {v: _normalise(kind, v) for v in given}
    digests = resolved.digests(_purpose(kind), set(normalised.values()))
    table = mart.table(TABLE)
    wanted = list(set(digests.values()))
    with scratch_scope(mart):  # read at once: a long-lived connection keeps nothing
        probe = scratch(mart, {"digest": wanted}, {"digest": "string"})
        hits = table.filter(table.kind == kind).semi_join(probe, "digest").digest.to_pyarrow()
    found = set(hits.to_pylist())
    return {v for v in given if digests[normalised[v]] in found}


def is_suppressed(
    mart: Mart,
    *,
    customer_id: str | None = None,
    email: str | None = None,
    key: PrivacyKey | str | None = None,
) -> bool:
    """True when this customer id or e-mail address belongs to a forgotten person."""
    if customer_id is not None and suppressed_values(mart, "customer_id", [customer_id], key=key):
        return True
    return email is not None and bool(suppressed_values(mart, "email", [email], key=key))


def without_suppressed(
    mart: Mart,
    table: ir.Table,
    column: str = "customer_id",
    *,
    email_column: str | None = None,
    key: PrivacyKey | str | None = None,
) -> ir.Table:
    """``table`` without the rows of forgotten people: the filter every export applies.

    Args:
        mart: the mart whose suppression list applies.
        table: the rows to export (an Ibis expression over the mart).
        column: the column holding customer ids.
        email_column: a column holding e-mail addresses, also checked when given.
        key: the privacy key; default ``SEGMINT_PRIVACY_KEY`` (needed only when somebody
            was forgotten).

    Returns:
        An Ibis expression (``table`` itself when nobody was ever forgotten).
    """
    if not has_suppressed(mart):
        return table
    for kind, name in (("customer_id", column), ("email", email_column)):
        if name is None:
            continue
        values = table.select(_v=table[name].cast("string")).distinct()
        hits = suppressed_values(mart, kind, _present(values), key=key)
        if hits:
            found = scratch(mart, {"_v": sorted(hits)}, {"_v": "string"})
            table = table.filter(~table[name].cast("string").isin(found._v))
    return table


def mark_erased(mart: Mart, rows: ir.Table, *, key: PrivacyKey | str | None = None) -> ir.Table:
    """Give rows of forgotten people the reason :data:`ERASED_SUBJECT` (the ingest hook).

    ``rows`` are checked rows of a load (mart columns plus ``_reason``); the columns
    ``customer_id``, ``email`` and ``order_id``, where present, are compared with the list.
    The reason replaces any other: such a row is never kept, not even in quarantine.

    Raises:
        PrivacyKeyError: somebody was forgotten but ``SEGMINT_PRIVACY_KEY`` is unset, or it is
            another key than the one the list was made with.
    """
    present = [kind for kind in SUPPRESSION_KINDS if kind in rows.columns]
    if not present or not has_suppressed(mart):
        return rows
    try:
        resolved = privacy_key(key)
    except PrivacyKeyError as exc:
        raise PrivacyKeyError(
            f"the mart {mart.path} has a suppression list of forgotten people, and every load "
            f"is checked against it so that they stay out; that needs the privacy key. {exc}"
        ) from None
    flag: ir.BooleanValue = ibis.literal(False)
    for kind in present:
        values = rows.select(_v=rows[kind].cast("string")).distinct()
        hits = suppressed_values(mart, kind, _present(values), key=resolved)
        if hits:
            found = scratch(mart, {"_v": sorted(hits)}, {"_v": "string"})
            flag = flag | rows[kind].cast("string").isin(found._v).fill_null(False)
    return rows.mutate(**{REASON: ibis.ifelse(flag, ibis.literal(ERASED_SUBJECT), rows[REASON])})


def withhold_raw(reason: ir.StringValue, raw: ir.StringValue) -> ir.StringValue:
    """The raw content quarantine keeps: :data:`WITHHELD` for rows of forgotten people."""
    result: ir.StringValue = ibis.ifelse(reason == ERASED_SUBJECT, ibis.literal(WITHHELD), raw)
    return result


def _present(values: ir.Table) -> list[str]:
    return [v for v in values._v.to_pyarrow().to_pylist() if v is not None]
