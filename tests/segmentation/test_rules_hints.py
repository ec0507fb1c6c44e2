"""Values a text comparison matches only when case is ignored, for empty-segment warnings."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pytest

from segmint.segmentation.rules_hints import CaseVariants, case_variants
from segmint.segmentation.rules_parser import parse


@pytest.fixture(scope="module")
def people() -> ir.Table:
    return ibis.memtable(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "interest": ["outdoor", "OUTDOOR", "indoor", None, "Outdoors"],
            "city": ["Hanoi", "Paris", "hanoi", "Da Nang", None],
            "age": [20, 30, 40, 50, 60],
        }
    )


def variants(where: str, table: ir.Table) -> list[CaseVariants]:
    return case_variants(parse(where), table)


def test_an_equality_in_the_wrong_case_names_the_values_of_the_column(people: ir.Table) -> None:
    found = variants("interest = 'Outdoor' and age > 18", people)
    assert found == [CaseVariants("interest", "'Outdoor'", ("OUTDOOR", "outdoor"))]
    assert found[0].describe() == "'OUTDOOR', 'outdoor' are values of interest"


@pytest.mark.parametrize(
    ("where", "column", "values"),
    [
        ("city in ('HANOI', 'Rome')", "city", ("Hanoi", "hanoi")),
        ("'paris' = city", "city", ("Paris",)),
        ("CITY = 'da nang'", "city", ("Da Nang",)),
        ("interest like 'OUT%S'", "interest", ("Outdoors",)),
        ("interest contains 'DOORS'", "interest", ("Outdoors",)),
    ],
)
def test_in_like_contains_and_columns_in_another_case(
    people: ir.Table, where: str, column: str, values: tuple[str, ...]
) -> None:
    (found,) = variants(where, people)
    assert (found.column, found.values) == (column, values)


@pytest.mark.parametrize(
    "where",
    [
        "interest = 'outdoor'",  # matched exactly: no other case to offer
        "interest = 'hiking'",  # no value in any case
        "not interest = 'Outdoor'",  # negated: not a matter of case
        "interest not in ('Outdoor')",
        "interest != 'Outdoor'",
        "age = 20",
        "nowhere = 'Outdoor'",
    ],
)
def test_nothing_is_named_when_case_is_not_the_matter(people: ir.Table, where: str) -> None:
    assert variants(where, people) == []
