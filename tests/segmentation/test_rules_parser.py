"""Tokens and syntax trees of the rules language, and syntax errors with positions."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from segmint.exceptions import SegmintError
from segmint.segmentation.rules_lexer import RuleError
from segmint.segmentation.rules_parser import (
    MAX_DEPTH,
    And,
    Between,
    Column,
    Compare,
    Contains,
    InList,
    IsNull,
    Like,
    Literal,
    Not,
    Or,
    Truth,
    parse,
    referenced_columns,
)


def cmp(column: str, op: str, value: object) -> Compare:
    return Compare(op, Column(column), Literal(value))  # type: ignore[arg-type]


def test_literals_in_the_tree() -> None:
    tree = parse("a in ('x', 1, 2.5, -3, true, FALSE, date '2024-01-31')")
    assert isinstance(tree, InList)
    assert [v.value for v in tree.values] == ["x", 1, 2.5, -3, True, False, dt.date(2024, 1, 31)]


def test_keywords_are_case_insensitive() -> None:
    assert parse("NOT a BeTwEeN 1 AnD 2 Or b Is NoT nUlL") == parse(
        "not a between 1 and 2 or b is not null"
    )


def test_and_binds_tighter_than_or() -> None:
    assert parse("a = 1 or b = 2 and c = 3") == Or(
        (cmp("a", "=", 1), And((cmp("b", "=", 2), cmp("c", "=", 3))))
    )


def test_parentheses_override_precedence() -> None:
    assert parse("(a = 1 or b = 2) and c = 3") == And(
        (Or((cmp("a", "=", 1), cmp("b", "=", 2))), cmp("c", "=", 3))
    )


def test_not_binds_tighter_than_and() -> None:
    assert parse("not a = 1 and b = 2") == And((Not(cmp("a", "=", 1)), cmp("b", "=", 2)))
    assert parse("not (a = 1 and b = 2)") == Not(And((cmp("a", "=", 1), cmp("b", "=", 2))))
    assert parse("not not a") == Not(Not(Truth(Column("a"))))


def test_between_takes_its_own_and() -> None:
    assert parse("a between 1 and 2 and b = 3") == And(
        (Between(Column("a"), Literal(1), Literal(2)), cmp("b", "=", 3))
    )


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op: str) -> None:
    assert parse(f"a {op} 1") == cmp("a", op, 1)


def test_diamond_is_not_equal() -> None:
    assert parse("a <> 1") == cmp("a", "!=", 1)


def test_every_predicate_form() -> None:
    assert parse("a not between 1 and 2") == Between(Column("a"), Literal(1), Literal(2), True)
    assert parse("a not in ('x')") == InList(Column("a"), (Literal("x"),), True)
    assert parse("a is null") == IsNull(Column("a"))
    assert parse("a is not null") == IsNull(Column("a"), True)
    assert parse("a like 'x%'") == Like(Column("a"), Literal("x%"))
    assert parse("a not like 'x%'") == Like(Column("a"), Literal("x%"), True)
    assert parse("a contains 'x'") == Contains(Column("a"), Literal("x"))
    assert parse("a not contains 'x'") == Contains(Column("a"), Literal("x"), True)
    assert parse("flag") == Truth(Column("flag"))
    assert parse("spend_30d > spend_90d") == Compare(">", Column("spend_30d"), Column("spend_90d"))


def test_quoted_identifiers_allow_spaces_keywords_and_backquotes() -> None:
    assert parse("`odd name` = 1") == cmp("odd name", "=", 1)
    assert parse("`date` = 1") == cmp("date", "=", 1)
    assert parse("`a``b` = 1") == cmp("a`b", "=", 1)


def test_double_quotes_are_text_not_columns() -> None:
    assert parse('city = "Da Nang"') == cmp("city", "=", "Da Nang")


def test_positions_point_into_the_text() -> None:
    tree = parse("x = 1 and  `my col` = 'v'")
    assert isinstance(tree, And)
    right = tree.operands[1]
    assert isinstance(right, Compare)
    assert isinstance(right.left, Column)
    assert (right.left.position, right.left.length) == (11, 8)


def test_referenced_columns() -> None:
    tree = parse(
        "rfm = 'Champions' and (region in ('North') or not `odd name` between a and 3) "
        "and city like 'H%' and x contains 'y' and z is null and flag"
    )
    assert referenced_columns(tree) == {"rfm", "region", "odd name", "a", "city", "x", "z", "flag"}


@pytest.mark.parametrize(
    ("text", "position", "expected", "found"),
    [
        ("age >", 5, "a column name or a value", "the end of the condition"),
        ("age > 18 age", 9, "'and', 'or' or the end", "the column name 'age'"),
        ("(a = 1", 6, "')' to close", "the end of the condition"),
        ("a between 1 or 2", 12, "'and' between the two ends", "'or'"),
        ("a in 1", 5, "'(' to open the list", "the number 1"),
        ("a in ('x' 'y')", 10, "',' or ')'", "the text 'y'"),
        ("a in ()", 6, "a value", "')'"),
        ("a like b", 7, "quoted text after 'like'", "the column name 'b'"),
        ("a is 1", 5, "'null' after 'is'", "the number 1"),
        ("date = 1", 5, "a quoted date after 'date'", "'='"),
        ("", 0, "a condition", "the end of the condition"),
        ("and a = 1", 0, "a column name or a value", "'and'"),
        ("1; drop table x", 1, None, None),
        ("a = 1 -- comment", 6, None, None),
    ],
)
def test_syntax_errors_say_what_was_expected_found_and_where(
    text: str, position: int, expected: str | None, found: str | None
) -> None:
    with pytest.raises(RuleError) as info:
        parse(text)
    error = info.value
    assert isinstance(error, SegmintError)
    assert error.position == position
    message = str(error)
    assert f"character {position + 1}" in message
    if expected is not None:
        assert f"expected {expected}" in message
        assert f"but found {found}" in message
    if text:
        caret_line = message.splitlines()[-1]
        assert caret_line.index("^") == position + 2  # two spaces of indent


@pytest.mark.parametrize(
    ("text", "written", "meant"),
    [("age => 30", "=>", "'>='"), ("age == 30", "==", "'='"), ("age =< 30", "=<", "'<='")],
)
def test_two_operators_in_a_row_name_the_one_meant(text: str, written: str, meant: str) -> None:
    with pytest.raises(RuleError) as info:
        parse(text)
    message = str(info.value)
    assert f"character 5: '{written}' is not an operator; write {meant}" in message
    assert message.endswith(f"  {text}\n      ^^")


def test_two_operators_without_a_known_meaning_list_the_operators() -> None:
    with pytest.raises(RuleError, match=r"'<>>' is not an operator; use one of = != <> <"):
        parse("a <> > 1")


def test_unexpected_character_is_shown_with_a_caret() -> None:
    with pytest.raises(RuleError, match=r"unexpected character ';'") as info:
        parse("1; drop table x")
    assert str(info.value).endswith("  1; drop table x\n   ^")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a = 'open", "text starting here has no closing '"),
        ("`open = 1", "backquoted column name starting here has no closing `"),
        ("`` = 1", "empty backquoted column name"),
        ("a = 12abc", "malformed number '12a'"),
        ("a = 1.2.3", "malformed number"),
        ("a = 99999999999999999999", "out of range"),
        ("a = date '2024-02-30'", "invalid date '2024-02-30'"),
        ("a = date '20240131'", "invalid date '20240131'"),
        ("a - 1", "unexpected character '-'"),
        ("a = null", "null is not a value; test for missing values with 'is null'"),
    ],
)
def test_lexical_errors(text: str, match: str) -> None:
    with pytest.raises(RuleError, match=match):
        parse(text)


def test_caret_sits_under_the_right_line_of_a_multiline_condition() -> None:
    with pytest.raises(RuleError) as info:
        parse("a = 1\n  and b >")
    lines = str(info.value).splitlines()
    assert lines[-2:] == ["    and b >", "           ^"]


def test_nesting_is_bounded() -> None:
    parse("(" * (MAX_DEPTH - 1) + "a" + ")" * (MAX_DEPTH - 1))
    with pytest.raises(RuleError, match=f"at most {MAX_DEPTH} levels"):
        parse("(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5))
    with pytest.raises(RuleError, match="levels of nesting"):
        parse("not " * 1000 + "a")


def test_injection_text_is_a_string_literal() -> None:
    assert parse("name = '; drop table orders; --'") == cmp("name", "=", "; drop table orders; --")
    assert parse("name = 'x'' or ''1''=''1'") == cmp("name", "=", "x' or '1'='1")


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("age between 30 and 18", "so it matches nobody; 'between' takes the low end first: "
         "write age between 18 and 30"),
        ("spend between 9.5 and -1", "write spend between -1 and 9.5"),
        ("age not between 65 and 18", "so it matches everyone with a value; 'not between' takes "
         "the low end first: write age not between 18 and 65"),
        ("`first day` between date '2024-12-31' and date '2024-01-01'",
         "write `first day` between date '2024-01-01' and date '2024-12-31'"),
    ],
)  # fmt: skip
def test_a_range_whose_low_end_is_above_its_high_end_is_refused(text: str, fix: str) -> None:
    with pytest.raises(RuleError, match=re.escape(fix)) as info:
        parse(text)
    message = str(info.value)
    start = text.index("between ") + len("between ")
    assert f"the range at character {start + 1} runs from " in message
    assert message.splitlines()[-1] == "  " + " " * start + "^" * (len(text) - start)


@pytest.mark.parametrize(
    "text", ["age between 18 and 18", "age between 18 and 30", "age between 30 and b"]
)
def test_a_range_in_order_or_with_a_column_end_parses(text: str) -> None:
    assert isinstance(parse(text), Between)
