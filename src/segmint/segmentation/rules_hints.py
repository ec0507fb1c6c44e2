"""Hints for a rules condition that matches nobody: text that differs from the data in case.

Text comparisons in rules are exact, case included (``docs/rules.md``), so
``interest = 'Outdoor'`` matches nobody when the data say ``outdoor``. That stays so (a
segment means what it says on every backend); when such a condition matches nobody, these
functions find the values of the column that the comparison would match ignoring case, so
the warning can name them (``'outdoor' is a value of interest``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.segmentation.rules_parser import (
    And,
    Column,
    Compare,
    Condition,
    Contains,
    InList,
    Like,
    Literal,
    Not,
    Or,
    literal_text,
)

MAX_VALUES = 5
"""Most values named for one comparison."""


@dataclass(frozen=True)
class CaseVariants:
    """Values of ``column`` that a text comparison matches only when case is ignored.

    Attributes:
        column: the column as the table names it.
        written: the text the condition compares with, as written (``'Outdoor'``).
        values: up to :data:`MAX_VALUES` values of the column, sorted.
    """

    column: str
    written: str
    values: tuple[str, ...]

    def describe(self) -> str:
        """``'outdoor' is a value of interest`` (``'a', 'A' are values of …`` for more)."""
        shown = ", ".join(literal_text(v) for v in self.values)
        verb = "is a value" if len(self.values) == 1 else "are values"
        return f"{shown} {verb} of {self.column}"


def case_variants(condition: Condition, table: ir.Table) -> list[CaseVariants]:
    """For each positive text test of ``condition`` (``=``, ``in``, ``like``, ``contains``
    on a text column), the column's values it matches ignoring case but not exactly.

    A test that matches some value exactly is not named (case is not why nobody matched).
    One small query per such test; tests on a column ``table`` lacks or that is not text
    are skipped (compiling the condition reports those).
    """
    found = []
    for name, written, exact, folded in _text_tests(condition, table):
        column = table[name]
        near = table.filter(folded(column.lower())).select(value=column).distinct()
        near = near.mutate(exact=exact(near.value)).order_by([ibis.desc("exact"), "value"])
        rows = near.limit(MAX_VALUES).execute()
        if len(rows) and not rows["exact"].any():
            found.append(CaseVariants(name, written, tuple(str(v) for v in rows["value"])))
    return found


class _Predicate:
    """A text test applied to a column: exactly as written, or on lower-cased text."""

    def __init__(self, kind: str, texts: tuple[str, ...]) -> None:
        self.kind = kind
        self.texts = texts

    def __call__(self, value: ir.StringValue) -> ir.BooleanValue:
        match self.kind:
            case "in":
                return value.isin(list(self.texts))
            case "like":
                return value.like(self.texts[0])
            case "contains":
                return value.contains(self.texts[0])
        return value == self.texts[0]


_Test = tuple[str, str, _Predicate, _Predicate]


def _text_tests(condition: Condition, table: ir.Table) -> Iterator[_Test]:
    """(column, the text as written, exact test, test on lower-cased text) of each
    positive text test in ``condition`` on a text column of ``table``."""
    for column, kind, literals in _tests(condition):
        name = _resolve(table, column.name)
        if name is None or not table.schema()[name].is_string():
            continue
        texts = tuple(str(v.value) for v in literals)
        written = ", ".join(literal_text(t) for t in texts)
        folded = tuple(t.lower() for t in texts)
        yield name, written, _Predicate(kind, texts), _Predicate(kind, folded)


def _tests(node: Condition) -> Iterator[tuple[Column, str, tuple[Literal, ...]]]:
    """Each ``column = 'text'``, ``in``, ``like`` and ``contains`` of ``node`` not under
    ``not`` (a negated test that matches nobody is not a matter of case)."""
    match node:
        case And(operands) | Or(operands):
            for operand in operands:
                yield from _tests(operand)
        case Not(_):
            return
        case Compare("=", Column() as column, Literal(str()) as literal) | Compare(
            "=", Literal(str()) as literal, Column() as column
        ):
            yield column, "=", (literal,)
        case InList(Column() as column, values, False) if all(
            isinstance(v.value, str) for v in values
        ):
            yield column, "in", values
        case Like(Column() as column, literal, False):
            yield column, "like", (literal,)
        case Contains(Column() as column, literal, False):
            yield column, "contains", (literal,)


def _resolve(table: ir.Table, name: str) -> str | None:
    """The column of ``table`` called ``name``: exactly, or the one matching ignoring case."""
    if name in table.columns:
        return name
    folded = [c for c in table.columns if c.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None
