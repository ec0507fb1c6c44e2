"""What the stored features were built from: a key per source table.

A table's key is its last ``ingest_id`` and its row count. A load adds rows under a new
ingest id, so it changes the key of exactly the tables it loaded into. A load may also
change rows already there without adding one (a customers file giving the country of
customers created by their orders, a transactions file whose returns change the status of
orders loaded earlier); so the key of a table such loads change
(:data:`segmint.mart.updates.FILLED_BY`) holds the last of those loads that loaded
anything as well. An erasure or a
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
from segmint.mart.updates import FILLED_BY

ERASURES = "_erasures"
"""Key entry counting the suppression list: every erasure adds to it."""


@dataclass(frozen=True)
class TableKey:
    """A source table's last ingest id (-1 when empty), its number of rows, and the last
    load that may have filled its existing rows (-1 when none, or not such a table)."""

    last_ingest: int
    rows: int
    last_fill: int = -1


def table_key(mart: Mart, name: str) -> TableKey:
    """The key of the mart table ``name`` now."""
    table = mart.table(name)
    row = table.aggregate(last=table.ingest_id.max(), rows=table.count()).execute().iloc[0]
    return TableKey(_id(row["last"]), int(row["rows"]), _last_fill(mart, name))


def _last_fill(mart: Mart, name: str) -> int:
    """The last load that loaded rows and may have changed existing rows of ``name``."""
    if name not in FILLED_BY:
        return -1
    ingests = mart.table("ingests")
    fills = ingests.filter(ingests.table_name.isin(FILLED_BY[name]) & (ingests.rows_loaded > 0))
    return _id(fills.ingest_id.max().execute())


def _id(value: float | None) -> int:
    """An ingest id read back from an aggregate; -1 for none (NULL or NaN)."""
    return -1 if value is None or value != value else int(value)


def source_keys(mart: Mart, tables: Iterable[str]) -> dict[str, TableKey]:
    """The keys of ``tables`` now, with the size of the suppression list as :data:`ERASURES`."""
    keys = {name: table_key(mart, name) for name in sorted(set(tables))}
    erased = mart.count(SUPPRESSION.name) if mart.has_table(SUPPRESSION.name) else 0
    keys[ERASURES] = TableKey(-1, erased)
    return keys


def dump(keys: dict[str, TableKey]) -> str:
    """``keys`` as the text stored in the catalogue."""
    return json.dumps({k: [v.last_ingest, v.rows, v.last_fill] for k, v in sorted(keys.items())})


def load(text: str) -> dict[str, TableKey]:
    """Keys from their stored text (two numbers in keys stored before fills were counted)."""
    return {k: TableKey(*(int(n) for n in v)) for k, v in json.loads(text).items()}
