"""The strict YAML reader: a key given twice in one mapping is refused, with file, line, key."""

from __future__ import annotations

import pytest
import yaml

from segmint.exceptions import InputError
from segmint.yaml_files import DuplicateKeyError, load_yaml


def test_plain_yaml_reads_as_safe_load_does() -> None:
    text = "segments:\n  - {name: a, r: [1, 5]}\n  - name: b\n    else: true\n"
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "key", "line", "first"),
    [
        ("segments: []\ndescription: x\nsegments: [1]\n", "segments", 3, 1),
        ("segments:\n  - name: a\n    where: x = 1\n    where: x = 2\n", "where", 4, 3),
        ("a: {b: 1, b: 2}\n", "b", 1, 1),
        ("1: one\n1.0: also one\n", 1.0, 2, 1),
    ],
)
def test_a_key_given_twice_names_the_file_the_line_and_the_key(
    text: str, key: object, line: int, first: int
) -> None:
    with pytest.raises(DuplicateKeyError) as info:
        load_yaml(text, "my rules.yaml")
    error = info.value
    assert (error.key, error.line, error.first_line, error.origin) == (
        key,
        line,
        first,
        "my rules.yaml",
    )
    assert str(error).startswith(
        f"my rules.yaml, line {line}: the key {key!r} appears twice in one mapping "
        f"(first on line {first}); "
    )
    assert isinstance(error, InputError)


def test_yaml_text_without_a_file_names_the_line() -> None:
    with pytest.raises(DuplicateKeyError, match=r"^line 2: the key 'a' appears twice"):
        load_yaml("a: 1\na: 2\n")


def test_a_merge_key_may_be_overridden() -> None:
    text = "base: &b {r: [1, 2], fm: [1, 5]}\nx:\n  <<: *b\n  r: [3, 5]\n"
    assert load_yaml(text)["x"] == {"r": [3, 5], "fm": [1, 5]}


def test_the_same_key_in_different_mappings_is_fine() -> None:
    text = "segments:\n  - name: a\n    where: x = 1\n  - name: b\n    where: x = 2\n"
    assert [s["name"] for s in load_yaml(text)["segments"]] == ["a", "b"]


def test_invalid_yaml_is_still_a_yaml_error() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: [1\n")


def test_python_objects_are_not_built() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("x: !!python/object/apply:os.system ['true']\n")
