"""Point lookups of one customer: the same rows from the sorted copies and from the mart.

The whole 360° view against its Ibis reference is in ``tests/views/test_customer_view.py``;
here a small hand-made mart checks each lookup's promise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ibis
import pandas as pd
import pytest

import segmint
from segmint.mart import Mart
from segmint.segmentation import store
from segmint.serving.customer_lookup import (
    SEARCH_COLUMNS,
    customers_by_id,
    recent_orders,
    score_records,
    segment_history,
    table_records,
)
from segmint.serving.sorted_copies import SortedCopies, fingerprint

HOSTILE = "x' OR '1'='1"
DAY = dt.date(2024, 6, 30)


@pytest.fixture(scope="module")
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        sql = made.raw.execute
        sql(
            "INSERT INTO customers (customer_id, country, region) VALUES "
            "('b', 'VN', 'North'), ('a', 'FR', NULL), ('Z', 'DE', 'South'), ($1, 'US', NULL)",
            [HOSTILE],
        )
        sql(
            "INSERT INTO assignments VALUES "
            "('rfm', 1, DATE '2024-06-30', 'a', 'Old'), ('rfm', 2, DATE '2024-06-30', 'a', 'New'),"
            "('rfm', 1, DATE '2024-03-31', 'a', 'Early'), ('life', 1, DATE '2024-06-30', 'a', 'Active'),"
            "('rfm', 2, DATE '2024-06-30', 'b', 'Other'), ('rfm', 2, DATE '2024-09-30', 'a', 'New'),"
            "('rfm', 2, DATE '2024-12-31', 'a', 'Early'), ('life', 1, DATE '2024-12-31', 'a', 'Active')"
        )
        sql(  # each version last stored in turn: the newer one read where both have results
            "INSERT INTO segmentations (segmentation, version, kind, updated_at) VALUES "
            "('rfm', 1, 'rules', TIMESTAMP '2024-07-01'), ('rfm', 2, 'rules', "
            "TIMESTAMP '2025-01-01'), ('life', 1, 'rules', TIMESTAMP '2025-01-01')"
        )
        sql(
            "INSERT INTO scores VALUES ('a', DATE '2024-03-31', 'm', 'p_alive', 0.5),"
            "('a', DATE '2024-06-30', 'm', 'p_alive', 0.9), ('a', DATE '2024-06-30', 'm', 'clv', 12.0),"
            "('a', DATE '2024-03-31', 'old', 'p_alive', 0.4), ('Z', DATE '2024-03-31', 'm', 'clv', 3.0)"
        )
        sql(
            "INSERT INTO orders (order_id, customer_id, order_ts, channel, status) VALUES "
            "('o1', 'a', TIMESTAMP '2024-01-01 10:00', 'web', 'completed'),"
            "('o2', 'a', TIMESTAMP '2024-02-01 10:00', 'store', 'completed'),"
            "('o3', 'a', TIMESTAMP '2024-03-01 10:00', 'web', 'completed')"
        )
        sql(
            "INSERT INTO order_lines (order_id, line_no, quantity, unit_price) VALUES "
            "('o1', 1, 2, 5.0), ('o1', 2, 1, 3.0), ('o2', 1, 1, 10.0)"
        )
        sql(  # one customer's attributes stored apart and out of name order
            "INSERT INTO customer_attributes (customer_id, name, value, source) VALUES "
            "('a', 'survey_satisfaction', '5', 'survey'), ('b', 'crm_stage', 'lead', 'crm'),"
            "('a', 'crm_stage', 'active', 'crm'), ('a', 'interest', NULL, 'survey')"
        )
        yield made


@pytest.fixture(scope="module", params=["copies", "mart"])
def copies(request: pytest.FixtureRequest, mart: Mart) -> SortedCopies:
    """Built copies, or none (every lookup reads the mart): both must give the same."""
    built = SortedCopies()
    if request.param == "copies":
        built.rebuild(mart)
    return built


def test_segment_history_is_the_runs_of_the_latest_version_per_date(
    mart: Mart, copies: SortedCopies
) -> None:
    """One row per run of equal segments: rfm went Early, New (the newer version at
    2024-06-30, then again at 2024-09-30), Early; life stayed Active."""
    assert segment_history(mart, copies, "a") == [
        {"segmentation": "life", "since": "2024-06-30", "as_of": "2024-12-31", "segment": "Active"},
        {"segmentation": "rfm", "since": "2024-03-31", "as_of": "2024-03-31", "segment": "Early"},
        {"segmentation": "rfm", "since": "2024-06-30", "as_of": "2024-09-30", "segment": "New"},
        {"segmentation": "rfm", "since": "2024-12-31", "as_of": "2024-12-31", "segment": "Early"},
    ]
    assert segment_history(mart, copies, "nobody") == []


def test_an_older_version_stored_again_is_read_before_and_after_the_copies_are_built() -> None:
    """The older definition stored again at a date the newer one has (the same customers,
    so no count changes) is the version read that day: the mart's lookups show its segment
    at once, the server's fingerprint changes, and the copies built again show it too."""
    day0, day1 = DAY, DAY + dt.timedelta(days=1)

    def stored(definition: int, day: dt.date, segment: str) -> None:
        rows = ibis.memtable(pd.DataFrame({"customer_id": ["a"], "segment": [segment]}))
        store.save(mart, "rfm", "rules", {"definition": definition}, day, rows)

    def run(since: dt.date, as_of: dt.date, segment: str) -> dict[str, str]:
        dates = {"since": since.isoformat(), "as_of": as_of.isoformat()}
        return {"segmentation": "rfm", **dates, "segment": segment}

    with segmint.connect(":memory:") as mart:
        stored(1, day0, "Old")
        stored(2, day0, "New")
        stored(2, day1, "New")
        copies = SortedCopies()
        copies.rebuild(mart)
        before = fingerprint(mart)
        assert segment_history(mart, copies, "a") == [run(day0, day1, "New")]
        stored(1, day0, "Old")
        assert fingerprint(mart) != before  # the server's warmer builds the copies again
        then = [run(day0, day0, "Old"), run(day1, day1, "New")]
        assert segment_history(mart, SortedCopies(), "a") == then
        copies.rebuild(mart)
        assert segment_history(mart, copies, "a") == then


