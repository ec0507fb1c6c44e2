"""Property tests: compiled rules agree with a pure-Python reading of the same syntax tree.

Random conditions are written as text (so the lexer and parser are exercised too), parsed,
compiled to Ibis and run on DuckDB over random rows; a small evaluator below applies SQL's
three-valued logic to the same tree in Python, and the two must agree row by row, NULLs
included. A second property runs whole random rule sets and checks that each customer gets
exactly one segment: the first whose condition is true, else the catch-all.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.segmentation.rules import assign, ruleset_from_dict
from segmint.segmentation.rules_compiler import compile_condition
from segmint.segmentation.rules_parser import (
    And,
    Between,
    Column,
    Compare,
    Condition,
    Contains,
    InList,
    IsNull,
    Like,
    Not,
    Operand,
    Or,
    Truth,
    parse,
)

Row = dict[str, Any]

SCHEMA = pa.schema(
    [
        ("customer_id", pa.int64()),
        ("n", pa.int64()),
        ("x", pa.float64()),
        ("s", pa.string()),
        ("t", pa.string()),
        ("b", pa.bool_()),
        ("d", pa.date32()),
    ]
)
INTS = [-3, -1, 0, 1, 2, 3]
FLOATS = [-1.5, 0.0, 0.5, 2.0, 2.25]
TEXTS = ["", "a", "b", "ab", "ba", "aab", "a_b", "a%b", "A", "it's", 'say "x"']
NUMBER_TEXTS = ["1", "2.5", "-3", " 2", "abc", "", "0"]
DATES = [dt.date(2024, 1, 1), dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2023, 12, 31)]
PATTERNS = ["%", "a%", "%b", "_", "a_", "%a%", "a_b", "ab", "", "A%"]
OPS = ["=", "!=", "<>", "<", "<=", ">", ">="]


def nullable(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.sampled_from(values))


rows_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "n": nullable(INTS),
            "x": nullable(FLOATS),
            "s": nullable(TEXTS),
            "t": nullable(NUMBER_TEXTS),
            "b": nullable([True, False]),
            "d": nullable(DATES),
        }
    ),
    max_size=12,
)


def text_literal(value: str, double: bool) -> str:
    quote = '"' if double else "'"
    return quote + value.replace(quote, quote * 2) + quote


@st.composite
def number_literal(draw: st.DrawFn) -> str:
    return str(draw(st.sampled_from(INTS + FLOATS)))


@st.composite
def string_literal(draw: st.DrawFn, values: list[str] = TEXTS) -> str:
    return text_literal(draw(st.sampled_from(values)), draw(st.booleans()))


@st.composite
def date_literal(draw: st.DrawFn) -> str:
    return f"date '{draw(st.sampled_from(DATES)).isoformat()}'"


def keyword(draw: st.DrawFn, word: str) -> str:
    return draw(st.sampled_from([word, word.upper(), word.capitalize()]))


@st.composite
def range_ends(draw: st.DrawFn, column: str) -> tuple[str, str]:
    """The two ends of a ``between`` on ``column``, low end first (the other way is refused)."""
    if column == "s":
        low, high = sorted(draw(st.lists(st.sampled_from(TEXTS), min_size=2, max_size=2)))
        return text_literal(low, draw(st.booleans())), text_literal(high, draw(st.booleans()))
    if column == "d":
        days = sorted(draw(st.lists(st.sampled_from(DATES), min_size=2, max_size=2)))
        return f"date '{days[0].isoformat()}'", f"date '{days[1].isoformat()}'"
    numbers = sorted(draw(st.lists(st.sampled_from(INTS + FLOATS), min_size=2, max_size=2)))
    return str(numbers[0]), str(numbers[1])


LITERALS: dict[str, Callable[[], st.SearchStrategy[str]]] = {
    "n": number_literal,
    "x": number_literal,
    "t": number_literal,
    "s": string_literal,
    "d": date_literal,
}


@st.composite
def atom(draw: st.DrawFn) -> str:
    column = draw(st.sampled_from(["n", "x", "s", "t", "d", "b"]))
    if column == "b":
        return draw(st.sampled_from(["b", "not b", "b = true", "b != false", "true", "false"]))
    literal = LITERALS[column]
    form = draw(st.sampled_from(["compare", "between", "in", "null", "columns", "text"]))
    if form == "compare":
        op = draw(st.sampled_from(OPS))
        left, right = column, draw(literal())
        return f"{right} {op} {left}" if draw(st.booleans()) else f"{left} {op} {right}"
    if form == "between":
        negated = keyword(draw, "not ") if draw(st.booleans()) else ""
        low, high = draw(range_ends(column))
        return f"{column} {negated}{keyword(draw, 'between')} {low} {keyword(draw, 'and')} {high}"
    if form == "in":
        negated = keyword(draw, "not ") if draw(st.booleans()) else ""
        values = draw(st.lists(literal(), min_size=1, max_size=4))
        return f"{column} {negated}{keyword(draw, 'in')} ({', '.join(values)})"
    if form == "null":
        negated = keyword(draw, "not ") if draw(st.booleans()) else ""
        return f"{column} {keyword(draw, 'is')} {negated}{keyword(draw, 'null')}"
    if form == "columns" and column in ("n", "x"):
        return f"n {draw(st.sampled_from(OPS))} x"
    if column == "s":
        negated = keyword(draw, "not ") if draw(st.booleans()) else ""
        word = draw(st.sampled_from(["like", "contains"]))
        values = PATTERNS if word == "like" else TEXTS
        return f"s {negated}{keyword(draw, word)} {draw(string_literal(values))}"
    return f"{column} {draw(st.sampled_from(OPS))} {draw(literal())}"


condition_text = st.recursive(
    atom(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "AND", "or", "Or"]), inner).map(" ".join),
        inner.map(lambda c: f"not {c}"),
        inner.map(lambda c: f"({c})"),
    ),
    max_leaves=8,
)


def evaluate(node: Condition, row: Row) -> bool | None:
    """The condition on one row under SQL's three-valued logic (None: unknown)."""
    match node:
        case And(operands):
            results = [evaluate(o, row) for o in operands]
            return False if False in results else None if None in results else True
        case Or(operands):
            results = [evaluate(o, row) for o in operands]
            return True if True in results else None if None in results else False
        case Not(inner):
            result = evaluate(inner, row)
            return None if result is None else not result
        case Compare(op, left, right):
            return compare(op, value(left, row), value(right, row))
        case Between(operand, low, high, negated):
            v = value(operand, row)
            ends = [compare(">=", v, value(low, row)), compare("<=", v, value(high, row))]
            inside = False if False in ends else None if None in ends else True
            return negate(inside, negated)
        case InList(operand, values, negated):
            v = value(operand, row)
            results = [compare("=", v, item.value) for item in values]
            found = True if True in results else None if None in results else False
            return negate(found, negated)
        case IsNull(operand, negated):
            return (value(operand, row) is None) != negated
        case Like(operand, pattern, negated):
            v = value(operand, row)
            if v is None:
                return None
            regex = "".join(
                ".*" if c == "%" else "." if c == "_" else re.escape(c) for c in str(pattern.value)
            )
            return negate(re.fullmatch(regex, v, re.DOTALL) is not None, negated)
        case Contains(operand, text, negated):
            v = value(operand, row)
            return None if v is None else negate(str(text.value) in v, negated)
        case Truth(operand):
            result = value(operand, row)
            return None if result is None else bool(result)


