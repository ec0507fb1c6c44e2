"""Ids for the events of a file that has none, derived from each row's content.

Many web analytics exports (a GA4 BigQuery extract, a Mixpanel or Amplitude CSV, an
e-mail tool's activity log) carry no event id, yet the mart keys events by one and judges
duplicates on it. When an events file has no ``event_id`` column and none is mapped, each
row's id is ``h-`` and the first 32 hex digits of the SHA-256 of its content: every column
of the file (but those dropped with ``--ignore``) as it stands in the file, name and
value, in the order of the names, as one JSON object. So the id depends only on what the
row says:

- the same row in a later export (overlapping date ranges, the same file saved again)
  gets the same id and counts as a duplicate of the event already loaded;
- two identical rows in one file get the same id, so the second is a duplicate of the
  first and the event is loaded once (an export cannot tell two identical hits apart from
  one written twice);
- rows that differ in any column, also one the mart does not keep (a browser id), are
  different events.

A column whose value changes from export to export for the same event (an export time, a
row number) would give each export new ids; drop it with ``--ignore``.
"""

from __future__ import annotations

import ibis

from segmint.mart import sql_functions as fn
from segmint.mart.validation import ROW

DERIVED = "_segmint_event_id"
"""The staged column holding the derived ids (mapped to ``event_id``)."""

PREFIX = "h-"
"""The start of a derived id: ``h-`` (a hash), never a prefix an export's own ids use."""

DIGITS = 32
"""Hex digits of the SHA-256 kept: 128 bits, so that hundreds of millions of events have
no two rows of different content under one id."""


def derive_event_ids(
    staged: ibis.Table, mapping: dict[str, str]
) -> tuple[ibis.Table, dict[str, str], str]:
    """``staged`` with an id per row and ``mapping`` reading ``event_id`` from it, when the
    file has no ``event_id`` column and none is mapped; else both unchanged.

    Returns:
        (the rows, the mapping, the load's note saying the ids were derived, or "")
    """
    columns = sorted(c for c in staged.columns if c != ROW)
    if "event_id" in mapping or "event_id" in columns:
        return staged, mapping, ""
    content = fn.to_json(ibis.struct({c: staged[c] for c in columns})).cast("json")
    digest = content.cast("string").hexdigest("sha256").substr(0, DIGITS)
    derived = staged.mutate(**{DERIVED: ibis.literal(PREFIX) + digest})
    return derived, {**mapping, "event_id": DERIVED}, NOTE


NOTE = (
    "the file has no event_id: each event's id is derived from the row's content "
    f"({PREFIX} + SHA-256 of every column), so a row loaded again, from this or a later "
    "export, is a duplicate, and identical rows in the file are one event"
)
"""What a load with derived ids says about them."""