def test_scores_are_the_values_of_each_scores_latest_run_latest_date_first(
    mart: Mart, copies: SortedCopies
) -> None:
    found = score_records(mart, copies, "a")
    assert [(r["as_of"], r["model"], r["score_name"], r["value"]) for r in found] == [
        ("2024-06-30", "m", "clv", 12.0),
        ("2024-06-30", "m", "p_alive", 0.9),
        ("2024-03-31", "old", "p_alive", 0.4),
    ]
    assert score_records(mart, copies, "b") == []
    assert score_records(mart, copies, "Z") == []  # not scored by the latest run of clv


def test_table_records_drop_the_ingest_id(mart: Mart, copies: SortedCopies) -> None:
    [row] = table_records(mart, copies, "customers", "a")
    assert row["customer_id"] == "a" and row["country"] == "FR" and row["region"] is None
    assert "ingest_id" not in row
    assert table_records(mart, copies, "customers", HOSTILE)[0]["country"] == "US"
    assert table_records(mart, copies, "customers", "x") == []


def test_attributes_come_in_stored_order(mart: Mart, copies: SortedCopies) -> None:
    records = table_records(mart, copies, "customer_attributes", "a")
    assert [(r["name"], r["value"], r["source"]) for r in records] == [
        ("survey_satisfaction", "5", "survey"),
        ("crm_stage", "active", "crm"),
        ("interest", None, "survey"),
    ]
    assert "ingest_id" not in records[0]
    assert table_records(mart, copies, "customer_attributes", HOSTILE) == []
    if copies.built:  # read from the copy, not the mart
        assert copies.rows("customer_attributes", "a") is not None


def test_recent_orders_latest_first_with_value_and_lines(mart: Mart, copies: SortedCopies) -> None:
    found = recent_orders(mart, copies, "a")
    assert [(r["order_id"], r["value"], r["lines"]) for r in found] == [
        ("o3", None, None),  # no lines
        ("o2", 10.0, 1),
        ("o1", 13.0, 2),
    ]
    assert recent_orders(mart, copies, "b") == []


def test_customers_by_id_in_byte_order_once_each(mart: Mart, copies: SortedCopies) -> None:
    found = customers_by_id(mart, ["b", "a", "Z", "a", "missing", HOSTILE], copies)
    assert [r["customer_id"] for r in found] == ["Z", "a", "b", HOSTILE]
    assert all(list(r) == list(SEARCH_COLUMNS) for r in found)
    assert customers_by_id(mart, [], copies) == []


def test_without_a_scores_table_there_are_no_scores() -> None:
    with segmint.connect(":memory:") as made:
        made.raw.execute("DROP TABLE scores")
        assert score_records(made, SortedCopies(), "a") == []
