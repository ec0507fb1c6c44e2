"""Rows a load rejects again: quarantined by an earlier load of the same bytes, for the same reason.

A load that quarantined rows advises loading the file again once the cause is fixed (a
date format, the customers first), so the same bytes are then read again in full when
something that could change the outcome changed (:mod:`segmint.mart.load_conditions`): what was
loaded is a duplicate by its keys, and what the fix lets in is loaded. A row rejected again
for the reason it was rejected before is already in the quarantine: it counts as a
duplicate of that entry and is not stored twice (a file with one blank line, loaded again
and again, would otherwise add that line to the quarantine each time). A row rejected for
another reason than its current entry gives (another date format tried: the reason names
the value and the format) is stored, and its new entry supersedes the earlier one
(:func:`segmint.mart.quarantine.current`): one row of a file has one current entry, and
each load's entries stay as that load stored them.

A row with a current entry that the load lets in (loaded, or a duplicate of a row in the
mart) resolves its entry: the load records the row in ``quarantine_resolved``, and the
entry is no longer current. A row the load rejects that has no current entry was let in by
an earlier load of the same bytes (the first load of them stores every row it rejects, and
each later one keeps that true): it is in the mart already, so other options (another date
format, another mapping) rejecting it make it a duplicate, not a new entry. Only a row of
an erased subject is quarantined all the same: the erasure took it out of the mart.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

from segmint.mart.connection import Mart
from segmint.mart.plan import count
from segmint.mart.privacy.suppression import ERASED_SUBJECT
from segmint.mart.quarantine import current


def earlier_rejects(mart: Mart, table: str, checksum: str) -> ir.Table | None:
    """``row_number``, ``reason`` of the current quarantine entries of the rows of the
    bytes ``checksum`` loaded into ``table``; None when those bytes were never loaded into
    ``table``."""
    ingests = mart.table("ingests")
    loads = ingests.filter((ingests.table_name == table) & (ingests.checksum == checksum))
    if not count(loads.select("ingest_id")):
        return None
    return current(mart, table, checksum).select("row_number", "reason")


@dataclass(frozen=True)
class Rejects:
    """A load's rejected rows against the current entries of earlier loads of its bytes.

    Attributes:
        stored: the rejected rows (``_row``, ``reason``…) to quarantine as new entries.
        again: rows rejected for the reason of their current entry (duplicates of it).
        replacing: rows of ``stored`` whose new entry supersedes one with another reason.
        loaded_before: the rejected rows an earlier load let in (duplicates; None for a
            file never loaded).
        resolved: ``row_number`` of the rows with a current entry that this load let in
            (None for a file never loaded).
        n_loaded_before: how many rows ``loaded_before`` holds.
    """

    stored: ir.Table
    again: int = 0
    replacing: int = 0
    loaded_before: ir.Table | None = None
    resolved: ir.Table | None = None
    n_loaded_before: int = 0


def split_rejects(rejected: ir.Table, earlier: ir.Table | None, n_read: int) -> Rejects:
    """Sort the ``rejected`` rows of a load of ``n_read`` rows by the current entries
    ``earlier`` of its bytes (None: never loaded, every rejected row is stored)."""
    if earlier is None:
        return Rejects(rejected)
    seen = earlier.select(seen_row="row_number", seen_reason="reason")
    # a row has one current entry: the join adds its reason, or NULL when it has none
    joined = rejected.left_join(seen, rejected._row.cast("int64") == seen.seen_row)
    entry = joined.select(*rejected.columns, "seen_row", "seen_reason")
    has_entry, same = entry.seen_row.notnull(), entry.reason == entry.seen_reason
    erased = entry.reason == ERASED_SUBJECT
    again = count(entry.filter(has_entry & same))
    other = entry.filter(has_entry & ~same)
    new = entry.filter(~has_entry & erased)
    let_in = earlier.filter(earlier.row_number <= n_read)
    resolved = let_in.anti_join(rejected, let_in.row_number == rejected._row.cast("int64"))
    loaded_before = entry.filter(~has_entry & ~erased).select(*rejected.columns)
    return Rejects(
        other.union(new).select(*rejected.columns),
        again,
        count(other),
        loaded_before,
        resolved.select("row_number"),
        count(loaded_before),
    )
