"""Which tables an erasure touches, and how: found in the engine's catalogue, not listed.

Every table with a ``customer_id`` column loses the person's rows (``delete``), whether it
is declared in :mod:`segmint.mart.schema` or was added later by another part of segmint;
declared tables that refer to such a table (``order_lines`` → ``orders``) lose the rows of
the deleted parents (``cascade``); ``privacy_requests`` keep the row without the id
(``redact``); orders kept for accounting get a tombstone (``tombstone``). A declared table
that does none of this must say why it holds no customer data
(:data:`HOLDS_NO_SUBJECT_DATA`), which a test checks with :func:`coverage_gaps`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot.expressions as sge

from segmint.mart.connection import Mart
from segmint.mart.privacy._engine import column, columns_of, mart_tables
from segmint.mart.schema import PRIVACY_REQUESTS, TABLES

SUBJECT = "customer_id"


def subject_text() -> sge.Expression:
    """``CAST(customer_id AS VARCHAR)``: a table added later may keep ids as numbers."""
    return sge.cast(column(SUBJECT), "VARCHAR")


REDACTED = {PRIVACY_REQUESTS.name: SUBJECT}
"""Tables whose rows outlive the person: the customer id is emptied, the row kept."""

HOLDS_NO_SUBJECT_DATA: dict[str, str] = {
    "products": "the catalogue",
    "campaigns": "campaign definitions",
    "ingests": "counts, file paths and checksums of loads",
    "quarantine": "scrubbed on its own: rows whose raw content or reason holds the person",
    "quarantine_resolved": "load ids and row numbers of rejected rows a later load let in",
    "segmentations": "segmentation definitions",
    "model_runs": "fitted parameters and metrics; fits that included the person are flagged",
    "cluster_models": "fitted cluster centres and preparation; fits that included the person "
    "are flagged",
    "api_tokens": "hashes of access tokens",
    "suppression": "keyed hashes of forgotten people, made by the erasure itself",
    "audit_log": "subjects by keyed pseudonym only",
    "retention_policy": "retention periods",
    "shop_settings": "the shop's currency",
    "exports": "file paths; the ones holding the person are listed for purging",
    "refit_flags": "models to refit, by run",
}
"""Declared tables without customer data, and why. A new declared table must either hold
``customer_id``, refer to a table that does, or be listed here (a test checks)."""


@dataclass(frozen=True)
class TableRule:
    """How an erasure treats one table.

    Attributes:
        table: the table.
        action: ``delete`` (rows of the person), ``tombstone`` (orders kept, detached),
            ``redact`` (customer id emptied, row kept) or ``cascade`` (rows whose
            ``column`` refers to deleted rows of ``parent``).
        column: the referring column (cascade).
        parent: the referred table (cascade).
        parent_key: the referred column of ``parent`` (cascade).
    """

    table: str
    action: str
    column: str = SUBJECT
    parent: str = ""
    parent_key: str = ""


def erasure_plan(mart: Mart, *, keep_orders: bool = False) -> list[TableRule]:
    """The rule for every table an erasure touches, cascades first (they need the parents).

    Tables are found in the engine's catalogue: every table with a ``customer_id`` column,
    and every declared table that refers to one of them.
    """
    present = mart_tables(mart)
    with_subject = {name for name in present if SUBJECT in columns_of(mart, name)}
    cascades: list[TableRule] = []
    for name in present:
        declared = TABLES.get(name)
        if declared is None or name in with_subject:
            continue
        for col, parent in declared.references.items():
            if parent in with_subject and parent != "customers":
                key = TABLES[parent].key[0] if parent in TABLES else col
                cascades.append(TableRule(name, "cascade", col, parent, key))
    direct: list[TableRule] = []
    for name in sorted(with_subject):
        if name in REDACTED:
            direct.append(TableRule(name, "redact"))
        elif name == "orders" and keep_orders:
            direct.append(TableRule(name, "tombstone"))
        else:
            direct.append(TableRule(name, "delete"))
    return cascades + direct


def coverage_gaps() -> list[str]:
    """Declared tables an erasure would not reach and that are not listed as holding no
    customer data: a new table must be one or the other."""
    with_subject = {n for n, t in TABLES.items() if SUBJECT in t.column_names}
    reached = with_subject | {
        n for n, t in TABLES.items() if any(p in with_subject for p in t.references.values())
    }
    return sorted(set(TABLES) - reached - set(HOLDS_NO_SUBJECT_DATA))
