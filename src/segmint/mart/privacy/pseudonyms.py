"""Keyed pseudonyms of customer ids, for data that leaves segmint for analysis.

A pseudonym is ``p_`` and 32 hex digits of HMAC-SHA256 of the customer id under a key
derived from the privacy key and a *label*: the same id gets the same pseudonym for as long
as the key and label stay the same (so exports made on different days join), and another
label gives unrelated pseudonyms (rotation: ``label="exports-2026"`` starts afresh without
touching the suppression list, which depends on the key alone). Without the key nobody can
compute a pseudonym from an id, nor an id from a pseudonym; with the key and an id one can
(pseudonymised data is still personal data under the GDPR, recital 26).

The audit log names its subjects with the label :data:`AUDIT_LABEL`.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis.expr.types as ir

from segmint.exceptions import SchemaError
from segmint.mart.connection import Mart
from segmint.mart.privacy.keys import PrivacyKey, privacy_key
from segmint.mart.scratch import scratch

EXPORT_LABEL = "exports"
"""Default label of export pseudonyms."""
AUDIT_LABEL = "audit"
"""Label of the pseudonyms that name subjects in the audit log and in requests."""
PREFIX = "p_"
HEX_DIGITS = 32
"""Hex digits kept (128 bits): no two customers of any real mart share a pseudonym."""


def pseudonym(
    customer_id: str, *, key: PrivacyKey | str | None = None, label: str = EXPORT_LABEL
) -> str:
    """The pseudonym of one customer id under ``key`` (default ``SEGMINT_PRIVACY_KEY``)."""
    return pseudonymise([customer_id], key=key, label=label)[0]


def pseudonymise(
    customer_ids: Iterable[str], *, key: PrivacyKey | str | None = None, label: str = EXPORT_LABEL
) -> list[str]:
    """The pseudonyms of ``customer_ids``, in their order.

    Raises:
        PrivacyKeyError: no key given and ``SEGMINT_PRIVACY_KEY`` is unset.
        ValueError: ``label`` is empty.
    """
    ids = [customer_ids] if isinstance(customer_ids, str) else [str(c) for c in customer_ids]
    table = _pseudonym_map(ids, privacy_key(key), label)
    return [table[c] for c in ids]


def _pseudonym_map(ids: Iterable[str], key: PrivacyKey, label: str) -> dict[str, str]:
    if not label.strip():
        raise ValueError("a pseudonym label cannot be empty; use e.g. 'exports' or 'exports-2026'")
    digests = key.digests(f"pseudonym/{label}", ids)
    return {value: PREFIX + digest[:HEX_DIGITS] for value, digest in digests.items()}


def pseudonymise_column(
    mart: Mart,
    table: ir.Table,
    column: str = "customer_id",
    *,
    key: PrivacyKey | str | None = None,
    label: str = EXPORT_LABEL,
) -> ir.Table:
    """``table`` with ``column`` replaced by its pseudonyms (same name, same position).

    The distinct ids are hashed in Python (the engine has no keyed hash) and joined back in
    the engine, so the result is still an Ibis expression to write with ``to_csv`` or
    ``to_parquet``. Null ids stay null.

    Raises:
        SchemaError: ``table`` has no column ``column``.
        PrivacyKeyError: no key given and ``SEGMINT_PRIVACY_KEY`` is unset.
    """
    if column not in table.columns:
        raise SchemaError(
            f"cannot pseudonymise '{column}': the table has no such column; "
            f"its columns are {list(table.columns)}"
        )
    resolved = privacy_key(key)
    ids = table.select(_id=table[column].cast("string")).distinct()
    values = [v for v in ids.to_pyarrow().column("_id").to_pylist() if v is not None]
    mapping = _pseudonym_map(values, resolved, label)
    lookup = scratch(
        mart,
        {"_pseudo_id": list(mapping), "_pseudonym": list(mapping.values())},
        {"_pseudo_id": "string", "_pseudonym": "string"},
    )
    joined = table.left_join(lookup, table[column].cast("string") == lookup._pseudo_id)
    return joined.select(
        *[joined._pseudonym.name(c) if c == column else joined[c] for c in table.columns]
    )
