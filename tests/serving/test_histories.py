"""The 360° view's segment runs and latest scores, against plain Python on any history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.serving.histories import latest_scores, segment_runs
from segmint.serving.sorted_table import IN_PART

START = dt.date(2025, 1, 31)

Assignment = tuple[str, str, int, int, str | None]
"""customer, segmentation, day number, version, segment."""


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as made:
        made.execute(
            "CREATE TABLE assignments (segmentation VARCHAR, version INTEGER, as_of DATE, "
            "customer_id VARCHAR, segment VARCHAR)"
        )
        made.execute(
            "CREATE TABLE segmentations (segmentation VARCHAR, version INTEGER, "
            "updated_at TIMESTAMP)"
        )
        made.execute(
            "CREATE TABLE scores (customer_id VARCHAR, as_of DATE, model VARCHAR, "
            "score_name VARCHAR, value DOUBLE)"
        )
        yield made


def expected_runs(
    rows: list[Assignment], stored_at: dict[int, int], customer: str
) -> list[tuple[Any, ...]]:
    """Per segmentation by date, the segment of the version read then (of those with
    results that day, any customer's, the one stored last, ``stored_at``; ties to the
    higher), when the customer has one, then its runs."""
    read: dict[tuple[str, int], tuple[int, int]] = {}
    for _, name, day, version, _ in rows:
        read[(name, day)] = max(read.get((name, day), (-1, -1)), (stored_at[version], version))
    shown = {
        (name, day): segment
        for who, name, day, version, segment in rows
        if who == customer and read[(name, day)][1] == version
    }
    runs: list[list[Any]] = []
    for (name, day), segment in sorted(shown.items()):
        if runs and runs[-1][0] == name and runs[-1][3] == segment:
            runs[-1][2] = _date(day)
        else:
            runs.append([name, _date(day), _date(day), segment])
    return [tuple(run) for run in runs]


def _date(day: int) -> dt.date:
    return START + dt.timedelta(days=day)


assignments = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.sampled_from(["rfm", "life"]),
        st.integers(0, 6),
        st.integers(1, 3),
        st.sampled_from(["Champions", "Lost", None]),
    ),
    max_size=40,
    unique_by=lambda row: (row[0], row[1], row[2], row[3]),
)


stored_times = st.fixed_dictionaries({version: st.integers(0, 3) for version in (1, 2, 3)})
"""When each version was stored last (its ``updated_at``, in hours; the same for both
segmentations, ties allowed)."""


@settings(max_examples=80, deadline=None)
@given(rows=assignments, stored_at=stored_times)
def test_segment_runs_equal_python_for_one_customer_and_for_a_part(
    con: duckdb.DuckDBPyConnection, rows: list[Assignment], stored_at: dict[int, int]
) -> None:
    """An older version stored last is read on the dates it has results, over newer ones;
    a customer it has no row for that day is not in the runs then."""
    con.execute("DELETE FROM assignments")
    con.execute("DELETE FROM segmentations")
    for who, name, day, version, segment in rows:
        con.execute(
            "INSERT INTO assignments VALUES ($1, $2, $3, $4, $5)",
            [name, version, _date(day), who, segment],
        )
    for name in ("rfm", "life"):
        for version, hour in stored_at.items():
            stamp = dt.datetime(2025, 3, 1) + dt.timedelta(hours=hour)
            con.execute("INSERT INTO segmentations VALUES ($1, $2, $3)", [name, version, stamp])
    parted = con.execute(segment_runs(IN_PART, "customer_id"), [None, None]).fetchall()
    for customer in ("a", "b"):
        expected = expected_runs(rows, stored_at, customer)
        assert con.execute(segment_runs("customer_id = $1"), [customer]).fetchall() == expected
        assert [row[1:] for row in parted if row[0] == customer] == expected


def test_scores_are_read_from_each_scores_latest_run(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM scores")
    con.execute(
        "INSERT INTO scores VALUES ('a', DATE '2025-01-31', 'm', 'clv', 1.0),"
        "('a', DATE '2025-02-28', 'm', 'clv', 2.0), ('b', DATE '2025-01-31', 'm', 'clv', 5.0),"
        "('b', DATE '2025-01-31', 'old', 'clv', 7.0), ('a', DATE '2025-02-28', 'm', 'p_alive', 0.5)"
    )
    one = latest_scores("customer_id = $1")
    assert con.execute(one, ["a"]).fetchall() == [
        (dt.date(2025, 2, 28), "m", "clv", 2.0),
        (dt.date(2025, 2, 28), "m", "p_alive", 0.5),
    ]
    # b's clv by m is from an older run than m's latest: not shown; the old model's is
    assert con.execute(one, ["b"]).fetchall() == [(dt.date(2025, 1, 31), "old", "clv", 7.0)]
    every = con.execute(latest_scores(IN_PART, "customer_id"), [None, None]).fetchall()
    assert every == [("a", *row) for row in con.execute(one, ["a"]).fetchall()] + [
        ("b", dt.date(2025, 1, 31), "old", "clv", 7.0)
    ]
