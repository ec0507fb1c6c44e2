"""The grammar of the rules language: a recursive-descent parser from text to a syntax tree.

Grammar (keywords case-insensitive; ``not`` binds tighter than ``and``, which binds tighter
than ``or``)::

    condition  := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | predicate
    predicate  := operand [tail]          -- without a tail the operand must be boolean
    tail       := ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") operand
                | ["not"] "between" operand "and" operand
                | ["not"] "in" "(" literal ("," literal)* ")"
                | "is" ["not"] "null"
                | ["not"] "like" STRING
                | ["not"] "contains" STRING
    operand    := IDENT | literal
    literal    := STRING | NUMBER | "true" | "false" | "date" STRING

The tree records each column's and literal's character offset, so later stages (unknown
columns, type errors) can point at the exact spot. Nothing here knows about tables.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from segmint.segmentation.rules_lexer import KEYWORDS, Kind, RuleError, Token, tokenize

MAX_DEPTH = 100
"""Deepest nesting of ``not`` and parentheses accepted (guards the recursion)."""

LiteralValue = str | int | float | bool | dt.date


@dataclass(frozen=True)
class Column:
    """A reference to a column of the table the condition is compiled against."""

    name: str
    position: int = field(default=0, compare=False)
    length: int = field(default=1, compare=False)


@dataclass(frozen=True)
class Literal:
    """A constant: text, whole or decimal number, true/false, or a date."""

    value: LiteralValue
    position: int = field(default=0, compare=False)
    length: int = field(default=1, compare=False)


Operand = Column | Literal


@dataclass(frozen=True)
class Compare:
    """``left op right`` with ``op`` one of ``= != < <= > >=`` (``<>`` is stored as ``!=``)."""

    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Between:
    """``operand [not] between low and high``, both ends inclusive."""

    operand: Operand
    low: Operand
    high: Operand
    negated: bool = False


@dataclass(frozen=True)
class InList:
    """``operand [not] in (values...)``."""

    operand: Operand
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    """``operand is [not] null``."""

    operand: Operand
    negated: bool = False


@dataclass(frozen=True)
class Like:
    """``operand [not] like 'pattern'``: ``%`` is any run of characters, ``_`` any one."""

    operand: Operand
    pattern: Literal
    negated: bool = False


@dataclass(frozen=True)
class Contains:
    """``operand [not] contains 'text'``: a case-sensitive substring test."""

    operand: Operand
    text: Literal
    negated: bool = False


@dataclass(frozen=True)
class Truth:
    """A bare operand used as a condition (a boolean column, ``true`` or ``false``)."""

    operand: Operand


@dataclass(frozen=True)
class Not:
    """``not condition``."""

    operand: Condition


@dataclass(frozen=True)
class And:
    """All of ``operands`` hold."""

    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    """At least one of ``operands`` holds."""

    operands: tuple[Condition, ...]


Condition = Compare | Between | InList | IsNull | Like | Contains | Truth | Not | And | Or


def parse(text: str) -> Condition:
    """The syntax tree of condition ``text``.

    Raises:
        RuleError: the text is not a condition; says what was expected, what was found and
            where (with a caret under the spot).
    """
    return _Parser(text).condition()


def referenced_columns(condition: Condition) -> set[str]:
    """Names of every column ``condition`` refers to (to know which segmentations to join)."""
    found: set[str] = set()
    for node in _operands(condition):
        if isinstance(node, Column):
            found.add(node.name)
    return found


def _operands(condition: Condition) -> list[Operand]:
    """Every operand in ``condition``, left to right."""
    match condition:
        case And(operands) | Or(operands):
            return [o for c in operands for o in _operands(c)]
        case Not(inner):
            return _operands(inner)
        case Compare(_, left, right):
            return [left, right]
        case Between(operand, low, high, _):
            return [operand, low, high]
        case InList(operand, values, _):
            return [operand, *values]
        case Like(operand, pattern, _):
            return [operand, pattern]
        case Contains(operand, text, _):
            return [operand, text]
        case IsNull(operand, _) | Truth(operand):
            return [operand]


def literal_text(value: object) -> str:
    """How a literal value is written in the rules language."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def written(node: Operand) -> str:
    """How ``node`` is written in a condition (a column by name, in backquotes if need be)."""
    if isinstance(node, Literal):
        return literal_text(node.value)
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", node.name) and node.name.lower() not in KEYWORDS
    return node.name if plain else "`" + node.name.replace("`", "``") + "`"


