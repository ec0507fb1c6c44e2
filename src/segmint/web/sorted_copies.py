"""In-memory copies, sorted by ``customer_id``, of the small tables a 360° view looks into.

A 360° view looks up one customer. DuckDB finds a customer's rows by zone maps (min/max
per row group), so a lookup costs a scan of the row groups whose range holds the id. The
derived tables (``features``, ``assignments``, ``scores``) are written in whatever order
the engine produced them, so there a lookup scans every row (50-100 ms at a million
customers); the customer tables loaded in parallel chunks overlap a little, and reading
their blocks through the file costs more than reading them from memory (4.6 against 1.4 ms
for ``customer_pii`` at a million customers). The server therefore keeps sorted copies in
an in-memory database attached to its connection: the latest stored date of ``features``,
and ``assignments``, ``scores``, ``customers``, ``customer_pii`` and ``consents`` whole.
``orders``, ``order_lines`` and ``events`` are too large to copy; they are stored in id
order and read from the mart.

The copies are rebuilt off the request path by :class:`segmint.web.warmup.Warmer` when the
tables change (see :func:`fingerprint`); until a copy exists a view reads the mart's own
table. Memory: compressed columns, a few hundred MB at a million customers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
import time
import uuid
from typing import Any

import duckdb

from segmint.features import stored_dates
from segmint.mart import Mart
from segmint.web import scores

log = logging.getLogger(__name__)

SCHEMA = "segmint_serve"
"""Name of the attached in-memory database holding the copies."""

COPIED: dict[str, tuple[str, ...]] = {
    "assignments": ("segmentation", "version", "as_of", "customer_id", "segment"),
    scores.SCORES_TABLE: scores.SCORE_COLUMNS,
    "customers": ("*",),
    "customer_pii": ("*",),
    "consents": ("*",),
}
"""Tables copied whole, with the columns kept (``*``: all, in the mart's order)."""

RETIRE_AFTER = 120.0
"""Seconds a replaced copy is kept, so requests that already chose it can finish."""


class SortedCopies:
    """Names of the sorted copies to read, and the rebuilding of them.

    Until :meth:`rebuild` has built them, :meth:`table` and :meth:`features` name the mart's
    own tables and :meth:`has_scores` is None (unknown), so a view works either way.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prefix = f"c{uuid.uuid4().hex[:8]}"
        self._generations = itertools.count(1)
        self._features: tuple[dt.date, str] | None = None
        self._tables: dict[str, str] = {}
        self._has_scores: bool | None = None
        self._retired: list[tuple[float, list[str]]] = []

    def features(self, as_of: dt.date) -> str:
        """The table to read features of ``as_of`` from."""
        with self._lock:
            built = self._features
        return built[1] if built is not None and built[0] == as_of else "features"

    def table(self, name: str) -> str:
        """The table to read the mart table ``name`` from: its copy when built."""
        with self._lock:
            return self._tables.get(name, name)

    def has_scores(self) -> bool | None:
        """Whether the mart had a usable ``scores`` table at the last rebuild (None: unknown)."""
        with self._lock:
            return self._has_scores

    def rebuild(self, mart: Mart) -> bool:
        """Build the copies anew from the mart's tables; False when they cannot be built.

        A mart opened read-only cannot attach an in-memory database: then nothing is built
        and the views keep reading the mart's tables. Replaced copies are dropped by a
        later :meth:`sweep`, once requests that chose them have finished.
        """
        con = mart.raw
        present = set(mart.con.list_tables())
        try:
            con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCHEMA} (COMPRESS)")
        except duckdb.Error as exc:
            log.warning("no sorted copies for the 360° view (%s); reading the mart", exc)
            return False
        generation = next(self._generations)
        features: tuple[dt.date, str] | None = None
        dates = stored_dates(mart)
        if dates:
            name = self._name("features", generation)
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM features WHERE as_of = $1 "
                "ORDER BY customer_id",
                [dates[-1]],
            )
            features = (dates[-1], name)
        has_scores = scores.has_scores(mart)
        tables: dict[str, str] = {}
        for table, columns in COPIED.items():
            if table not in present or (table == scores.SCORES_TABLE and not has_scores):
                continue
            tables[table] = self._name(table, generation)
            con.execute(
                f"CREATE TABLE {tables[table]} AS SELECT {', '.join(columns)} FROM {table} "
                "ORDER BY customer_id"
            )
        with self._lock:
            self._retire()
            self._features, self._tables, self._has_scores = features, tables, has_scores
        return True

    def sweep(self, mart: Mart) -> None:
        """Drop the copies replaced more than ``RETIRE_AFTER`` seconds ago."""
        self._drop_retired(mart, time.monotonic() - RETIRE_AFTER)

    def close(self, mart: Mart) -> None:
        """Drop every copy this object made."""
        with self._lock:
            self._retire()
            self._features, self._tables, self._has_scores = None, {}, None
        self._drop_retired(mart, float("inf"))

    def _name(self, table: str, generation: int) -> str:
        return f"{SCHEMA}.{self._prefix}_{table}_{generation}"

    def _retire(self) -> None:
        """Mark the current copies for dropping (the caller holds the lock)."""
        names = list(self._tables.values())
        if self._features is not None:
            names.append(self._features[1])
        if names:
            self._retired.append((time.monotonic(), names))

    def _drop_retired(self, mart: Mart, before: float) -> None:
        with self._lock:
            due = [names for when, names in self._retired if when <= before]
            self._retired = [(w, n) for w, n in self._retired if w > before]
        for name in itertools.chain.from_iterable(due):
            mart.raw.execute(f"DROP TABLE IF EXISTS {name}")


def fingerprint(mart: Mart) -> tuple[Any, ...]:
    """What changes when a copied table changes: the feature dates, row counts, and the
    latest version and date of the assignments."""
    present = set(mart.con.list_tables())
    counts = [
        mart.raw.execute(f"SELECT count(*) FROM {table}").fetchone() if table in present else None
        for table in ("features", *COPIED)
    ]
    stored = None
    if "assignments" in present:
        stored = mart.raw.execute("SELECT max(version), max(as_of) FROM assignments").fetchone()
    return tuple(stored_dates(mart)), *counts, stored, scores.has_scores(mart)
