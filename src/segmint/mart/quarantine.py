"""Reading back what was rejected and what each load did.

A row of a file is quarantined once: when a later load of the same bytes into the same
table rejects it for another reason (another date format tried, say), the later entry is
stored and supersedes the earlier one, which stays as the history of its load
(:mod:`segmint.mart.rejected_again`). When a later load of those bytes lets the row in
(its customer loaded since, a date format given), the load records it in
``quarantine_resolved`` and the entry is resolved: the row is in the mart, so no entry of it
is current any more. Listings show the current entry of each row unless asked for the
superseded and resolved ones too, or for the entries of one load.
"""

from __future__ import annotations

import ibis

from segmint.mart.connection import Mart

RESOLVED = "quarantine_resolved"
"""The table of the rows a later load let in (:data:`segmint.mart.schema.QUARANTINE_RESOLVED`)."""


def current(mart: Mart, table: str | None = None, checksum: str | None = None) -> ibis.Table:
    """The quarantine entries no later entry of the same row of the same file supersedes
    (the same bytes loaded into the same table: ``ingests.table_name``, ``checksum``) and
    no later load of that file resolved by letting the row in, with those two columns;
    only those of the bytes ``checksum`` loaded into ``table`` when given."""
    newest = _newest(mart, table, checksum)
    let_in = _let_in(mart)
    if let_in is None:
        return newest
    return newest.anti_join(let_in, _later_same_row(newest, let_in))


def _newest(mart: Mart, table: str | None, checksum: str | None) -> ibis.Table:
    """The newest quarantine entry of each row of each file (superseding the others), with
    ``table_name`` and ``checksum``."""
    rows = mart.table("quarantine")
    loads = mart.table("ingests").select("ingest_id", "table_name", "checksum")
    if table is not None and checksum is not None:
        loads = loads.filter((loads.table_name == table) & (loads.checksum == checksum))
    tagged = rows.inner_join(loads, "ingest_id")
    row = ["table_name", "checksum", "row_number"]
    # a join on the newest load of each row, not a window: Spark's SQL takes it too
    newest = tagged.group_by(row).aggregate(newest=tagged.ingest_id.max())
    joined = tagged.inner_join(newest, [*row, tagged.ingest_id == newest.newest])
    return joined.select(*tagged.columns)


def _let_in(mart: Mart) -> ibis.Table | None:
    """``let_in_by``, ``let_in_table``, ``let_in_checksum``, ``let_in_row``: the rows of
    files that loads let in while an earlier load had them in quarantine; None in a
    warehouse of an older segmint opened read-only (no such table yet)."""
    if not mart.has_table(RESOLVED):
        return None
    done = mart.table(RESOLVED)
    loads = mart.table("ingests").select("ingest_id", "table_name", "checksum")
    tagged = done.inner_join(loads, "ingest_id")
    return tagged.select(
        let_in_by=tagged.ingest_id,
        let_in_table=tagged.table_name,
        let_in_checksum=tagged.checksum,
        let_in_row=tagged.row_number,
    )


def _later_same_row(entries: ibis.Table, let_in: ibis.Table) -> list[ibis.Value]:
    """The join of entries with the later loads that let in the same row of the same file."""
    return [
        entries.table_name == let_in.let_in_table,
        entries.checksum == let_in.let_in_checksum,
        entries.row_number == let_in.let_in_row,
        entries.ingest_id < let_in.let_in_by,
    ]


def quarantined(
    mart: Mart,
    ingest_id: int | None = None,
    reason: str | None = None,
    *,
    superseded: bool = False,
) -> ibis.Table:
    """Rejected rows, newest load first; optionally of one load or with a reason containing
    ``reason``. The current entry of each row of a file, unless ``superseded`` (every
    entry) or ``ingest_id`` (every entry that load stored) is given: those listings add
    ``let_in_by``, the first later load that let the entry's row in (NULL if none did)."""
    rows = mart.table("quarantine")
    if ingest_id is not None:
        rows = rows.filter(rows.ingest_id == ingest_id)
    elif not superseded:
        rows = current(mart).select(*rows.columns)
    if ingest_id is not None or superseded:
        rows = _with_let_in_by(mart, rows)
    if reason:
        rows = rows.filter(rows.reason.contains(reason))
    return rows.order_by([ibis.desc("ingest_id"), "row_number"])


def _with_let_in_by(mart: Mart, rows: ibis.Table) -> ibis.Table:
    """``rows`` (quarantine entries) with ``let_in_by``: the first load after each entry
    that let its row in."""
    let_in = _let_in(mart)
    if let_in is None:
        return rows.mutate(let_in_by=ibis.null("int64"))
    loads = mart.table("ingests").select("ingest_id", "table_name", "checksum")
    tagged = rows.inner_join(loads, "ingest_id")
    found = tagged.left_join(let_in, _later_same_row(tagged, let_in))
    first = found.group_by("ingest_id", "row_number").aggregate(let_in_by=found.let_in_by.min())
    joined = rows.left_join(first, ["ingest_id", "row_number"])
    return joined.select(*(rows[c] for c in rows.columns), joined.let_in_by)


def n_superseded(mart: Mart) -> int:
    """How many quarantine entries a later entry of the same row of the same file superseded."""
    every = mart.table("quarantine").count().execute()
    return int(every) - int(_newest(mart, None, None).count().execute())


def n_resolved(mart: Mart) -> int:
    """How many newest entries of a row are resolved: a later load of the file let the row in."""
    newest = int(_newest(mart, None, None).count().execute())
    return newest - int(current(mart).count().execute())


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
