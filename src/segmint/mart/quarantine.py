"""Reading back what was rejected and what each load did."""

from __future__ import annotations

import ibis

from segmint.mart.connection import Mart


def quarantined(mart: Mart, ingest_id: int | None = None, reason: str | None = None) -> ibis.Table:
    """Rejected rows, newest load first; optionally of one load or with a reason containing ``reason``."""
    rows = mart.table("quarantine")
    if ingest_id is not None:
        rows = rows.filter(rows.ingest_id == ingest_id)
    if reason:
        rows = rows.filter(rows.reason.contains(reason))
    return rows.order_by([ibis.desc("ingest_id"), "row_number"])


def reasons(mart: Mart, ingest_id: int | None = None) -> ibis.Table:
    """Rejected rows counted by kind of reason: the reason with its values blanked out."""
    rows = quarantined(mart, ingest_id)
    kind = (
        rows.reason.re_replace(r"'[^']*'", "'…'")
        .re_replace(r"=[^ ,)]+", "=…")
        .re_replace(r"row \d+", "row …")
    )
    return rows.group_by(kind=kind).aggregate(rows=rows.count()).order_by(ibis.desc("rows"))


def history(mart: Mart) -> ibis.Table:
    """Every load, newest first."""
    ingests = mart.table("ingests")
    return ingests.order_by(ibis.desc("ingest_id"))
