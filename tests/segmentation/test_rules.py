"""Rules files: loading and their errors, first-match assignment, else, unassigned, hybrids."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

import segmint
from segmint.segmentation import store
from segmint.segmentation.rules import (
    RuleError,
    RuleSet,
    assign,
    load_rules,
    ruleset_from_dict,
    with_segmentations,
)

EXAMPLES = Path(__file__).parents[2] / "examples" / "rules"

RULES = """
segments:
  - name: Young urban outdoor fans
    where: "age between 18 and 29 and city in ('Hanoi', 'Da Nang') and interest = 'outdoor'"
  - name: Young
    where: age < 30
    description: Everyone under thirty not caught above.
  - name: Everyone else
    else: true
"""


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def people() -> ir.Table:
    return ibis.memtable(
        pa.table(
            {
                "customer_id": ["a", "b", "c", "d", "e"],
                "age": [25, 25, 45, None, 29],
                "city": ["Hanoi", "Paris", "Hanoi", "Hanoi", "Da Nang"],
                "interest": ["outdoor", "outdoor", "outdoor", "outdoor", None],
            }
        )
    )


def segments_of(con: ibis.BaseBackend, table: ir.Table) -> dict[str, str]:
    frame = con.to_pyarrow(table).to_pylist()
    return {row["customer_id"]: row["segment"] for row in frame}


def test_load_rules_keeps_order_conditions_and_else() -> None:
    rules = load_rules(RULES)
    assert rules.names == ["Young urban outdoor fans", "Young", "Everyone else"]
    assert rules.else_name == "Everyone else"
    assert rules.segments[1].where == "age < 30"
    assert rules.segments[1].description == "Everyone under thirty not caught above."
    assert rules.referenced_columns() == {"age", "city", "interest"}


def test_load_rules_from_a_path_or_a_path_string(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    assert load_rules(path) == load_rules(str(path)) == load_rules(RULES)


def test_a_missing_rules_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=r"cannot read rules file .*nope\.yaml"):
        load_rules(str(tmp_path / "nope.yaml"))


def test_definition_round_trips() -> None:
    rules = load_rules(RULES)
    assert ruleset_from_dict(rules.definition()) == rules


def test_first_match_wins_and_else_catches_the_rest(
    con: ibis.BaseBackend, people: ir.Table
) -> None:
    result = segments_of(con, assign(load_rules(RULES), people))
    assert result == {
        "a": "Young urban outdoor fans",
        "b": "Young",
        "c": "Everyone else",
        "d": "Everyone else",  # age unknown: both conditions are NULL, neither matches
        "e": "Young",  # interest unknown: the first condition is NULL
    }


def test_order_decides_between_overlapping_segments(
    con: ibis.BaseBackend, people: ir.Table
) -> None:
    swapped = RuleSet(tuple(reversed(load_rules(RULES).segments)), "Everyone else")
    result = segments_of(con, assign(swapped, people))
    assert set(result.values()) == {"Young", "Everyone else"}


def test_without_else_unmatched_customers_are_unassigned(
    con: ibis.BaseBackend, people: ir.Table
) -> None:
    rules = load_rules("segments:\n  - name: Hanoi\n    where: city = 'Hanoi'")
    result = segments_of(con, assign(rules, people))
    assert result == {
        "a": "Hanoi",
        "b": "unassigned",
        "c": "Hanoi",
        "d": "Hanoi",
        "e": "unassigned",
    }


def test_only_an_else_segment_puts_everyone_in_it(con: ibis.BaseBackend, people: ir.Table) -> None:
    rules = load_rules("segments:\n  - name: All\n    else: true")
    assert set(segments_of(con, assign(rules, people)).values()) == {"All"}


def test_assign_needs_the_id_column(people: ir.Table) -> None:
    with pytest.raises(RuleError, match=r"no 'customer_id' column.*columns: id"):
        assign(load_rules(RULES), people.rename(id="customer_id"))


def test_compile_errors_name_the_segment_and_point_at_the_column(people: ir.Table) -> None:
    rules = load_rules("segments:\n  - name: Cities\n    where: \"citty = 'Hanoi'\"")
    with pytest.raises(RuleError) as info:
        assign(rules, people)
    message = str(info.value)
    assert message.startswith("segment 'Cities': unknown column 'citty' at character 1; ")
    assert "did you mean 'city'?" in message
    assert "columns: age, city, customer_id, interest" in message
    assert message.endswith("  citty = 'Hanoi'\n  ^^^^^")


def test_syntax_errors_are_reported_at_load_time_with_the_segment() -> None:
    text = 'segments:\n  - name: Bad\n    where: "age >> 3"'
    with pytest.raises(RuleError, match=r"segment 'Bad': syntax error at character 5") as info:
        load_rules(text)
    assert str(info.value).endswith("  age >> 3\n      ^^")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "rules need a 'segments' list at the top"),
        ("segment:\n  - name: a\n    where: a = 1", "rules need a 'segments' list"),
        ("segments: {name: a}", "rules need a 'segments' list"),
        ("segments: []", "the 'segments' list is empty"),
        ("segments: [1]", "segment 1 must be a mapping with 'name'"),
        ("segments:\n  - where: a = 1", "segment 1 has no name"),
        ("segments:\n  - name: ''\n    where: a = 1", "segment 1 has no name"),
        (
            "segments:\n  - name: 2024\n    where: a = 1",
            "segment 1's name is not text: YAML read it as the number 2024",
        ),
        (
            "segments:\n  - name: yes\n    where: a = 1",
            r"read it as true/false \(true; YAML reads yes, no, on and off so\); put the name in",
        ),
        ("segments:\n  - name: a", "segment 'a' needs exactly one of .* it has neither"),
        (
            "segments:\n  - name: a\n    where: a = 1\n    else: true",
            "segment 'a' needs exactly one of .* it has both",
        ),
        (
            "segments:\n  - name: a\n    else: true\n  - name: b\n    else: true",
            "segment 2 comes after the else segment 'a', which must be last",
        ),
        (
            "segments:\n  - name: a\n    else: true\n  - name: b\n    where: x = 1",
            "segment 2 comes after the else segment 'a'",
        ),
        (
            "segments:\n  - name: a\n    where: x = 1\n  - name: a\n    where: x = 2",
            "two segments are named 'a'",
        ),
        ("segments:\n  - name: a\n    else: false", "segment 'a': write 'else: true', not False"),
        (
            "segments:\n  - name: a\n    where: 3",
            "segment 'a': 'where' must be a condition in quotes",
        ),
        ("segments:\n  - name: a\n    wehre: x = 1", r"segment 'a' has unknown keys \['wehre'\]"),
        ("segments: [{name: a, else: true}]\nextra: 1", r"the rules file has unknown keys"),
        ("segments:\n  - name: unassigned\n    where: x = 1", "'unassigned' is reserved"),
        ("segments:\n  - name: a\n   where: x", "rules are not valid YAML"),
        (
            "segments:\n  - name: a\n    name: b\n    else: true",
            "^line 3: the key 'name' appears twice in one mapping",
        ),
    ],
)
def test_rules_file_errors(text: str, match: str) -> None:
    with pytest.raises(RuleError, match=match):
        load_rules(text)


FILE_ERRORS = [
    ("", "", "rules need a 'segments' list at the top"),
    ("segments: []\n", "", "the 'segments' list is empty"),
    ("segments:\n  - name: a\n    where: x = 1\n  - name: a\n    where: x = 2\n", ", line 4",
     "two segments are named 'a'"),
    ("segments:\n  - name: a\n    where: x = 1\n  - where: x = 2\n", ", line 4",
     "segment 2 has no name"),
    ("segments:\n  - name: a\n    wehre: x = 1\n", ", line 2",
     r"segment 'a' has unknown keys \['wehre'\]"),
    ("segments:\n  - name: a\n    else: 1\n", ", line 2", "segment 'a': write 'else: true'"),
    ("segments:\n  - name: a\n    description: Adults\n\n    where: \"age >> 3\"\n",
     ", line 5", "segment 'a': syntax error at character 5"),
    ("segments:\n  - name: a\n   where: x\n", ", line 3",
     "rules are not valid YAML at column 4: expected <block end>"),
    ("segments:\n\t- name: a\n", ", line 2", "rules are not valid YAML at column 1: found "),
    ("segments:\n  - name: a\n    where: x = 1\n    where: x = 2\n", ", line 4",
     "the key 'where' appears twice in one mapping \\(first on line 3\\)"),
    ("segments:\n  - name: a\n    else: true\nsegments:\n  - name: b\n    else: true\n",
     ", line 4", "the key 'segments' appears twice in one mapping \\(first on line 1\\)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "match"), FILE_ERRORS)
def test_errors_in_a_rules_file_name_the_file_and_the_line(
    tmp_path: Path, text: str, line: str, match: str
) -> None:
    path = tmp_path / "my rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match=rf"^{re.escape(str(path))}{line}: {match}"):
        load_rules(path)


def test_errors_found_when_the_rules_run_name_the_file_and_the_line(
    tmp_path: Path, people: ir.Table
) -> None:
    path = tmp_path / "cities.yaml"
    path.write_text(
        "segments:\n  - name: Hanoi\n    where: city = 'Hanoi'\n"
        "  - name: Cities\n    description: typo\n    where: \"citty = 'Hanoi'\"\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules == load_rules(path.read_text(encoding="utf-8"))  # where it came from aside
    with pytest.raises(RuleError) as info:
        assign(rules, people)
    message = str(info.value)
    assert message.startswith(f"{path}, line 6: segment 'Cities': unknown column 'citty' ")
    assert message.endswith("  citty = 'Hanoi'\n  ^^^^^")


def test_with_segmentations_joins_each_as_a_column(con: ibis.BaseBackend, people: ir.Table) -> None:
    rfm = ibis.memtable({"customer_id": ["a", "b", "c"], "segment": ["Champions", "Lost", "New"]})
    joined = with_segmentations(people, {"rfm": rfm})
    assert joined.columns == (*people.columns, "rfm")
    rules = load_rules(
        "segments:\n"
        "  - name: Hanoi champions\n    where: rfm = 'Champions' and city = 'Hanoi'\n"
        "  - name: No rfm\n    where: rfm is null\n"
        "  - name: Rest\n    else: true"
    )
    result = segments_of(con, assign(rules, joined))
    assert result == {
        "a": "Hanoi champions",
        "b": "Rest",
        "c": "Rest",
        "d": "No rfm",
        "e": "No rfm",
    }


def test_with_segmentations_refuses_a_name_clash(people: ir.Table) -> None:
    rfm = ibis.memtable({"customer_id": ["a"], "segment": ["x"]})
    with pytest.raises(RuleError, match="already has a column 'city'"):
        with_segmentations(people, {"city": rfm})


def test_hybrid_with_stored_assignments(tmp_path: Path) -> None:
    mart = segmint.mart.connect(tmp_path / "mart.duckdb")
    day = dt.date(2024, 3, 31)
    rfm = ibis.memtable({"customer_id": ["a", "b"], "segment": ["Champions", "Lost"]})
    store.save(mart, "rfm", "rfm", {"bins": 5}, day, rfm)
    features = ibis.memtable(
        {"customer_id": ["a", "b", "c"], "region": ["North", "North", "North"]}
    )
    features = mart.con.create_table("features_for_test", features)
    hybrid = load_rules(
        "segments:\n  - name: Northern champions\n"
        "    where: rfm = 'Champions' and region = 'North'\n"
        "  - name: Others\n    else: true"
    )
    others = hybrid.referenced_columns() - set(features.columns)
    joined = with_segmentations(
        features, {name: store.assignments(mart, name, day) for name in others}
    )
    result = segments_of(mart.con, assign(hybrid, joined))
    assert result == {"a": "Northern champions", "b": "Others", "c": "Others"}
    mart.close()


FEATURE_TYPES = {
    "customer_id": "string",
    "recency_days": "int32",
    "frequency": "int64",
    "monetary_total": "float64",
    "monetary_avg": "float64",
    **{f"orders_{d}d": "int64" for d in (30, 90, 365)},
    **{f"spend_{d}d": "float64" for d in (30, 90, 365)},
    "discount_share": "float64",
    "gross_margin": "float64",
    "sessions": "int64",
    "page_views": "int64",
    "cart_adds_without_purchase": "int64",
    "cart_adds_without_purchase_30d": "int64",
    "email_opens": "int64",
    "email_clicks": "int64",
    "age": "int32",
    "age_band": "string",
    "gender": "string",
    "country": "string",
    "region": "string",
    "city": "string",
    "acquisition_channel": "string",
    "interest": "string",
    "crm_stage": "string",
    "survey_satisfaction": "string",
    "rfm": "string",
}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_compile_against_the_feature_columns(path: Path) -> None:
    features = ibis.table(FEATURE_TYPES, name="features")
    rules = load_rules(path)
    assert rules.else_name is not None
    assert rules.referenced_columns() <= set(FEATURE_TYPES)
    expression = assign(rules, features)
    assert expression.columns == ("customer_id", "segment")


DEMO_ATTRIBUTES = ("interest", "crm_stage", "survey_satisfaction")
"""The demo retailer's attribute columns, which Online Retail II and CDNOW do not have."""


