"""What the stored features were built from: a key per source table.

A table's key is its last ``ingest_id`` and its row count. A load adds rows under a new
ingest id, so it changes the key of exactly the tables it loaded into; an erasure or a
retention run deletes rows (or, when orders are kept for the accounts, adds entries to the
suppression list), so the keys of every group are checked against the suppression list's
size too. A group's stored part is reused only while the keys of its sources are equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from segmint.mart import Mart
from segmint.mart.schema import SUPPRESSION

ERASURES = "_erasures"
"""Key entry counting the suppression list: every erasure adds to it."""


@dataclass(frozen=True)
class TableKey:
    """A source table's last ingest id (-1 when empty) and its number of rows."""

    last_ingest: int
    rows: int


def table_key(mart: Mart, name: str) -> TableKey:
    """The key of the mart table ``name`` now."""
    table = mart.table(name)
    row = table.aggregate(last=table.ingest_id.max(), rows=table.count()).execute().iloc[0]
    last = row["last"]
    return TableKey(-1 if last is None or last != last else int(last), int(row["rows"]))


def source_keys(mart: Mart, tables: Iterable[str]) -> dict[str, TableKey]:
    """The keys of ``tables`` now, with the size of the suppression list as :data:`ERASURES`."""
    keys = {name: table_key(mart, name) for name in sorted(set(tables))}
    erased = mart.count(SUPPRESSION.name) if mart.has_table(SUPPRESSION.name) else 0
    keys[ERASURES] = TableKey(-1, erased)
    return keys


def dump(keys: dict[str, TableKey]) -> str:
    """``keys`` as the text stored in the catalogue."""
    return json.dumps({k: [v.last_ingest, v.rows] for k, v in sorted(keys.items())})


def load(text: str) -> dict[str, TableKey]:
    """Keys from their stored text."""
    return {k: TableKey(int(v[0]), int(v[1])) for k, v in json.loads(text).items()}
