"""Attributes pivoted to columns: latest value up to the as-of day, names, numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import segmint
from segmint.features.attributes import _column_names, safe_identifier
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest

Rows = dict[str, dict[str, Any]]


def test_pivot_takes_the_latest_value_known_by_the_as_of_day(rows: Rows) -> None:
    assert rows["c1"]["interest"] == "games"  # "music" is dated after the as-of day
    assert rows["c1"]["loyalty_points"] == 130.5  # dated 12:00 on the as-of day
    assert rows["c2"]["loyalty_points"] == 40.0  # undated values count
    assert rows["c3"]["crm_stage"] == "lead"
    assert rows["c2"]["interest"] is None
    assert "future_only" not in rows["c1"]


def test_numeric_attributes_become_numbers(mart: Mart) -> None:
    from segmint.features import build_features

    schema = build_features(mart, "2024-03-31").schema()
    assert schema["loyalty_points"].is_floating()
    assert schema["interest"].is_string()


def test_one_text_value_keeps_the_attribute_text(
    empty_mart: Mart, insert_rows: Any, features_of: Any
) -> None:
    when = dt.datetime(2024, 1, 1)
    insert_rows(
        empty_mart,
        "customers",
        [{"customer_id": c, "signup_date": dt.date(2024, 1, 1)} for c in "ab"],
    )
    insert_rows(
        empty_mart,
        "customer_attributes",
        [
            {"customer_id": "a", "name": "size", "value": "42", "updated_at": when},
            {"customer_id": "b", "name": "size", "value": "XL", "updated_at": when},
        ],
    )
    rows = features_of(empty_mart, "2024-01-01")
    assert (rows["a"]["size"], rows["b"]["size"]) == ("42", "XL")


def test_undated_value_loses_to_a_dated_one(
    empty_mart: Mart, insert_rows: Any, features_of: Any
) -> None:
    insert_rows(empty_mart, "customers", [{"customer_id": "a", "signup_date": dt.date(2024, 1, 1)}])
    insert_rows(
        empty_mart,
        "customer_attributes",
        [
            {"customer_id": "a", "name": "tier", "value": "zz-undated"},
            {
                "customer_id": "a",
                "name": "tier",
                "value": "gold",
                "updated_at": dt.datetime(2024, 1, 1),
            },
        ],
    )
    assert features_of(empty_mart, "2024-01-01")["a"]["tier"] == "gold"


def test_ties_go_to_the_greatest_value_and_any_date_beats_none(
    empty_mart: Mart, insert_rows: Any, features_of: Any
) -> None:
    insert_rows(
        empty_mart,
        "customers",
        [{"customer_id": c, "signup_date": dt.date(2024, 1, 1)} for c in "ab"],
    )
    when, epoch = dt.datetime(2024, 1, 1), dt.datetime(1970, 1, 1)
    insert_rows(
        empty_mart,
        "customer_attributes",
        [
            {"customer_id": "a", "name": "tier", "value": "gold", "updated_at": when},
            {"customer_id": "a", "name": "tier", "value": "silver", "updated_at": when},
            {"customer_id": "a", "name": "tier", "value": "bronze", "updated_at": epoch},
            {"customer_id": "b", "name": "tier", "value": "zz-undated"},
            {"customer_id": "b", "name": "tier", "value": "old", "updated_at": epoch},
        ],
    )
    rows = features_of(empty_mart, "2024-01-01")
    assert (rows["a"]["tier"], rows["b"]["tier"]) == ("silver", "old")


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("Loyalty Points", "loyalty_points"),
        ("  crm-stage! ", "crm_stage"),
        ("3d", "attr_3d"),
        ("***", "attr"),
    ],
)
def test_safe_identifier(name: str, column: str) -> None:
    assert safe_identifier(name) == column


def test_collisions_get_a_suffix() -> None:
    columns = _column_names(["gender", "Gender", "city"], reserved=["gender", "customer_id"])
    assert columns == {"Gender": "gender_attr", "city": "city", "gender": "gender_attr2"}


def _loaded(tmp_path: Path, text: str) -> Mart:
    """A file mart holding the transactions file ``text``."""
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    mart = segmint.connect(tmp_path / "mart.duckdb")
    ingest(mart, "transactions", path, IngestOptions())
    return mart


def test_a_changed_tier_reads_the_value_current_at_the_as_of_day(
    tmp_path: Path, features_of: Any
) -> None:
    text = (
        "CustomerID,InvoiceDate,Total,Tier\n"
        "c1,2024-01-01,10,A\n"
        "c1,2024-02-01,10,A\n"
        "c1,2024-03-01,10,B\n"  # c1 moves from A to B on 2024-03-01
        "c1,2024-04-01,10,B\n"
        "c2,2024-01-10,10,gold\n"
        "c2,2024-03-10,10,gold\n"
    )
    with _loaded(tmp_path, text) as mart:
        before = features_of(mart, "2024-02-15")
        on_the_day = features_of(mart, "2024-03-01")
        after = features_of(mart, "2024-04-30")
    assert before["c1"]["tier"] == "A"  # was absent: only B was kept, dated 2024-03-01
    assert (on_the_day["c1"]["tier"], after["c1"]["tier"]) == ("B", "B")
    assert before["c2"]["tier"] == on_the_day["c2"]["tier"] == after["c2"]["tier"] == "gold"


def test_whether_a_value_is_known_early_does_not_tell_who_orders_again(
    tmp_path: Path, features_of: Any
) -> None:
    # Kept as the latest value alone, a tier that changed was unknown before its last run
    # of rows began, and only for customers who ordered again (their rows carry the
    # change): as of 2024-02-01 a model would have read who comes back from the absence.
    text = (
        "CustomerID,InvoiceDate,Total,Tier\n"
        "back1,2024-01-01,10,A\n"
        "back1,2024-05-01,10,B\n"
        "back2,2024-01-05,10,B\n"
        "back2,2024-06-01,10,A\n"
        "back3,2024-01-07,10,A\n"
        "back3,2024-04-01,10,A\n"
        "once1,2024-01-02,10,A\n"
        "once2,2024-01-03,10,B\n"
        "once3,2024-01-20,10,A\n"
    )
    with _loaded(tmp_path, text) as mart:
        early = features_of(mart, "2024-02-01")
    again = {"back1", "back2", "back3"}
    known = {c: row["tier"] is not None for c, row in early.items()}
    assert set(known) == again | {"once1", "once2", "once3"}
    assert {known[c] for c in again} == {known[c] for c in set(known) - again} == {True}
    assert (early["back1"]["tier"], early["back2"]["tier"]) == ("A", "B")  # as then


@pytest.mark.parametrize("order", [("january", "february"), ("february", "january")])
def test_month_files_in_either_order_move_the_tier_on_from_its_day(
    tmp_path: Path, features_of: Any, order: tuple[str, str]
) -> None:
    header = "CustomerID,InvoiceDate,Total,Tier\n"
    months = {
        "january": header + "c1,2024-01-05,10,A\nc2,2024-01-07,10,gold\n",
        "february": header + "c1,2024-02-03,10,B\nc2,2024-02-09,10,gold\n",
    }
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        for name in order:
            path = tmp_path / f"{name}.csv"
            path.write_text(months[name], encoding="utf-8")
            ingest(mart, "transactions", path, IngestOptions())
        before = features_of(mart, "2024-01-06")
        january = features_of(mart, "2024-01-31")
        february = features_of(mart, "2024-02-29")
    # in order, the tier was once A for good; January loaded after February, it was lost:
    # as of January c1 read no tier, and c2 none until 9 February
    assert before["c1"]["tier"] == "A"
    assert (january["c1"]["tier"], february["c1"]["tier"]) == ("A", "B")
    assert january["c2"]["tier"] == february["c2"]["tier"] == "gold"
