"""Who is in the feature table as of a date."""

from __future__ import annotations

from typing import Any

from segmint.features.asof import parse_as_of
from segmint.features.population import population
from segmint.mart import Mart

Rows = dict[str, dict[str, Any]]


def test_known_customers_only(rows: Rows) -> None:
    # c4 signs up later, c6 only orders later, c7 has no signup date and no order
    assert set(rows) == {"c1", "c2", "c3", "c5", "c8"}


def test_one_row_per_customer(mart: Mart) -> None:
    ids = population(mart, parse_as_of("2024-12-31")).customer_id.execute()
    assert sorted(ids) == ["c1", "c2", "c3", "c4", "c5", "c6", "c8"]


def test_a_later_date_lets_later_customers_in(mart: Mart, features_of: Any) -> None:
    rows = features_of(mart, "2024-06-01")
    assert {"c4", "c6"} <= set(rows)
    assert rows["c5"]["frequency"] == 1
