"""Tokens of the rules language, and the error every rules problem raises.

The lexer turns a condition such as ``age between 18 and 29 and city in ('Hanoi')`` into
tokens (keywords, identifiers, literals, operators), each with its character offset so that
errors can point at it with a caret. It is hand-written and never evaluates anything: text
that is not part of the language (``;``, ``--``, a stray quote) is a syntax error, and
quoted text is only ever a string literal. The grammar itself lives in ``rules_parser``.
"""

from __future__ import annotations

import enum
import string
import unicodedata
from dataclasses import dataclass

from segmint.exceptions import SegmintError

KEYWORDS = frozenset(
    {"and", "or", "not", "between", "in", "is", "null", "like", "contains", "true", "false", "date"}
)
"""Reserved words, matched case-insensitively; a column with such a name needs backquotes."""

COMPARISONS = ("<=", ">=", "!=", "<>", "=", "<", ">")
"""Comparison operators, longest first so that ``<=`` is not read as ``<`` then ``=``."""

_PUNCTUATION = {"(": "(", ")": ")", ",": ","}
_IDENT_START = frozenset(string.ascii_letters + "_")
_IDENT_PART = _IDENT_START | frozenset(string.digits)


class RuleError(SegmintError):
    """A rules file or condition is invalid: syntax, unknown column, wrong type, bad YAML.

    Attributes:
        expression: the condition text the error is about ("" for file-level errors).
        position: 0-based character offset of the problem in ``expression`` (None if none).
        length: how many characters the caret underlines.
        reason: the message without the caret lines (to re-raise it with more context).
    """

    def __init__(
        self, message: str, expression: str = "", position: int | None = None, length: int = 1
    ) -> None:
        self.expression = expression
        self.position = position
        self.length = length
        self.reason = message
        super().__init__(_with_caret(message, expression, position, length))


def _with_caret(message: str, expression: str, position: int | None, length: int) -> str:
    """``message`` followed by the line of ``expression`` holding ``position`` and a caret under it."""
    if position is None or not expression:
        return message
    start = expression.rfind("\n", 0, position) + 1
    end = expression.find("\n", position)
    line = expression[start : end if end >= 0 else len(expression)]
    column = position - start
    width = max(1, min(length, len(line) - column))
    return f"{message}\n  {line}\n  {' ' * column}{'^' * width}"


class Kind(enum.Enum):
    """What a token is."""

    KEYWORD = "keyword"
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    OP = "operator"
    PUNCT = "punctuation"
    END = "end"


@dataclass(frozen=True)
class Token:
    """One token: its kind, its value, and where it sits in the condition text.

    ``value`` is the lower-cased word for keywords, the column name for identifiers, the
    unescaped text for strings, an ``int`` or ``float`` for numbers, the symbol otherwise.
    """

    kind: Kind
    value: str | int | float
    position: int
    length: int

    def describe(self) -> str:
        """How the token reads in an error message."""
        if self.kind is Kind.END:
            return "the end of the condition"
        if self.kind is Kind.STRING:
            return f"the text {self.value!r}"
        if self.kind is Kind.NUMBER:
            return f"the number {self.value}"
        if self.kind is Kind.IDENT:
            return f"the column name '{self.value}'"
        return f"'{self.value}'"


def tokenize(text: str) -> list[Token]:
    """The tokens of condition ``text``, ending with one ``END`` token.

    Raises:
        RuleError: a character that starts no token, or an unterminated string or backquote.
    """
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "'\"`":
            value, end = _quoted(text, i)
            kind = Kind.IDENT if ch == "`" else Kind.STRING
            tokens.append(Token(kind, value, i, end - i))
            i = end
        elif ch in string.digits or (
            ch in "-." and i + 1 < len(text) and text[i + 1] in string.digits
        ):
            number, end = _number(text, i)
            tokens.append(Token(Kind.NUMBER, number, i, end - i))
            i = end
        elif ch in _IDENT_START:
            end = i + 1
            while end < len(text) and text[end] in _IDENT_PART:
                end += 1
            word = text[i:end]
            if word.lower() in KEYWORDS:
                tokens.append(Token(Kind.KEYWORD, word.lower(), i, end - i))
            else:
                tokens.append(Token(Kind.IDENT, word, i, end - i))
            i = end
        elif op := next((op for op in COMPARISONS if text.startswith(op, i)), None):
            tokens.append(Token(Kind.OP, op, i, len(op)))
            i += len(op)
        elif ch in _PUNCTUATION:
            tokens.append(Token(Kind.PUNCT, ch, i, 1))
            i += 1
        else:
            raise RuleError(
                f"syntax error at character {i + 1}: unexpected character {ch!r}; a condition "
                "holds column names, literals, parentheses, commas and the operators "
                "= != <> < <= > >=",
                text,
                i,
            )
    tokens.append(Token(Kind.END, "", len(text), 1))
    return tokens


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The unescaped content of the quoted run at ``start`` and the offset after it.

    The quote character is doubled to include it (``'O''Brien'``).
    """
    quote = text[start]
    parts: list[str] = []
    i = start + 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            what = "backquoted column name" if quote == "`" else "text"
            raise RuleError(
                f"syntax error at character {start + 1}: the {what} starting here has no closing "
                f"{quote}; add one (write {quote}{quote} for a {quote} inside it)",
                text,
                start,
            )
        parts.append(text[i:end])
        if text.startswith(quote, end + 1):
            parts.append(quote)
            i = end + 2
        else:
            break
    value = "".join(parts)
    control = sorted({c for c in value if unicodedata.category(c) == "Cc" and c not in "\t\n\r"})
    if control:
        codes = ", ".join(f"U+{ord(c):04X}" for c in control)
        raise RuleError(
            f"syntax error at character {start + 1}: the quoted text starting here contains "
            f"control characters ({codes}); remove them",
            text,
            start,
        )
    if quote == "`" and not value:
        raise RuleError(
            f"syntax error at character {start + 1}: empty backquoted column name",
            text,
            start,
            2,
        )
    return value, end + 1


def _number(text: str, start: int) -> tuple[int | float, int]:
    """The number starting at ``start`` (optional minus, digits, optional fraction) and its end."""
    i = start + 1 if text[start] == "-" else start
    while i < len(text) and text[i] in string.digits:
        i += 1
    if i < len(text) and text[i] == ".":
        i += 1
        while i < len(text) and text[i] in string.digits:
            i += 1
    if i < len(text) and text[i] in _IDENT_PART | {"."}:
        raise RuleError(
            f"syntax error at character {start + 1}: malformed number "
            f"{text[start : i + 1]!r}; write numbers like 42, -7 or 3.5",
            text,
            start,
            i + 1 - start,
        )
    literal = text[start:i]
    if "." in literal:
        return float(literal), i
    value = int(literal)
    if not -(2**63) <= value < 2**63:
        raise RuleError(
            f"number {literal} at character {start + 1} is out of range; whole numbers must "
            "fit in 64 bits",
            text,
            start,
            i - start,
        )
    return value, i
