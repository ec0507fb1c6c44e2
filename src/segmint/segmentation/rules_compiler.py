"""From a rules syntax tree to an Ibis boolean expression over a given table.

Every column is looked up in the table's schema (exact name first, then a unique
case-insensitive match), so an identifier can only ever name an existing column, and
literals become Ibis literals, so quoted text is only ever data. Types are checked before
anything runs:

* numbers compare with numbers, text with text, dates with dates, booleans with booleans;
* a text column compared with a number (a numeric attribute stored as text) is read as a
  number; values that do not read as numbers do not match;
* a timestamp column compared with a date is compared by its calendar day;
* anything else is an error naming the column, its type and the fix.

Conditions follow SQL's three-valued logic: a comparison with a missing value is unknown,
and an unknown condition does not match.

Banded attributes (``age`` in ``19-24``, ``25-34``…; :mod:`segmint.features.bands`) compare
by their order, not as text: ``age >= '35-44'`` holds for ``35-44``, ``45-54`` and ``65+``.
A band a built-in feature's name hides (``age`` beside the numeric ``age``) is meant when
the condition compares that name with a band value.
"""

from __future__ import annotations

import datetime as dt
import difflib
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ibis
import ibis.expr.types as ir

from segmint.features.bands import Band
from segmint.segmentation.rules_lexer import RuleError
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
    Literal,
    Not,
    Operand,
    Or,
    Truth,
    reversed_range,
)
from segmint.segmentation.rules_parser import literal_text as _literal_text

