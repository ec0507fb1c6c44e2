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

The same rows come in other files too: an export saved as CSV and as Parquet, loaded one
after the other, has other bytes but the same rejected rows. A rejected row whose reason
and content (:func:`content`: the raw row with every value as text, so ``"2"`` in a CSV and
``2`` in a Parquet file agree) are those of a current entry of another file loaded into the
same table is a duplicate of that entry, as a row loaded before is a duplicate of it in
the mart, up to as many copies as the other files' entries hold together (a file with
the same line twice has two entries, and a third copy elsewhere is a row of its own): the quarantine does not
grow with each format of one export, and ``rows_read = rows_loaded + rows_duplicate +
rows_quarantined`` still holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
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


def content(raw: ir.StringValue) -> ir.StringValue:
    """A rejected row's raw content in a form equal across file formats: the JSON object
    as a map of text values (``{"quantity": 2}`` and ``{"quantity": "2"}`` agree), or the
    raw line itself when it is no JSON object (a line that could not be parsed)."""
    values = raw.try_cast("json").try_cast("map<string, string>").cast("string")
    result: ir.StringValue = values.coalesce(raw)
    return result


def quarantined_elsewhere(mart: Mart, table: str, checksum: str) -> ir.Table:
    """``checksum``, ``reason`` and ``raw`` of the current quarantine entries of the files
    other than the bytes ``checksum`` loaded into ``table`` (erased subjects' entries left
    out: their content is withheld, and such a row is quarantined all the same)."""
    entries = current(mart)
    others = entries.filter(
        (entries.table_name == table)
        & (entries.checksum != checksum)
        & (entries.reason != ERASED_SUBJECT)
    )
    return others.select("checksum", "reason", "raw")


def _copies(elsewhere: ir.Table, rows: ir.Table) -> ir.Table:
    """``reason``, ``content`` and ``copies`` of the entries ``elsewhere`` with a reason
    of ``rows``: for each reason and content, the entries of every file together (only
    those entries' contents are read). Each load stores only the copies beyond those
    already held, so together they are the most copies one file loaded held: a file that
    held three where another had stored one added two, and a third file of three copies
    adds none."""
    relevant = elsewhere.semi_join(rows.select("reason").distinct(), "reason")
    keyed = relevant.select("reason", content=content(relevant.raw))
    return keyed.group_by(["reason", "content"]).aggregate(copies=keyed.count())


def _not_elsewhere(rows: ir.Table, elsewhere: ir.Table | None) -> tuple[ir.Table, int]:
    """``rows`` (rejected rows) without those that are duplicates of entries of other
    files (:func:`quarantined_elsewhere`), and how many those are: the n-th copy of a
    reason and content in ``rows`` is a duplicate when some other file holds n copies."""
    if elsewhere is None or not count(rows):
        return rows, 0
    with_content = rows.mutate(_content=content(rows.raw))
    nth = ibis.row_number().over(
        group_by=[with_content.reason, with_content._content], order_by=with_content._row
    )
    keyed = with_content.mutate(_nth=nth)
    copies = _copies(elsewhere, rows)
    seen = copies.select(seen_reason="reason", seen_content="content", copies="copies")
    joined = keyed.left_join(
        seen, [keyed.reason == seen.seen_reason, keyed._content == seen.seen_content]
    )
    same = joined.copies.notnull() & (joined._nth < joined.copies)  # _nth counts from 0
    return joined.filter(~same).select(*rows.columns), count(joined.filter(same))


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
        elsewhere: rows that are duplicates of the current entries of other files loaded
            into the table (the same export in another format).
    """

    stored: ir.Table
    again: int = 0
    replacing: int = 0
    loaded_before: ir.Table | None = None
    resolved: ir.Table | None = None
    n_loaded_before: int = 0
    elsewhere: int = 0


def split_rejects(
    rejected: ir.Table,
    earlier: ir.Table | None,
    n_read: int,
    elsewhere: ir.Table | None = None,
) -> Rejects:
    """Sort the ``rejected`` rows of a load of ``n_read`` rows by the current entries
    ``earlier`` of its bytes (None: never loaded, every rejected row is new) and those
    ``elsewhere`` of other files of the table (:func:`quarantined_elsewhere`; None: none
    compared). A row with no entry of its bytes is a duplicate of another file's entry
    when it matches one; the first load of a file stores only the rows that match none,
    so a later load of the same bytes finds the others there again."""
    if earlier is None:
        stored, n_elsewhere = _not_elsewhere(rejected, elsewhere)
        return Rejects(stored, elsewhere=n_elsewhere)
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
    without_entry = entry.filter(~has_entry & ~erased).select(*rejected.columns)
    loaded_before, n_elsewhere = _not_elsewhere(without_entry, elsewhere)
    return Rejects(
        other.union(new).select(*rejected.columns),
        again,
        count(other),
        loaded_before,
        resolved.select("row_number"),
        count(loaded_before),
        n_elsewhere,
    )
