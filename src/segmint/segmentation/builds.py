"""Stored segmentation results reused: the same run on the same data is read, not redone.

A segmentation computed from stored feature groups records, next to its result, the data
key of those groups (:func:`segmint.features.part_store.parts_key`) in
``segmentation_builds``. Run again at the same date with the same definition, it finds the
same key and the same number of stored rows, and returns the stored result instead of
computing and rewriting it. A load, an erasure or a retention run changes the groups' keys
(or the rows), so the next run computes afresh; a result stored without a key (features
handed in by the caller) drops the record, so it is never taken for a keyed one.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.features.asof import date_literal
from segmint.mart import Mart
from segmint.mart.schema import SEGMENTATION_BUILDS

BUILDS = SEGMENTATION_BUILDS.name


def _result(table: ir.Table, name: str, version: int, day: dt.date) -> ir.BooleanValue:
    return (
        (table.segmentation == name)
        & (table.version == version)
        & (table.as_of == date_literal(day))
    )


def unchanged(mart: Mart, name: str, version: int, day: dt.date, key: str) -> bool:
    """True when ``name``'s result (``version``, as of ``day``) is stored from data ``key``."""
    if not mart.has_table(BUILDS):
        return False
    builds = mart.table(BUILDS)
    entry = builds.filter(_result(builds, name, version, day)).select("source_key", "n_rows")
    rows = entry.execute()
    if rows.empty or str(rows.source_key.iloc[0]) != key:
        return False
    assignments = mart.table("assignments")
    stored = assignments.filter(_result(assignments, name, version, day)).count().execute()
    return int(stored) == int(rows.n_rows.iloc[0])


def record(mart: Mart, name: str, version: int, day: dt.date, key: str | None, rows: int) -> None:
    """Record that ``name``'s result as of ``day`` holds ``rows`` customers computed from data
    ``key``; with no key, forget any record (inside the caller's transaction)."""
    if not mart.has_table(BUILDS):
        if key is None:
            return
        mart.create_table(BUILDS, schema=SEGMENTATION_BUILDS.ibis_schema())
    mart.delete(BUILDS, segmentation=name, version=version, as_of=day)
    if key is None:
        return
    entry = ibis.memtable(
        {
            "segmentation": [name],
            "version": [version],
            "as_of": [day],
            "source_key": [key],
            "n_rows": [rows],
            "built_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        },
        schema=SEGMENTATION_BUILDS.ibis_schema(),
    )
    mart.insert(BUILDS, entry)
