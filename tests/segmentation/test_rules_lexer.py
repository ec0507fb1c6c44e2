"""The rules lexer: tokens with positions, quoting, numbers, and errors with a caret."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.exceptions import SegmintError
from segmint.segmentation.rules_lexer import KEYWORDS, Kind, RuleError, Token, tokenize


def test_tokens_carry_kind_value_and_position() -> None:
    tokens = tokenize("Age >= 18 AND `odd name` <> 'x'")
    assert [(t.kind, t.value, t.position) for t in tokens] == [
        (Kind.IDENT, "Age", 0),
        (Kind.OP, ">=", 4),
        (Kind.NUMBER, 18, 7),
        (Kind.KEYWORD, "and", 10),
        (Kind.IDENT, "odd name", 14),
        (Kind.OP, "<>", 25),
        (Kind.STRING, "x", 28),
        (Kind.END, "", 31),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'it''s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        ('"it\'s"', "it's"),
        ("''", ""),
        ("42", 42),
        ("-7", -7),
        ("3.25", 3.25),
        ("-0.5", -0.5),
        (".5", 0.5),
    ],
)
def test_literal_tokens(text: str, value: object) -> None:
    token = tokenize(text)[0]
    assert token.value == value
    assert type(token.value) is type(value)


@pytest.mark.parametrize("text", ["city = 'a\x00b'", "`ci\x00ty` = 'x'", 'city = "\x1b[2J"'])
def test_control_characters_in_quoted_text_are_a_clear_error(text: str) -> None:
    with pytest.raises(RuleError, match=r"contains control characters \(U\+00(00|1B)\)"):
        tokenize(text)


def test_empty_and_blank_text_is_only_the_end() -> None:
    assert tokenize("") == [Token(Kind.END, "", 0, 1)]
    assert tokenize(" \t\n ") == [Token(Kind.END, "", 4, 1)]


@pytest.mark.parametrize("op", ["<=", ">=", "!=", "<>"])
def test_two_character_operators_are_one_token(op: str) -> None:
    tokens = tokenize(f"a{op}1")
    assert [(t.kind, t.value, t.length) for t in tokens[:3]] == [
        (Kind.IDENT, "a", 1),
        (Kind.OP, op, 2),
        (Kind.NUMBER, 1, 1),
    ]


def test_keywords_are_lowercased_and_identifiers_keep_their_case() -> None:
    tokens = tokenize("NoT Between CityName")
    assert [(t.kind, t.value) for t in tokens[:3]] == [
        (Kind.KEYWORD, "not"),
        (Kind.KEYWORD, "between"),
        (Kind.IDENT, "CityName"),
    ]


@pytest.mark.parametrize("word", sorted(KEYWORDS))
def test_backquoted_keyword_is_an_identifier(word: str) -> None:
    assert tokenize(f"`{word}`")[0] == Token(Kind.IDENT, word, 0, len(word) + 2)


def test_minus_before_a_name_is_not_a_number() -> None:
    with pytest.raises(RuleError, match="unexpected character '-'"):
        tokenize("-a")


def test_largest_and_smallest_64_bit_integers_are_accepted() -> None:
    assert tokenize(str(2**63 - 1))[0].value == 2**63 - 1
    assert tokenize(str(-(2**63)))[0].value == -(2**63)
    with pytest.raises(RuleError, match="out of range"):
        tokenize(str(2**63))


@pytest.mark.parametrize("text", ["é = 1", "a = 1 ;", "a = 1 -- comment", "a == 1 || b"])
def test_characters_outside_the_language_are_syntax_errors(text: str) -> None:
    with pytest.raises(RuleError, match="unexpected character") as info:
        tokenize(text)
    assert isinstance(info.value, SegmintError)


def test_rule_error_keeps_its_parts() -> None:
    with pytest.raises(RuleError) as info:
        tokenize("a = 12abc")
    error = info.value
    assert error.expression == "a = 12abc"
    assert error.position == 4
    assert error.length == 3  # '12a'
    assert error.reason.startswith("syntax error at character 5: malformed number '12a'")
    assert str(error).splitlines()[-2:] == ["  a = 12abc", "      ^^^"]


def test_rule_error_without_position_has_no_caret() -> None:
    assert str(RuleError("bad file")) == "bad file"
    assert str(RuleError("bad", "a = 1", None)) == "bad"


def test_caret_width_never_runs_past_the_line() -> None:
    error = RuleError("bad", "ab\ncd", 1, 10)
    assert str(error).splitlines()[-2:] == ["  ab", "   ^"]


@pytest.mark.parametrize(
    ("token", "reads"),
    [
        (Token(Kind.END, "", 3, 1), "the end of the condition"),
        (Token(Kind.STRING, "x'y", 0, 6), 'the text "x\'y"'),
        (Token(Kind.NUMBER, 2.5, 0, 3), "the number 2.5"),
        (Token(Kind.IDENT, "city", 0, 4), "the column name 'city'"),
        (Token(Kind.KEYWORD, "and", 0, 3), "'and'"),
        (Token(Kind.OP, "<=", 0, 2), "'<='"),
    ],
)
def test_tokens_describe_themselves_for_error_messages(token: Token, reads: str) -> None:
    assert token.describe() == reads


_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)


@given(value=_TEXT, quote=st.sampled_from(["'", '"', "`"]))
def test_any_quoted_text_comes_back_unchanged(value: str, quote: str) -> None:
    if quote == "`" and not value:
        return
    text = quote + value.replace(quote, quote * 2) + quote
    tokens = tokenize(text)
    assert len(tokens) == 2
    assert tokens[0].value == value
    assert tokens[0].kind is (Kind.IDENT if quote == "`" else Kind.STRING)
    assert tokens[0].length == len(text)


@given(text=st.text(max_size=40))
def test_any_text_either_tokenizes_or_raises_a_rule_error(text: str) -> None:
    try:
        tokens = tokenize(text)
    except RuleError as error:
        assert error.position is not None
        assert 0 <= error.position < len(text)
        return
    assert tokens[-1].kind is Kind.END
    positions = [t.position for t in tokens]
    assert positions == sorted(positions)
    for token in tokens[:-1]:
        assert text[token.position : token.position + token.length].strip() != ""
