"""Conditions compiled to Ibis and run on DuckDB: every operator, nulls, types and errors."""

from __future__ import annotations

import datetime as dt
import re

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from segmint.features.bands import Band
from segmint.segmentation.rules_compiler import compile_condition
from segmint.segmentation.rules_lexer import RuleError
from segmint.segmentation.rules_parser import parse

ROWS = {
    "customer_id": [1, 2, 3, 4, 5],
    "age": [18, 29, 30, None, 45],
    "monetary_total": [10.5, 0.0, 250.0, 99.99, None],
    "city": ["Hanoi", "Da Nang", "Paris", None, "O'Brien Town"],
    "interest": ["outdoor", "Outdoor", None, "indoor", "outdoor; drop table x"],
    "survey_satisfaction": ["5", "3", "n/a", None, "4.5"],
    "is_vip": [True, False, None, True, False],
    "signup_date": [dt.date(2024, 1, 1), dt.date(2024, 1, 31), None, dt.date(2023, 6, 1), None],
    "last_seen": [
        dt.datetime(2024, 1, 31, 23, 59),
        dt.datetime(2024, 2, 1, 0, 0),
        None,
        dt.datetime(2024, 1, 31, 0, 0),
        None,
    ],
    "odd name": [1, 2, 3, 4, 5],
}


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def table() -> ir.Table:
    return ibis.memtable(pa.table(ROWS))


@pytest.fixture
def ids(con: ibis.BaseBackend, table: ir.Table):  # type: ignore[no-untyped-def]
    """Customer ids for which a condition holds."""

    def run(text: str) -> list[int]:
        condition = compile_condition(parse(text), table, text)
        result = con.execute(table.filter(condition).customer_id)
        return sorted(int(v) for v in result)

    return run


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("age = 29", [2]),
        ("age != 29", [1, 3, 5]),
        ("age <> 29", [1, 3, 5]),
        ("age < 29", [1]),
        ("age <= 29", [1, 2]),
        ("age > 29", [3, 5]),
        ("age >= 29", [2, 3, 5]),
        ("monetary_total >= 99.99", [3, 4]),
        ("monetary_total > -1", [1, 2, 3, 4]),
        ("age > 29.5", [3, 5]),
        ("city = 'Hanoi'", [1]),
        ('city = "Da Nang"', [2]),
        ("city = 'O''Brien Town'", [5]),
        ("city < 'I'", [2, 1]),
        ("is_vip", [1, 4]),
        ("is_vip = false", [2, 5]),
        ("not is_vip", [2, 5]),
        ("true", [1, 2, 3, 4, 5]),
        ("false", []),
        ("`odd name` = 3", [3]),
        ("AGE = 18", [1]),
    ],
)
def test_comparisons(ids, where: str, expected: list[int]) -> None:  # type: ignore[no-untyped-def]
    assert ids(where) == sorted(expected)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("age between 18 and 29", [1, 2]),
        ("age between 29 and 29", [2]),
        ("age not between 18 and 29", [3, 5]),
        ("signup_date between date '2024-01-01' and date '2024-01-31'", [1, 2]),
        ("city in ('Hanoi', 'Paris')", [1, 3]),
        ("city not in ('Hanoi', 'Paris')", [2, 5]),
        ("age in (18, 45)", [1, 5]),
        ("age not in (18)", [2, 3, 5]),
        ("city is null", [4]),
        ("city is not null", [1, 2, 3, 5]),
        ("age is null or city is null", [4]),
        ("interest like 'out%'", [1, 5]),
        ("interest like '_utdoor'", [1, 2]),
        ("interest not like 'out%'", [2, 4]),
        ("interest like 'outdoor'", [1]),
        ("interest contains 'door'", [1, 2, 4, 5]),
        ("interest contains 'Out'", [2]),
        ("interest not contains 'out'", [2, 4]),
    ],
)
def test_predicates(ids, where: str, expected: list[int]) -> None:  # type: ignore[no-untyped-def]
    assert ids(where) == sorted(expected)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("age < 20 or age > 40 and city = 'Hanoi'", [1]),
        ("(age < 20 or age > 40) and city = 'Hanoi'", [1]),
        ("age < 20 or age > 40 and city is not null", [1, 5]),
        ("(age < 20 or age > 40) and city = 'Paris'", []),
        ("not age = 18 and city is not null", [2, 3, 5]),
        ("not (age = 18 and city is not null)", [2, 3, 4, 5]),
        ("not (age = 18 or city = 'Paris')", [2, 5]),
    ],
)
def test_precedence(ids, where: str, expected: list[int]) -> None:  # type: ignore[no-untyped-def]
    assert ids(where) == sorted(expected)


