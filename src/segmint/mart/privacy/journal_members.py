"""Who is in a download a server journalled: its audit pseudonyms back to customer ids.

A server's journal names the members of an audience it handed out by audit pseudonym
(:mod:`segmint.mart.privacy.journal`), so no customer id lies in a plain file beside the
mart. The export registry needs the ids (an erasure finds the exports holding a person by
id, and the person's rows there go with the person), so the collection computes the audit
pseudonym of every customer the mart knows and keeps those that match: a keyed hash cannot
be reversed, only recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

from segmint.mart.connection import Mart
from segmint.mart.privacy._engine import mart_tables
from segmint.mart.privacy.coverage import SUBJECT
from segmint.mart.privacy.keys import PrivacyKey, PrivacyKeyError, privacy_key
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonymise

CANDIDATE_TABLES = ("customers", "assignments", "recommendations", "scores", "orders")
"""Where the members of a download can come from (every customer a server can list)."""


def resolve_members(
    mart: Mart, pseudonyms: Sequence[str], key: PrivacyKey | str | None = None
) -> tuple[str, ...] | None:
    """The customer ids whose audit pseudonyms are ``pseudonyms``, sorted.

    Returns:
        None when some cannot be found (the person is gone, or the key changed) or there
        is no privacy key: the export is then registered as one that may hold anybody.
    """
    wanted = set(pseudonyms)
    if not wanted:
        return ()
    try:
        resolved = privacy_key(key)
    except PrivacyKeyError:
        return None
    ids = _known_ids(mart)
    found = {
        p: c
        for c, p in zip(ids, pseudonymise(ids, key=resolved, label=AUDIT_LABEL), strict=True)
        if p in wanted
    }
    if len(found) < len(wanted):
        return None
    return tuple(sorted(found.values()))


def _known_ids(mart: Mart) -> list[str]:
    present = set(mart_tables(mart))
    parts: list[ir.Table] = []
    for name in CANDIDATE_TABLES:
        if name in present and SUBJECT in mart.table(name).columns:
            table = mart.table(name)
            parts.append(table.select(customer_id=table[SUBJECT].cast("string")))
    if not parts:
        return []
    union = parts[0].union(*parts[1:], distinct=True)
    union = union.filter(union.customer_id.notnull())
    return [str(v) for v in union.to_pyarrow().column(0).to_pylist()]