_OPERATORS: dict[str, Callable[[Any, Any], ir.BooleanValue]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_KIND_NAMES = {
    "number": "a number",
    "text": "text",
    "date": "a date",
    "boolean": "true/false",
    "other": "a value",
}
_SUGGESTED_LITERALS = {
    "number": "a number such as 42",
    "text": "quoted text such as 'gold'",
    "date": "a date such as date '2024-01-31'",
    "boolean": "true or false",
    "other": "a value of the same type",
}


def compile_condition(
    condition: Condition,
    table: ir.Table,
    text: str = "",
    bands: Mapping[str, Band] | None = None,
    columns: Iterable[str] = (),
) -> ir.BooleanValue:
    """The Ibis boolean expression of ``condition`` over ``table``.

    Args:
        condition: a tree from :func:`segmint.segmentation.rules_parser.parse`.
        table: the table whose columns the condition names (one row per customer).
        text: the condition's source text, used to point at problems in error messages.
        bands: name → band, for the banded attributes (:func:`segmint.features.bands.rule_bands`).
        columns: every column a condition could name, beyond ``table``'s own (the table may
            hold only the columns the rules name): an unknown column's message suggests
            and lists these too.

    Raises:
        RuleError: an unknown column (with the closest names and all columns) or operands
            whose types cannot be compared.
    """
    return _Compiler(table, text, bands, columns).condition(condition)


class _Typed:
    """An operand compiled to an Ibis value, with its kind and the node it came from."""

    def __init__(self, node: Operand, value: ir.Value, kind: str, type_name: str) -> None:
        self.node = node
        self.value = value
        self.kind = kind
        self.type_name = type_name

    def describe(self) -> str:
        if isinstance(self.node, Column):
            return f"column '{self.node.name}' ({self.type_name})"
        if isinstance(self.node.value, str):
            return f"the text {self.node.value!r}"
        return f"{_KIND_NAMES[self.kind]} ({_literal_text(self.node.value)})"


def _kind(dtype: Any) -> str:
    """The comparison family of an Ibis data type."""
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_numeric():
        return "number"
    if dtype.is_string():
        return "text"
    if dtype.is_date() or dtype.is_timestamp():
        return "date"
    return "other"


class _Compiler:
    """Compiles one condition against one table, reporting problems against ``text``."""

    def __init__(
        self,
        table: ir.Table,
        text: str,
        bands: Mapping[str, Band] | None = None,
        columns: Iterable[str] = (),
    ) -> None:
        self.table = table
        self.text = text
        self.schema = table.schema()
        self.bands = {k: b for k, b in (bands or {}).items() if b.column in self.schema}
        self.usable = sorted({*self.schema.names, *columns})

    def error(self, problem: str, node: Operand, fix: str) -> RuleError:
        """``problem at character N; fix``, with a caret under ``node``."""
        return RuleError(
            f"{problem} at character {node.position + 1}; {fix}",
            self.text,
            node.position,
            node.length,
        )

    def condition(self, node: Condition) -> ir.BooleanValue:
        match node:
            case And(operands):
                result = self.condition(operands[0])
                for operand in operands[1:]:
                    result = result & self.condition(operand)
                return result
            case Or(operands):
                result = self.condition(operands[0])
                for operand in operands[1:]:
                    result = result | self.condition(operand)
                return result
            case Not(inner):
                return ~self.condition(inner)
            case Compare(op, left, right):
                return self.compare(op, self.operand(left), self.operand(right, as_value=True))
            case Between():
                return self.between(node)
            case InList(operand, values, negated):
                return self.in_list(self.operand(operand), values, negated)
            case IsNull(operand, negated):
                value = self.operand(operand).value
                return value.notnull() if negated else value.isnull()
            case Like(operand, pattern, negated):
                matched = self.text_value(operand, "like").like(str(pattern.value))
                return ~matched if negated else matched
            case Contains(operand, text, negated):
                found = self.text_value(operand, "contains").contains(str(text.value))
                return ~found if negated else found
            case Truth(operand):
                typed = self.operand(operand)
                if typed.kind != "boolean":
                    raise self.error(
                        f"{typed.describe()} is not true/false, so it cannot stand alone as a "
                        "condition",
                        operand,
                        f"compare it with something, e.g. {_name(operand)} = "
                        + _SUGGESTED_LITERALS[typed.kind],
                    )
                return typed.value

    def between(self, node: Between) -> ir.BooleanValue:
        """``operand [not] between low and high``; a range of text or band values whose low
        end is above its high end is refused (numbers and dates are, when parsed)."""
        value = self.operand(node.operand)
        low, high = self.operand(node.low, as_value=True), self.operand(node.high, as_value=True)
        inside = self.compare(">=", value, low) & self.compare("<=", value, high)
        if self.reversed_ends(value, low, high):
            raise reversed_range(node, self.text)
        return ~inside if node.negated else inside

    def reversed_ends(self, value: _Typed, low: _Typed, high: _Typed) -> bool:
        """Whether ``low`` and ``high`` are text (or band values) with ``low`` ordered above
        ``high`` as ``value`` compares them: by band order for a band, else as text."""
        a, b = low.node, high.node
        if not (isinstance(a, Literal) and isinstance(b, Literal)):
            return False
        if not (isinstance(a.value, str) and isinstance(b.value, str)):
            return False  # numbers and dates: checked when parsed
        band = self.band_of(value, (low, high))
        if band is not None:
            first, last = band.position(a.value), band.position(b.value)
            return first is not None and last is not None and first > last
        return value.kind == "text" and a.value > b.value

    def operand(self, node: Operand, *, as_value: bool = False) -> _Typed:
        """``node`` compiled; ``as_value``: it stands where a value usually goes (the right of a
        comparison, the ends of a range), so an unknown name there may be unquoted text."""
        if isinstance(node, Literal):
            value = node.value
            kind = (
                "boolean"
                if isinstance(value, bool)
                else "number"
                if isinstance(value, int | float)
                else "date"
                if isinstance(value, dt.date)
                else "text"
            )
            return _Typed(node, ibis.literal(value), kind, kind)
        name = self.resolve(node, as_value)
        dtype = self.schema[name]
        return _Typed(node, self.table[name], _kind(dtype), str(dtype))

    def resolve(self, node: Column, as_value: bool = False) -> str:
        """The table column ``node`` names: exact match, else a unique case-insensitive one.

        An unknown name where a value goes (``gender = female``) is most often text missing
        its quotes, so the message then shows it quoted too.
        """
        columns = list(self.schema.names)
        if node.name in columns:
            return node.name
        folded = [c for c in columns if c.lower() == node.name.lower()]
        if len(folded) == 1:
            return str(folded[0])
        by_lower = {c.lower(): c for c in reversed(self.usable)}
        lowered = difflib.get_close_matches(node.name.lower(), list(by_lower), n=3, cutoff=0.6)
        close = [by_lower[c] for c in lowered]
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        if as_value:
            hint += f"if you meant the text, quote it: {_literal_text(node.name)}; "
        raise self.error(
            f"unknown column '{node.name}'", node, f"{hint}columns: {', '.join(self.usable)}"
        )

    def compare(self, op: str, left: _Typed, right: _Typed) -> ir.BooleanValue:
        banded = self.band_compare(op, left, right)
        if banded is not None:
            return banded
        lhs, rhs = self.unify(left, right)
        return _OPERATORS[op](lhs, rhs)

    def band_of(self, typed: _Typed, literals: tuple[_Typed, ...]) -> Band | None:
        """The band ``typed`` names when it is compared with band values, else None."""
        if not isinstance(typed.node, Column) or typed.node.name not in self.bands:
            return None
        texts = [t.node.value for t in literals if isinstance(t.node, Literal)]
        if len(texts) != len(literals) or not all(isinstance(v, str) for v in texts):
            return None
        band = self.bands[typed.node.name]
        if typed.kind != "text" and all(_is_number(str(v)) for v in texts):
            return None  # a number compared with quoted numbers: the usual error says so
        return band

    def band_compare(self, op: str, left: _Typed, right: _Typed) -> ir.BooleanValue | None:
        """``left op right`` by band order when one side is a band and the other a value."""
        column, other, flipped = left, right, False
        band = self.band_of(left, (right,))
        if band is None:
            column, other, flipped = right, left, True
            band = self.band_of(right, (left,))
        if band is None:
            return None
        value = self.table[band.column]
        literal = str(other.node.value) if isinstance(other.node, Literal) else ""
        if op in ("=", "!="):
            return _OPERATORS[op](value, ibis.literal(literal))
        position = band.position(literal)
        if position is None:
            raise self.error(
                f"'{literal}' is not a value of {_name(column.node)}",
                other.node,
                f"its values in order: {', '.join(band.levels)}",
            )
        ranks = [(value == level, i) for i, level in enumerate(band.levels)]
        rank = ibis.cases(*ranks, else_=ibis.null("int64"))
        lhs, rhs = (ibis.literal(position), rank) if flipped else (rank, ibis.literal(position))
        return _OPERATORS[op](lhs, rhs)

    def unify(self, left: _Typed, right: _Typed) -> tuple[ir.Value, ir.Value]:
        """``left`` and ``right`` as values of one comparable type, or a RuleError."""
        if left.kind == right.kind and left.kind != "other":
            if left.kind == "date":
                return _as_days(left.value, right.value)
            return left.value, right.value
        for text, number in ((left, right), (right, left)):
            if (text.kind, number.kind) == ("text", "number") and isinstance(text.node, Column):
                as_number = text.value.try_cast("float64")
                return (as_number, number.value) if text is left else (number.value, as_number)
        column, other = (left, right) if isinstance(left.node, Column) else (right, left)
        fix = f"compare it with {_SUGGESTED_LITERALS[column.kind]}"
        if (
            column.kind in ("number", "date")
            and isinstance(other.node, Literal)
            and isinstance(other.node.value, str)
        ):
            fix = _unquote_fix(column.kind, other.node.value, fix)
        raise self.error(
            f"cannot compare {column.describe()} with {other.describe()}", other.node, fix
        )

    def in_list(self, typed: _Typed, values: tuple[Literal, ...], negated: bool) -> ir.BooleanValue:
        band = self.band_of(typed, tuple(self.operand(v) for v in values))
        if band is not None:
            banded = self.table[band.column].isin([str(v.value) for v in values])
            return ~banded if negated else banded
        kinds = {self.operand(v).kind for v in values}
        if len(kinds) > 1:
            raise self.error(
                "the list after 'in' mixes " + " and ".join(sorted(_KIND_NAMES[k] for k in kinds)),
                values[0],
                "use values of one type",
            )
        compiled = [self.unify(typed, self.operand(v)) for v in values]
        found = compiled[0][0].isin([rhs for _, rhs in compiled])
        return ~found if negated else found

    def text_value(self, node: Operand, word: str) -> ir.StringValue:
        typed = self.operand(node)
        if typed.kind != "text":
            raise self.error(
                f"'{word}' needs text, but {typed.describe()} is not text",
                node,
                f"use '{word}' on a text column",
            )
        return typed.value


def _as_days(left: ir.Value, right: ir.Value) -> tuple[ir.Value, ir.Value]:
    """A timestamp compared with a date becomes its calendar day; other pairs stay as they are."""
    left_ts, right_ts = left.type().is_timestamp(), right.type().is_timestamp()
    if left_ts and not right_ts:
        return left.date(), right
    if right_ts and not left_ts:
        return left, right.date()
    return left, right


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _name(node: Operand) -> str:
    return node.name if isinstance(node, Column) else _literal_text(node.value)


def _unquote_fix(kind: str, text: str, default: str) -> str:
    """The suggestion for a quoted number or date compared with a number or date column."""
    try:
        if kind == "number":
            float(text)
            return f"write the number without quotes: {text}"
        dt.date.fromisoformat(text)
        return f"write dates as date '{text}'"
    except ValueError:
        return default