def reversed_range(node: Between, text: str) -> RuleError:
    """The error for ``between`` with its low end above its high end.

    Such a range matches nobody (``not between``: everybody with a value), which is never
    what was meant; the fix swaps the ends. Numbers and dates are checked as the condition
    is parsed, text and band values when the column's type is known.
    """
    low, high = node.low, node.high
    keyword = "not between" if node.negated else "between"
    matches = "everyone with a value" if node.negated else "nobody"
    return RuleError(
        f"the range at character {low.position + 1} runs from {written(low)} down to "
        f"{written(high)}, so it matches {matches}; '{keyword}' takes the low end first: "
        f"write {written(node.operand)} {keyword} {written(high)} and {written(low)}",
        text,
        low.position,
        high.position + high.length - low.position,
    )


def _numbers_or_dates_reversed(low: Operand, high: Operand) -> bool:
    """Whether ``low`` and ``high`` are both numbers, or both dates, and ``low`` is above."""
    if not isinstance(low, Literal) or not isinstance(high, Literal):
        return False
    a, b = low.value, high.value
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    dates = isinstance(a, dt.date) and isinstance(b, dt.date)
    return (numbers or dates) and a > b  # type: ignore[operator]


_MEANT_OPERATORS = {"==": "=", "=>": ">=", "=<": "<=", "!==": "!=", "<==": "<=", ">==": ">="}
"""Operators written the way other languages spell them → the rules language's spelling."""


