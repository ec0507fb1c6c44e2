"""Copies of ``features`` (latest stored date), ``assignments`` and ``scores`` sorted by
``customer_id``.

A 360° view looks up one customer. The mart's source tables are stored in ``customer_id``
order, so DuckDB's zone maps (min/max per row group) skip all but one or two row groups;
the derived tables are written in whatever order the engine produced them, so a lookup
there scans every row (50-100 ms at a million customers). The server therefore keeps
sorted copies in an in-memory database attached to its connection, where the same lookup
reads one row group. The copies are rebuilt off the request path, by
:class:`segmint.web.warmup.Warmer`, when the tables change (see :func:`fingerprint`);
until a copy exists the view reads the mart's own table.

Memory: compressed columns, about the size of one date of features plus the assignments
and scores.
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

ASSIGNMENT_COLUMNS = ("segmentation", "version", "as_of", "customer_id", "segment")

RETIRE_AFTER = 120.0
"""Seconds a replaced copy is kept, so requests that already chose it can finish."""


class SortedCopies:
    """Names of the sorted copies to read, and the rebuilding of them.

    Until :meth:`rebuild` has built them, :meth:`features` and :meth:`assignments` name the
    mart's own tables and :meth:`has_scores` is None (unknown), so a view works either way.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prefix = f"c{uuid.uuid4().hex[:8]}"
        self._generations = itertools.count(1)
        self._features: tuple[dt.date, str] | None = None
        self._assignments: str | None = None
        self._scores: str | None = None
        self._has_scores: bool | None = None
        self._retired: list[tuple[float, list[str]]] = []

    def features(self, as_of: dt.date) -> str:
        """The table to read features of ``as_of`` from."""
        with self._lock:
            built = self._features
        return built[1] if built is not None and built[0] == as_of else "features"

    def assignments(self) -> str:
        """The table to read assignments from."""
        with self._lock:
            return self._assignments or "assignments"

    def scores(self) -> str:
        """The table to read scores from."""
        with self._lock:
            return self._scores or scores.SCORES_TABLE

    def has_scores(self) -> bool | None:
        """Whether the mart had a usable ``scores`` table at the last refresh (None: unknown)."""
        with self._lock:
            return self._has_scores

    def rebuild(self, mart: Mart) -> bool:
        """Build the copies anew from the mart's tables; False when they cannot be built.

        A mart opened read-only cannot attach an in-memory database: then nothing is built
        and the views keep reading the mart's tables. Replaced copies are dropped by a
        later :meth:`sweep`, once requests that chose them have finished.
        """
        con = mart.raw
        tables = set(mart.con.list_tables())
        try:
            con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCHEMA} (COMPRESS)")
        except duckdb.Error as exc:
            log.warning("no sorted copies for the 360° view (%s); reading the mart", exc)
            return False
        generation = next(self._generations)
        features: tuple[dt.date, str] | None = None
        dates = stored_dates(mart)
        if dates:
            name = f"{SCHEMA}.{self._prefix}_features_{generation}"
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM features WHERE as_of = $1 "
                "ORDER BY customer_id",
                [dates[-1]],
            )
            features = (dates[-1], name)
        assignments = self._copy(con, tables, "assignments", ASSIGNMENT_COLUMNS, generation)
        has_scores = scores.has_scores(mart)
        copied_scores = (
            self._copy(con, tables, scores.SCORES_TABLE, scores.SCORE_COLUMNS, generation)
            if has_scores
            else None
        )
        with self._lock:
            self._retire()
            self._features, self._assignments = features, assignments
            self._scores, self._has_scores = copied_scores, has_scores
        return True

    def _copy(
        self,
        con: duckdb.DuckDBPyConnection,
        tables: set[str],
        table: str,
        columns: tuple[str, ...],
        generation: int,
    ) -> str | None:
        """A copy of ``columns`` of ``table`` sorted by customer, or None without the table."""
        if table not in tables:
            return None
        name = f"{SCHEMA}.{self._prefix}_{table}_{generation}"
        con.execute(
            f"CREATE TABLE {name} AS SELECT {', '.join(columns)} FROM {table} ORDER BY customer_id"
        )
        return name

    def sweep(self, mart: Mart) -> None:
        """Drop the copies replaced more than ``RETIRE_AFTER`` seconds ago."""
        self._drop_retired(mart, time.monotonic() - RETIRE_AFTER)

    def close(self, mart: Mart) -> None:
        """Drop every copy this object made."""
        with self._lock:
            self._retire()
            self._features = self._assignments = self._scores = None
            self._has_scores = None
        self._drop_retired(mart, float("inf"))

    def _retire(self) -> None:
        """Mark the current copies for dropping (the caller holds the lock)."""
        names = [
            n for n in (self._assignments, self._scores, self._features and self._features[1]) if n
        ]
        if names:
            self._retired.append((time.monotonic(), names))

    def _drop_retired(self, mart: Mart, before: float) -> None:
        with self._lock:
            due = [names for when, names in self._retired if when <= before]
            self._retired = [(w, n) for w, n in self._retired if w > before]
        for name in itertools.chain.from_iterable(due):
            mart.raw.execute(f"DROP TABLE IF EXISTS {name}")


def fingerprint(mart: Mart) -> tuple[Any, ...]:
    """What changes when ``features``, ``assignments`` or ``scores`` change: the feature
    dates, row counts and the latest version and date of the assignments."""
    tables = set(mart.con.list_tables())
    counts = [
        mart.raw.execute(f"SELECT count(*) FROM {table}").fetchone() if table in tables else None
        for table in ("features", "scores")
    ]
    stored = None
    if "assignments" in tables:
        stored = mart.raw.execute(
            "SELECT count(*), max(version), max(as_of) FROM assignments"
        ).fetchone()
    return tuple(stored_dates(mart)), *counts, stored, scores.has_scores(mart)
