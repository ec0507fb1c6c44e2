"""Attributes pivoted to columns: latest value up to the as-of day, names, numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from segmint.features.attributes import _column_names, safe_identifier
from segmint.mart import Mart

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