def value(node: Operand, row: Row) -> Any:
    return row[node.name] if isinstance(node, Column) else node.value


def negate(result: bool | None, negated: bool) -> bool | None:
    return None if result is None else (not result if negated else result)


def compare(op: str, left: Any, right: Any) -> bool | None:
    """Compare two values; text compared with a number is read as a number (None if it isn't)."""
    if isinstance(left, str) and isinstance(right, int | float) and not isinstance(right, bool):
        left = as_number(left)
    if isinstance(right, str) and isinstance(left, int | float) and not isinstance(left, bool):
        right = as_number(right)
    if left is None or right is None:
        return None
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "=": operator.eq,
        "!=": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }
    return ops[op](left, right)


def as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def table_of(rows: list[Row]) -> ibis.Table:
    with_ids = [{"customer_id": i, **row} for i, row in enumerate(rows)]
    return ibis.memtable(pa.Table.from_pylist(with_ids, schema=SCHEMA))


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.slow
@FAST
@given(text=condition_text, rows=rows_strategy)
def test_compiled_condition_agrees_with_python(
    con: ibis.BaseBackend, text: str, rows: list[Row]
) -> None:
    tree = parse(text)
    table = table_of(rows)
    compiled = table.select("customer_id", result=compile_condition(tree, table, text))
    got = {r["customer_id"]: r["result"] for r in con.to_pyarrow(compiled).to_pylist()}
    expected = {i: evaluate(tree, row) for i, row in enumerate(rows)}
    assert got == expected, text


@pytest.mark.slow
@FAST
@given(
    conditions=st.lists(condition_text, min_size=1, max_size=5),
    has_else=st.booleans(),
    rows=rows_strategy,
)
def test_every_customer_gets_exactly_one_segment_the_first_that_matches(
    con: ibis.BaseBackend, conditions: list[str], has_else: bool, rows: list[Row]
) -> None:
    entries: list[dict[str, Any]] = [
        {"name": f"segment {i}", "where": c} for i, c in enumerate(conditions)
    ]
    if has_else:
        entries.append({"name": "rest", "else": True})
    rules = ruleset_from_dict({"segments": entries})
    table = table_of(rows)
    result = con.to_pyarrow(assign(rules, table)).to_pylist()
    assert sorted(r["customer_id"] for r in result) == list(range(len(rows)))
    got = {r["customer_id"]: r["segment"] for r in result}
    for i, row in enumerate(rows):
        first = next(
            (s.name for s in rules.segments if evaluate(s.condition, row) is True),
            "rest" if has_else else "unassigned",
        )
        assert got[i] == first
