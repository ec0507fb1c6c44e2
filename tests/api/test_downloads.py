"""Download file names: exact in filename*, plain ASCII in filename, never a header injection."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.api.downloads import (
    FALLBACK_NAME,
    MAX_NAME,
    ascii_filename,
    attachment,
    safe_filename,
)

HEADER = re.compile(
    r"""^attachment; filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8''([^\s;"']+)$"""
)


def test_docstring_example() -> None:
    assert attachment("rfm-Khách hàng-2024-06-30.csv") == (
        'attachment; filename="rfm-Khach_hang-2024-06-30.csv"; '
        "filename*=UTF-8''rfm-Kh%C3%A1ch%20h%C3%A0ng-2024-06-30.csv"
    )


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("a/b\\c.csv", "a_b_c.csv"),
        ("line\nbreak\r\x00.csv", "line_break_.csv"),
        ("  ..hidden.csv.. ", "hidden.csv"),
        ("", FALLBACK_NAME),
        ("...", FALLBACK_NAME),
        ("e\u0301.csv", "é.csv"),  # NFC: one character
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_long_names_are_cut_before_the_extension() -> None:
    cut = safe_filename("x" * 400 + ".csv")
    assert len(cut) == MAX_NAME
    assert cut.endswith("x.csv")
    no_extension = safe_filename("y" * 400)
    assert no_extension == "y" * MAX_NAME
    long_extension = safe_filename("z" * 300 + "." + "e" * 20)
    assert len(long_extension) == MAX_NAME


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("Khách hàng.csv", "Khach_hang.csv"),
        ("☕.csv", "download.csv"),
        ("report", "report"),
        ("a;b\"c'.txt", "a_b_c.txt"),
        ("résumé.çsv", "resume.csv"),
        ("data.☕", "data"),
    ],
)
def test_ascii_filename(name: str, plain: str) -> None:
    assert ascii_filename(name) == plain


@pytest.mark.parametrize(
    "name",
    [
        "x\";filename*=UTF-8''evil.html;a=\"",
        "Top & #1 ?a=b.csv",
        "a\r\nSet-Cookie: x=1",
        "Khách hàng thân thiết ☕.csv",
    ],
)
def test_hostile_names_add_no_parameters(name: str) -> None:
    value = attachment(name)
    assert HEADER.match(value), value
    value.encode("latin-1")


@given(st.text(max_size=300))
def test_any_name_gives_one_latin1_header_with_the_safe_name_inside(name: str) -> None:
    value = attachment(name)
    match = HEADER.match(value)
    assert match is not None
    value.encode("latin-1")
    assert unquote(match.group(2)) == safe_filename(name)
    assert 0 < len(safe_filename(name)) <= MAX_NAME
