"""Helpers shared by the tests of the stored runs and of the ``history`` rule: random
stores of small segmentations, and the runs kept beside what the 360° view computes."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
from hypothesis import strategies as st

from segmint.mart import Mart
from segmint.segmentation import store
from segmint.segmentation.runs import RUN_COLUMNS, RUNS_TABLE
from segmint.serving.histories import segment_runs

CUSTOMERS = ["c1", "c2", "c3", "c4"]
DAY = dt.date(2025, 1, 1)

Write = tuple[str, int, int, dict[str, str | None]]
"""A store: segmentation, definition, day offset, each customer's segment."""


SEGMENTS = st.sampled_from(["a", "b"]) | st.sampled_from([None, "unassigned", 'it\'s "b"'])
"""Segment names: mostly two plain ones, sometimes none (stored as ``unassigned``, so the
same as that name), or one with quotes."""


def writes(last_offset: int, max_size: int) -> st.SearchStrategy[list[Write]]:
    """Lists of stores of two segmentations (two definitions each) at day offsets up to
    ``last_offset``, each giving some of :data:`CUSTOMERS` (maybe none) a segment."""
    return st.lists(
        st.tuples(
            st.sampled_from(["rfm", "tiers"]),
            st.integers(1, 2),
            st.integers(0, last_offset),
            st.dictionaries(st.sampled_from(CUSTOMERS), SEGMENTS),
        ),
        min_size=1,
        max_size=max_size,
    )


def day(offset: int) -> dt.date:
    """The date ``offset`` days after :data:`DAY`."""
    return DAY + dt.timedelta(days=offset)


def save(mart: Mart, write: Write) -> None:
    """Store ``write`` as a rules segmentation whose definition is its number."""
    name, definition, offset, segments = write
    frame = pd.DataFrame({"customer_id": list(segments), "segment": list(segments.values())})
    table = ibis.memtable(frame, schema={"customer_id": "string", "segment": "string"})
    store.save(mart, name, "rules", {"definition": definition}, day(offset), table)


def kept(mart: Mart) -> list[tuple[object, ...]]:
    """The runs the store keeps, sorted."""
    listed = ", ".join(RUN_COLUMNS)
    return sorted(mart.raw.execute(f"SELECT {listed} FROM {RUNS_TABLE}").fetchall())


def computed(mart: Mart) -> list[tuple[object, ...]]:
    """The runs as the 360° view computes them from the assignments (its specification)."""
    found = mart.raw.execute(segment_runs("TRUE", "customer_id")).fetchall()
    return sorted((s, c, since, as_of, segment) for c, s, since, as_of, segment in found)


def read(mart: Mart) -> list[tuple[object, ...]]:
    """The runs of what every reader reads as of each stored date
    (:func:`segmint.segmentation.store.assignments`, the version stored most recently with
    results that day), computed here date by date: the rule the kept runs follow."""
    names = store.segmentations(mart).segmentation.execute()
    runs: dict[tuple[str, str], list[list[object]]] = {}
    for name in names:
        for as_of in store.as_of_dates(mart, name):
            segments = store.assignments(mart, name, as_of).execute()
            for customer, segment in zip(segments.customer_id, segments.segment, strict=True):
                mine = runs.setdefault((name, customer), [])
                if mine and mine[-1][2] == segment:
                    mine[-1][1] = as_of
                else:
                    mine.append([as_of, as_of, segment])
    return sorted(
        (name, customer, since, as_of, segment)
        for (name, customer), mine in runs.items()
        for since, as_of, segment in mine
    )