@pytest.mark.parametrize(
    ("where", "missing"),
    [
        ("age = 999 or age != 999", 4),
        ("not (age = 999)", 4),
        ("age not in (999)", 4),
        ("age not between 900 and 999", 4),
        ("city not like 'zzz%'", 4),
        ("city not contains 'zzz'", 4),
        ("not is_vip or is_vip", 3),
    ],
)
def test_a_missing_value_never_matches(ids, where: str, missing: int) -> None:  # type: ignore[no-untyped-def]
    """Unknown (NULL) conditions do not match, even negated: SQL three-valued logic."""
    assert ids(where) == sorted({1, 2, 3, 4, 5} - {missing})


def test_text_column_compared_with_a_number_is_read_as_a_number(ids) -> None:  # type: ignore[no-untyped-def]
    assert ids("survey_satisfaction >= 4") == [1, 5]
    assert ids("survey_satisfaction between 3 and 4.5") == [2, 5]
    assert ids("survey_satisfaction in (3, 5)") == [1, 2]
    assert ids("survey_satisfaction = 'n/a'") == [3]


def test_timestamp_compared_with_a_date_uses_its_day(ids) -> None:  # type: ignore[no-untyped-def]
    assert ids("last_seen <= date '2024-01-31'") == [1, 4]
    assert ids("last_seen = date '2024-01-31'") == [1, 4]
    assert ids("last_seen > signup_date") == [1, 2, 4]


def test_column_against_column(ids) -> None:  # type: ignore[no-untyped-def]
    assert ids("age > `odd name`") == [1, 2, 3, 5]
    assert ids("`odd name` >= age") == []


def test_unknown_column_names_it_suggests_and_lists_columns(table: ir.Table) -> None:
    text = "city = 'Hanoi' and agee > 3"
    with pytest.raises(RuleError) as info:
        compile_condition(parse(text), table, text)
    message = str(info.value)
    assert message.startswith("unknown column 'agee' at character 20; did you mean 'age'?")
    assert "columns: age, city, customer_id, interest" in message
    assert message.endswith(f"  {text}\n  {' ' * 19}^^^^")
    assert info.value.position == 19


def test_unknown_column_without_a_close_match(table: ir.Table) -> None:
    with pytest.raises(RuleError, match=r"unknown column 'zzz' at character 1; columns: age"):
        compile_condition(parse("zzz = 1"), table)


@pytest.mark.parametrize(
    ("where", "quoted"),
    [("city = Hamburg", "'Hamburg'"), ("age between 18 and thirty", "'thirty'")],
)
def test_an_unknown_name_where_a_value_goes_is_shown_quoted(
    table: ir.Table, where: str, quoted: str
) -> None:
    with pytest.raises(RuleError, match=f"if you meant the text, quote it: {quoted}; columns: "):
        compile_condition(parse(where), table)


def test_an_unknown_column_alone_is_not_offered_as_text(table: ir.Table) -> None:
    with pytest.raises(RuleError) as info:
        compile_condition(parse("is_gold"), table)
    assert "unknown column 'is_gold'" in str(info.value)
    assert "quote" not in str(info.value)


def test_ambiguous_case_insensitive_match_is_unknown() -> None:
    table = ibis.table({"Age": "int64", "age": "int64"}, name="t")
    assert compile_condition(parse("age = 1"), table) is not None
    with pytest.raises(RuleError, match=r"unknown column 'AGE'.*did you mean"):
        compile_condition(parse("AGE = 1"), table)