@pytest.mark.parametrize(
    ("name", "missing"),
    [("hybrid_rfm", "survey_satisfaction"), ("psychographic", "crm_stage")],
)
def test_examples_on_data_without_their_columns_stop_naming_the_column(
    name: str, missing: str
) -> None:
    path = EXAMPLES / f"{name}.yaml"
    assert f"unknown column '{missing}'" in path.read_text(encoding="utf-8")  # the header says so
    columns = {c: t for c, t in FEATURE_TYPES.items() if c not in DEMO_ATTRIBUTES}
    with pytest.raises(
        RuleError, match=rf"^{re.escape(str(path))}, line \d+: .*unknown column '{missing}'"
    ):
        assign(load_rules(path), ibis.table(columns, name="features"))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_say_which_data_they_fit_and_what_they_need(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "\n# Fits: " in text and "\n# Needs" in text


def test_the_geographic_example_takes_no_country_for_home(con: ibis.BaseBackend) -> None:
    rows = {
        "uk": {"country": "United Kingdom"},
        "de": {"country": "Germany", "region": "Bavaria"},
        "fr": {"country": "France", "region": "Bretagne"},
        "none": {},
    }
    rules = load_rules(EXAMPLES / "geographic.yaml")
    assigned = con.execute(assign(rules, _feature_rows(rows)))
    segment = dict(zip(assigned.customer_id, assigned.segment, strict=True))
    assert segment == {
        "uk": "Country only",
        "de": "South",
        "fr": "Other regions",
        "none": "Location unknown",
    }


def test_examples_cover_every_dimension() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.yaml")}
    assert {"demographic", "geographic", "psychographic", "behavioural", "hybrid_rfm"} <= names


def _feature_rows(rows: dict[str, dict[str, object]]) -> ir.Table:
    """A feature table of :data:`FEATURE_TYPES` with one row per customer id: the given
    values, and null for every column a row does not name."""
    columns = {column: [values.get(column) for values in rows.values()] for column in FEATURE_TYPES}
    columns["customer_id"] = list(rows)
    return ibis.memtable(pa.table(columns), schema=FEATURE_TYPES)


def test_cart_abandoners_left_a_cart_in_the_last_30_days(con: ibis.BaseBackend) -> None:
    # a customer who last bought four months ago, in no other segment of the file
    regular: dict[str, object] = {"recency_days": 120, "frequency": 3, "orders_365d": 3}
    regular |= {"orders_30d": 0, "orders_90d": 0, "spend_90d": 0.0, "discount_share": 0.0}
    regular |= {"email_opens": 1, "sessions": 9, "cart_adds_without_purchase": 5}
    prospect = regular | {"recency_days": None, "frequency": 0, "orders_365d": 0}
    features = _feature_rows(
        {
            "old carts only": regular | {"cart_adds_without_purchase_30d": 0},
            "a cart this month": regular | {"cart_adds_without_purchase_30d": 1},
            "a cart, then an order": regular
            | {"cart_adds_without_purchase_30d": 2, "recency_days": 3, "frequency": 4}
            | {"orders_30d": 1, "orders_90d": 1, "orders_365d": 4},
            "a cart, never an order": prospect | {"cart_adds_without_purchase_30d": 1},
        }
    )
    result = segments_of(con, assign(load_rules(EXAMPLES / "behavioural.yaml"), features))
    assert result == {
        "old carts only": "Everyone else",
        "a cart this month": "Cart abandoners",
        "a cart, then an order": "Everyone else",
        "a cart, never an order": "Cart abandoners",
    }
