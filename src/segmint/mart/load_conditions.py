"""When loading the same bytes again cannot change anything, so the file is not read again.

Every load records how it read its file (``ingests.read_with``: a digest of the options
that decide how rows are read, and of the segmint version) and what the outcome of the rows
it rejected depends on in the mart (``ingests.depends_on``). Loading bytes already loaded
into the same table is then skipped, without reading the file, when

* none of the loads of those bytes quarantined a row (whatever the options), or
* the last load of them read them with the same options, and none of the rows it rejected
  could fare otherwise now:

  - a row rejected for the file's content alone (a value that is not a number, a missing
    value, a malformed line, a key repeated with other content, an erased subject) is
    rejected again as long as the options are the same;
  - a row rejected for what the mart holds (an unknown customer, product, order or
    campaign; an order line loaded with other content; an order of another customer)
    depends on the tables the load consults: their row counts and newest ``ingest_id``
    are recorded, and a change in any of them (customers loaded since, or created by
    another file's ``--create-customers``; a forgotten person) reads the file again;
  - a row rejected for a date in the future depends on the clock: a load with one is
    always read again.

A skipped load accounts for its rows as a load of a file whose loads quarantined nothing
does: every row a duplicate (of the mart's rows or of its quarantine entry), and a new
``ingests`` row records the attempt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint import __version__
from segmint.mart.connection import Mart
from segmint.mart.schema import TABLES

MART_REASON = r"^(unknown [a-z_]+ '|order_id ')"
"""Reasons that depend on the mart: a reference not found (:func:`segmint.mart.plan.check_reference`),
an order line loaded with other content or an order of another customer
(:mod:`segmint.mart.transactions`)."""
CLOCK_REASON = r"^[a-z_]+: '(?s:.*)' is in the future$"
"""Reasons that depend on the clock (:mod:`segmint.mart.validation`)."""
TRANSACTIONS_CONSULT = ("customers", "order_lines", "orders", "products")
"""The tables a transactions file is checked against."""


@dataclass(frozen=True)
class Conditions:
    """What a load's outcome depended on: ``read_with`` (options and version digest) and
    ``depends_on`` ("" nothing in the mart, else its state; None when unknown)."""

    read_with: str
    depends_on: str | None = ""


@dataclass(frozen=True)
class Settled:
    """An earlier load that loading the same bytes again would repeat: its rows read,
    whether any load of them quarantined rows, and its conditions."""

    rows: int
    rejected: bool
    conditions: Conditions


def read_with(options: Mapping[str, object]) -> str:
    """The digest of the options that decide how a file's rows are read (and of the
    segmint version: another version may read them otherwise)."""
    text = json.dumps({"version": __version__, **options}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def consulted(table: str) -> tuple[str, ...]:
    """The mart tables whose content may decide that a row of a ``table`` file is rejected."""
    if table == "transactions":
        return TRANSACTIONS_CONSULT
    return tuple(sorted(set(TABLES[table].references.values())))


def mart_state(mart: Mart, tables: tuple[str, ...]) -> str:
    """``customers 3 2; products 0 -1``: rows and newest ``ingest_id`` of each table."""
    parts = []
    for name in tables:
        t = mart.table(name)
        row = t.aggregate(rows=t.count(), last=t.ingest_id.max()).execute().iloc[0]
        last = row["last"]
        parts.append(
            f"{name} {int(row['rows'])} {-1 if last is None or last != last else int(last)}"
        )
    return "; ".join(parts)


def depends_on(mart: Mart, table: str, rejected: ir.Table) -> str | None:
    """What the outcome of the ``rejected`` rows (a ``reason`` column) of a ``table`` load
    depends on in ``mart`` (read after the load's writes): "" nothing, the state of the
    consulted tables when a reason depends on them, None when one depends on the clock."""
    reason = rejected.reason
    found = rejected.aggregate(
        clock=reason.re_search(CLOCK_REASON).cast("int64").sum(),
        mart=reason.re_search(MART_REASON).cast("int64").sum(),
    ).execute()
    clock, on_mart = found["clock"].iloc[0], found["mart"].iloc[0]
    if _positive(clock):
        return None
    return mart_state(mart, consulted(table)) if _positive(on_mart) else ""


def settled(mart: Mart, table: str, checksum: str, reading: str) -> Settled | None:
    """The earlier load of the bytes ``checksum`` into ``table`` that loading them again
    with the options ``reading`` would repeat (see the module), or None: read them again."""
    ingests = mart.table("ingests")
    mine = ingests.filter((ingests.table_name == table) & (ingests.checksum == checksum))
    found = mine.aggregate(
        rows=mine.rows_read.max(),
        quarantined=mine.rows_quarantined.sum(),
        last=mine.ingest_id.max(),
    ).execute()
    rows, quarantined = found["rows"].iloc[0], found["quarantined"].iloc[0]
    if rows is None or rows != rows:  # never loaded into this table
        return None
    if not _positive(quarantined):
        return Settled(int(rows), False, Conditions(reading))
    if not {"read_with", "depends_on"} <= set(ingests.columns):  # a warehouse of an older segmint
        return None
    last = mine.filter(mine.ingest_id == ibis.literal(int(found["last"].iloc[0]), "int64"))
    earlier = last.select("read_with", "depends_on").execute().iloc[0]
    recorded = earlier["depends_on"]
    if earlier["read_with"] != reading or not isinstance(recorded, str):
        return None
    if recorded and recorded != mart_state(mart, consulted(table)):
        return None
    return Settled(int(rows), True, Conditions(reading, recorded))


def _positive(value: object) -> bool:
    """Whether an aggregate read back (None or NaN for none) is above zero."""
    return value is not None and value == value and float(value) > 0  # type: ignore[arg-type]
