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
"""

from __future__ import annotations

import ibis.expr.types as ir

from segmint.mart.connection import Mart
from segmint.mart.plan import count
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


def split_rejects(rejected: ir.Table, earlier: ir.Table | None) -> tuple[ir.Table, int, int]:
    """The rows of ``rejected`` (``_row``, ``reason``…) not rejected before for the same
    reason; how many were (duplicates of their entries); and how many of the others
    supersede an entry of their row with another reason (0, 0 when ``earlier`` is None:
    a file never loaded)."""
    if earlier is None:
        return rejected, 0, 0
    seen = earlier.select(seen_row="row_number", seen_reason="reason")
    key = [rejected._row.cast("int64") == seen.seen_row, rejected.reason == seen.seen_reason]
    again = count(rejected.semi_join(seen, key))
    with_entry = count(rejected.semi_join(seen, key[:1]))  # a row has one current entry
    return rejected.anti_join(seen, key), again, with_entry - again
