"""Reading the YAML files users write (rules files, RFM segment maps), strictly.

YAML itself lets a mapping hold one key twice and PyYAML keeps the last value, so a rules
file with two ``where:`` in one segment, or two ``segments:`` blocks, would run with half of
it silently dropped. :func:`load_yaml` reads YAML safely (PyYAML's ``SafeLoader``: no
Python objects) and refuses a key given twice in one mapping, naming the file, the line and
the key. Every YAML file a user writes that segmint reads goes through it.

A merge key (``<<: *defaults``) may still be overridden by the mapping's own keys: that is
what merging is for, not a mistake.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from segmint.exceptions import InputError

__all__ = ["DuplicateKeyError", "load_yaml"]

_MERGE_TAG = "tag:yaml.org,2002:merge"


class DuplicateKeyError(InputError):
    """A YAML mapping holds the same key twice (YAML would keep only the last value).

    Attributes:
        key: the repeated key, as YAML read it.
        line: the line (from 1) of its second occurrence.
        first_line: the line (from 1) of its first occurrence.
        origin: the file it is in (None for YAML text).
    """

    def __init__(self, key: Any, line: int, first_line: int, origin: str | None) -> None:
        self.key = key
        self.line = line
        self.first_line = first_line
        self.origin = origin
        place = ", ".join(p for p in (origin, f"line {line}") if p)
        super().__init__(
            f"{place}: the key {key!r} appears twice in one mapping (first on line "
            f"{first_line}); YAML would keep only the last one, so remove or rename one of them"
        )


class _DuplicateKeyFoundError(ConstructorError):
    """Raised inside the loader; :func:`load_yaml` turns it into :class:`DuplicateKeyError`."""

    def __init__(self, key: Any, line: int, first_line: int) -> None:
        super().__init__(problem=f"duplicate key {key!r}")
        self.key, self.line, self.first_line = key, line, first_line


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """The mapping of ``node``, after checking that no key (merge keys aside) repeats."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if isinstance(key, Hashable) and key in seen:
                    raise _DuplicateKeyFoundError(key, line, seen[key])
                if isinstance(key, Hashable):
                    seen[key] = line
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def load_yaml(text: str, origin: str | None = None) -> Any:
    """The data in YAML ``text``, read safely, refusing a key repeated in one mapping.

    ``origin`` names the file the text came from, for the message.

    Raises:
        DuplicateKeyError: a mapping holds a key twice; names ``origin``, the line and the key.
        yaml.YAMLError: the text is not valid YAML (callers word that for their kind of file).
    """
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no Python objects
    except _DuplicateKeyFoundError as exc:
        raise DuplicateKeyError(exc.key, exc.line, exc.first_line, origin) from None
