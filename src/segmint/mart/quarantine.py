"""Reading back what was rejected and what each load did.

A row of a file is quarantined once: when a later load of the same bytes into the same
table rejects it for another reason (another date format tried, say), the later entry is
stored and supersedes the earlier one, which stays as the history of its load
(:mod:`segmint.mart.rejected_again`). Listings show the current entry of each row unless
asked for the superseded ones too, or for the entries of one load.
"""

from __future__ import annotations

import ibis

from segmint.mart.connection import Mart


def current(mart: Mart, table: str | None = None, checksum: str | None = None) -> ibis.Table:
    """The quarantine entries no later entry of the same row of the same file supersedes
    (the same bytes loaded into the same table: ``ingests.table_name``, ``checksum``), with
    those two columns; only those of the bytes ``checksum`` loaded into ``table`` when given."""
    rows = mart.table("quarantine")
    loads = mart.table("ingests").select("ingest_id", "table_name", "checksum")
    if table is not None and checksum is not None:
        loads = loads.filter((loads.table_name == table) & (loads.checksum == checksum))
    tagged = rows.inner_join(loads, "ingest_id")
    newest = tagged.ingest_id.max().over(
        group_by=[tagged.table_name, tagged.checksum, tagged.row_number]
    )
    return tagged.filter(tagged.ingest_id == newest)


def quarantined(
    mart: Mart,
    ingest_id: int | None = None,
    reason: str | None = None,
    *,
    superseded: bool = False,
) -> ibis.Table:
    """Rejected rows, newest load first; optionally of one load or with a reason containing
    ``reason``. The current entry of each row of a file, unless ``superseded`` (every
    entry) or ``ingest_id`` (every entry that load stored) is given."""
    rows = mart.table("quarantine")
    if ingest_id is not None:
        rows = rows.filter(rows.ingest_id == ingest_id)
    elif not superseded:
        rows = current(mart).select(*rows.columns)
    if reason:
        rows = rows.filter(rows.reason.contains(reason))
    return rows.order_by([ibis.desc("ingest_id"), "row_number"])


def n_superseded(mart: Mart) -> int:
    """How many quarantine entries a later entry of the same row of the same file superseded."""
    every = mart.table("quarantine").count().execute()
    return int(every) - int(current(mart).count().execute())


def reasons(mart: Mart, ingest_id: int | None = None, *, superseded: bool = False) -> ibis.Table:
    """Rejected rows counted by kind of reason: the reason with its values blanked out
    (the rows :func:`quarantined` lists)."""
    rows = quarantined(mart, ingest_id, superseded=superseded)
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