class _Parser:
    """Recursive descent over the token list; one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def at(self, kind: Kind, *values: str) -> bool:
        """Whether the current token is of ``kind`` (and one of ``values``, if given)."""
        token = self.current
        return token.kind is kind and (not values or token.value in values)

    def at_keyword(self, *words: str) -> bool:
        return self.at(Kind.KEYWORD, *words)

    def at_keyword_after_not(self, *words: str) -> bool:
        """Whether the tokens are ``not`` followed by one of ``words``."""
        following = self.tokens[min(self.index + 1, len(self.tokens) - 1)]
        return (
            self.at_keyword("not") and following.kind is Kind.KEYWORD and following.value in words
        )

    def fail(self, expected: str, token: Token | None = None) -> RuleError:
        token = token or self.current
        return RuleError(
            f"syntax error at character {token.position + 1}: expected {expected} "
            f"but found {token.describe()}",
            self.text,
            token.position,
            token.length,
        )

    def expect(self, kind: Kind, value: str, expected: str) -> Token:
        if not self.at(kind, value):
            raise self.fail(expected)
        return self.advance()

    def condition(self) -> Condition:
        if self.at(Kind.END):
            raise self.fail("a condition such as age >= 18")
        tree = self.or_expr()
        if not self.at(Kind.END):
            raise self.fail("'and', 'or' or the end of the condition")
        return tree

    def or_expr(self) -> Condition:
        operands = [self.and_expr()]
        while self.at_keyword("or"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Condition:
        operands = [self.not_expr()]
        while self.at_keyword("and"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Condition:
        if self.depth >= MAX_DEPTH:
            raise self.fail(f"at most {MAX_DEPTH} levels of nesting")
        self.depth += 1
        try:
            if self.at_keyword("not"):
                self.advance()
                return Not(self.not_expr())
            if self.at(Kind.PUNCT, "("):
                self.advance()
                inner = self.or_expr()
                self.expect(Kind.PUNCT, ")", "')' to close the parenthesis")
                return inner
            return self.predicate()
        finally:
            self.depth -= 1

    def predicate(self) -> Condition:
        operand = self.operand()
        negated = self.at_keyword_after_not("between", "in", "like", "contains")
        if negated:
            self.advance()
        if self.at(Kind.OP):
            first = self.advance()
            self.check_one_operator(first)
            op = str(first.value)
            return Compare("!=" if op == "<>" else op, operand, self.operand())
        if self.at_keyword("between"):
            self.advance()
            low = self.operand()
            self.expect(Kind.KEYWORD, "and", "'and' between the two ends of 'between'")
            between = Between(operand, low, self.operand(), negated)
            if _numbers_or_dates_reversed(between.low, between.high):
                raise reversed_range(between, self.text)
            return between
        if self.at_keyword("in"):
            self.advance()
            return InList(operand, self.literal_list(), negated)
        if self.at_keyword("like", "contains"):
            word = self.advance().value
            if not self.at(Kind.STRING):
                raise self.fail(f"quoted text after '{word}'")
            text = self.literal()
            if word == "like":
                return Like(operand, text, negated)
            return Contains(operand, text, negated)
        if self.at_keyword("is"):
            self.advance()
            is_not = self.at_keyword("not")
            if is_not:
                self.advance()
            self.expect(
                Kind.KEYWORD, "null", "'null' after 'is'" + ("" if is_not else " or 'is not'")
            )
            return IsNull(operand, is_not)
        return Truth(operand)

    def check_one_operator(self, first: Token) -> None:
        """Refuse two comparison operators in a row (``=>``, ``==``), naming the one meant."""
        second = self.current
        if second.kind is not Kind.OP:
            return
        written = f"{first.value}{second.value}"
        meant = _MEANT_OPERATORS.get(written)
        raise RuleError(
            f"syntax error at character {first.position + 1}: '{written}' is not an operator; "
            + (f"write '{meant}'" if meant else "use one of = != <> < <= > >="),
            self.text,
            first.position,
            second.position + second.length - first.position,
        )

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect(Kind.PUNCT, "(", "'(' to open the list after 'in'")
        values = [self.literal()]
        while self.at(Kind.PUNCT, ","):
            self.advance()
            values.append(self.literal())
        self.expect(Kind.PUNCT, ")", "',' or ')' to close the list")
        return tuple(values)

    def operand(self) -> Operand:
        if self.at(Kind.IDENT):
            token = self.advance()
            return Column(str(token.value), token.position, token.length)
        return self.literal("a column name or a value (number, 'text', true, false, date '…')")

    def literal(self, expected: str = "a value (number, 'text', true, false, date '…')") -> Literal:
        token = self.current
        if token.kind in (Kind.STRING, Kind.NUMBER):
            self.advance()
            return Literal(token.value, token.position, token.length)
        if self.at_keyword("true", "false"):
            self.advance()
            return Literal(token.value == "true", token.position, token.length)
        if self.at_keyword("date"):
            self.advance()
            if not self.at(Kind.STRING):
                raise self.fail("a quoted date after 'date', like date '2024-01-31'")
            text = self.advance()
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(text.value)):
                    raise ValueError(text.value)
                day = dt.date.fromisoformat(str(text.value))
            except ValueError:
                raise RuleError(
                    f"invalid date {text.value!r} at character {text.position + 1}; "
                    "write dates as date 'YYYY-MM-DD'",
                    self.text,
                    text.position,
                    text.length,
                ) from None
            return Literal(day, token.position, text.position + text.length - token.position)
        if self.at_keyword("null"):
            raise RuleError(
                f"syntax error at character {token.position + 1}: null is not a value; test for "
                "missing values with 'is null' or 'is not null'",
                self.text,
                token.position,
                token.length,
            )
        raise self.fail(expected)