@pytest.mark.parametrize(
    ("where", "match"),
    [
        (
            "age = '30'",
            r"cannot compare column 'age' \(int64\) with the text '30' at character 7; "
            r"write the number without quotes: 30",
        ),
        ("age = 'old'", r"column 'age' \(int64\) with the text 'old'.*compare it with a number"),
        ("signup_date > '2024-01-01'", r"write dates as date '2024-01-01'"),
        ("signup_date > 5", r"column 'signup_date' \(date\) with a number \(5\)"),
        (
            "is_vip = 1",
            r"column 'is_vip' \(boolean\) with a number \(1\) at character 10; compare it with true",
        ),
        ("city = true", r"column 'city' \(string\) with true/false \(true\)"),
        ("city = signup_date", r"column 'city' \(string\) with column 'signup_date' \(date\)"),
        ("age like '1%'", r"'like' needs text, but column 'age' \(int64\) is not text"),
        ("is_vip contains 'x'", r"'contains' needs text"),
        ("age", r"column 'age' \(int64\) is not true/false.*age = a number such as 42"),
        ("5", r"a number \(5\) is not true/false"),
        ("city in ('a', 1)", r"the list after 'in' mixes a number and text"),
        ("age in ('a', 'b')", r"cannot compare column 'age' \(int64\) with the text 'a'"),
        ("1 = 'a'", r"cannot compare the text 'a' with a number \(1\)"),
    ],
)
def test_type_errors_name_the_column_its_type_and_the_fix(
    table: ir.Table, where: str, match: str
) -> None:
    with pytest.raises(RuleError, match=match):
        compile_condition(parse(where), table, where)


def test_injection_text_is_matched_as_data(con: ibis.BaseBackend) -> None:
    con.create_table("orders", pa.table({"order_id": [1, 2]}))
    people = pa.table(
        {
            "customer_id": [1, 2],
            "name": ["; drop table orders; --", "Robert'); DROP TABLE orders;--"],
        }
    )
    con.create_table("people", people)
    table = con.table("people")
    for text, expected in [
        ("name = '; drop table orders; --'", [1]),
        ("name = 'Robert''); DROP TABLE orders;--'", [2]),
        ("name like '%drop table%'", [1]),
        ("name = 'x'' or ''1''=''1'", []),
    ]:
        result = con.execute(table.filter(compile_condition(parse(text), table)).customer_id)
        assert sorted(result) == expected
    assert "orders" in con.list_tables()
    assert int(con.table("orders").count().execute()) == 2


@pytest.mark.parametrize(
    "where",
    ["`orders; drop table orders` = 1", "`customer_id = 1 or 1` = 1", '`name"` = 1'],
)
def test_identifiers_cannot_smuggle_sql(table: ir.Table, where: str) -> None:
    with pytest.raises(RuleError, match="unknown column"):
        compile_condition(parse(where), table)


@pytest.mark.parametrize(
    ("where", "fix"),
    [
        ("city between 'Paris' and 'Hanoi'", "write city between 'Hanoi' and 'Paris'"),
        ("size between '10-14' and '5-9'", "write size between '5-9' and '10-14'"),
        ("size not between '15+' and '5-9'", "write size not between '5-9' and '15+'"),
    ],
)
def test_a_range_of_text_or_band_values_backwards_is_refused(where: str, fix: str) -> None:
    table = ibis.table({"customer_id": "int64", "city": "string", "size": "string"}, name="t")
    bands = {"size": Band("size", ("5-9", "10-14", "15+"))}
    with pytest.raises(
        RuleError, match=r"the range at character \d+ runs from .*" + re.escape(fix)
    ):
        compile_condition(parse(where), table, where, bands)


def test_a_band_range_in_band_order_is_kept_though_its_text_sorts_the_other_way(
    con: ibis.BaseBackend,
) -> None:
    table = ibis.memtable({"customer_id": [1, 2, 3], "size": ["5-9", "10-14", "15+"]})
    bands = {"size": Band("size", ("5-9", "10-14", "15+"))}
    where = "size between '5-9' and '10-14'"
    condition = compile_condition(parse(where), table, where, bands)
    assert sorted(con.execute(table.filter(condition).customer_id)) == [1, 2]
