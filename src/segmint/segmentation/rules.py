"""Rule-based segments: readable conditions over customer columns, first match wins.

A rules file lists segments in order; each has a ``where`` condition over the columns of
a one-row-per-customer table (features, attributes, or other segmentations joined as
columns), and the last may be an ``else`` segment that catches everyone else::

    segments:
      - name: Young urban outdoor fans
        where: "age between 18 and 29 and city in ('Hanoi', 'Da Nang') and interest = 'outdoor'"
      - name: Everyone else
        else: true

A customer gets the first segment whose condition is true; a condition that is false or
unknown (it involves a missing value) does not match. Customers matching nothing get the
``else`` segment, or ``unassigned`` when there is none. Conditions are parsed by a
hand-written parser (``rules_parser``) and compiled to Ibis expressions
(``rules_compiler``), never to SQL text, so the same rules run on every Ibis backend and
quoted text is only ever data. The language is described in ``docs/rules.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import yaml

from segmint.features.bands import Band
from segmint.segmentation.rules_compiler import compile_condition
from segmint.segmentation.rules_lexer import RuleError
from segmint.segmentation.rules_parser import Condition, parse, referenced_columns
from segmint.segmentation.store import UNASSIGNED
from segmint.yaml_files import DuplicateKeyError, load_yaml

__all__ = [
    "RuleError",
    "RuleSet",
    "Segment",
    "assign",
    "compile_rules",
    "load_rules",
    "referenced_columns",
    "ruleset_from_dict",
    "with_segmentations",
]

_SEGMENT_KEYS = ("name", "where", "else", "description")
_FILE_KEYS = ("segments", "description")


@dataclass(frozen=True)
class Segment:
    """One segment with a condition: its name, the condition text and its syntax tree."""

    name: str
    where: str
    condition: Condition
    description: str = ""
    line: int | None = field(default=None, compare=False)
    """The line of its ``where`` in the rules file, for messages (None: not from a file)."""


@dataclass(frozen=True)
class RuleSet:
    """Segments in the order they are tried, and the name of the catch-all segment if any.

    ``origin`` is the rules file they were read from, which every error about them names
    (None for rules given as text or read back from the store).
    """

    segments: tuple[Segment, ...]
    else_name: str | None = None
    origin: str | None = field(default=None, compare=False)

    @property
    def names(self) -> list[str]:
        """Segment names in order, the ``else`` segment last."""
        names = [s.name for s in self.segments]
        return [*names, self.else_name] if self.else_name else names

    def referenced_columns(self) -> set[str]:
        """Every column any condition names (the caller joins those it lacks)."""
        return {c for s in self.segments for c in referenced_columns(s.condition)}

    def definition(self) -> dict[str, Any]:
        """The rule set as plain data (the rules-file structure), to store or send as JSON."""
        segments: list[dict[str, Any]] = []
        for s in self.segments:
            entry: dict[str, Any] = {"name": s.name, "where": s.where}
            if s.description:
                entry["description"] = s.description
            segments.append(entry)
        if self.else_name:
            segments.append({"name": self.else_name, "else": True})
        return {"segments": segments}


def load_rules(source: str | Path) -> RuleSet:
    """The rule set in a YAML rules file, or in YAML text.

    ``source`` is read as a file when it is a ``Path``, or a string naming an existing file
    or ending in ``.yml``/``.yaml``; any other string is the YAML text itself. Every
    condition is parsed here, so syntax errors surface before any data is touched.

    Every error read from a file names the file and, where YAML tells it, the line; the
    rule set remembers both, so errors found later (an unknown column when the rules run)
    name them too.

    Raises:
        RuleError: the file is missing or not valid YAML, a mapping repeats a key (two
            ``where:`` in one segment), the structure is wrong, or a condition does not
            parse; the message names the file and the segment or line.
    """
    text, origin = str(source), None
    if isinstance(source, Path) or (
        "\n" not in source and (source.endswith((".yml", ".yaml")) or Path(source).is_file())
    ):
        path = Path(source)
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"cannot read rules file {path}: {exc}") from exc
    try:
        data = load_yaml(text, origin)
    except DuplicateKeyError as exc:
        raise RuleError(str(exc)) from exc
    except yaml.YAMLError as exc:
        raise RuleError(_yaml_problem(exc, origin)) from exc
    return ruleset_from_dict(data, origin, _segment_lines(text) if origin else None)


def _yaml_problem(exc: yaml.YAMLError, origin: str | None) -> str:
    """What YAML found wrong, with the file and the line and column where it found it."""
    mark = getattr(exc, "problem_mark", None)
    place = located(origin, None if mark is None else mark.line + 1)
    where = "" if mark is None else f" at column {mark.column + 1}"
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{problem} ({context})" if context else problem
    return (
        f"{place}rules are not valid YAML{where}: {detail}; check the indentation and quote "
        'each condition: where: "…"'
    )


def _segment_lines(text: str) -> dict[int, tuple[int, int]]:
    """Segment number (from 1) → (line of its entry, line of its ``where``), from 1.

    Read from YAML's node tree of ``text`` (already known to parse); an entry without a
    ``where`` gets its own line twice.
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return {}
    found = [v for k, v in root.value if k.value == "segments"]
    if not found or not isinstance(found[0], yaml.SequenceNode):
        return {}
    lines = {}
    for number, item in enumerate(found[0].value, start=1):
        line = item.start_mark.line + 1
        pairs = item.value if isinstance(item, yaml.MappingNode) else []
        where = [v.start_mark.line + 1 for k, v in pairs if k.value == "where"]
        lines[number] = (line, where[0] if where else line)
    return lines


def located(origin: str | None, line: int | None) -> str:
    """The prefix naming where a rules problem is: ``"rules.yaml, line 5: "``, ``""`` if unknown."""
    place = ", ".join(p for p in (origin, None if line is None else f"line {line}") if p)
    return f"{place}: " if place else ""


def _at(exc: RuleError, origin: str | None, line: int | None) -> RuleError:
    """``exc`` re-raised with :func:`located`'s prefix (the caret lines kept)."""
    return RuleError(
        f"{located(origin, line)}{exc.reason}", exc.expression, exc.position, exc.length
    )


def ruleset_from_dict(
    data: Any, origin: str | None = None, lines: Mapping[int, tuple[int, int]] | None = None
) -> RuleSet:
    """The rule set described by ``data`` (a parsed rules file or a stored definition).

    ``origin`` names the rules file and ``lines`` maps a segment's number (from 1) to the
    lines of its entry and of its ``where`` (:func:`load_rules` reads them from YAML), so
    that each error says where it is: ``rules.yaml, line 7: segment 'Adults': …``.

    Raises:
        RuleError: no ``segments`` list, a segment without a name or without ``where`` or
            ``else``, duplicate names, more than one ``else`` or an ``else`` that is not last,
            unknown keys, or a condition that does not parse.
    """
    try:
        _check_top(data)
    except RuleError as exc:
        raise _at(exc, origin, None) from exc
    segments: list[Segment] = []
    else_name: str | None = None
    seen: set[str] = set()
    for number, entry in enumerate(data["segments"], start=1):
        line, where_line = (lines or {}).get(number, (None, None))
        try:
            if else_name is not None:
                raise RuleError(
                    f"segment {number} comes after the else segment '{else_name}', which must "
                    "be last (it catches every customer the others miss); move it to the end"
                )
            found = _segment(entry, number, seen, where_line)
        except RuleError as exc:  # a condition's own error is on the line of its where
            raise _at(exc, origin, where_line if exc.expression else line) from exc
        if isinstance(found, Segment):
            segments.append(found)
        else:
            else_name = found
    return RuleSet(tuple(segments), else_name, origin)


def _check_top(data: Any) -> None:
    """Refuse rules without a non-empty ``segments`` list, or with unknown top-level keys."""
    example = "segments:\n  - name: Adults\n    where: age >= 18\n  - name: Others\n    else: true"
    if not isinstance(data, Mapping) or not isinstance(data.get("segments"), list):
        raise RuleError(f"rules need a 'segments' list at the top, like:\n{example}")
    _check_keys(data, _FILE_KEYS, "the rules file")
    if not data["segments"]:
        raise RuleError("the 'segments' list is empty; add at least one segment")


def _segment(entry: Any, number: int, seen: set[str], line: int | None) -> Segment | str:
    """Segment ``number`` (from 1) of the file, or the name of the ``else`` segment.

    Adds its name to ``seen``; ``line`` is the line of its ``where``, kept for messages.
    """
    name = _segment_name(entry, number)
    if name in seen:
        raise RuleError(f"two segments are named '{name}'; segment names must be unique")
    seen.add(name)
    _check_keys(entry, _SEGMENT_KEYS, f"segment '{name}'")
    has_where, has_else = "where" in entry, "else" in entry
    if has_where == has_else:
        raise RuleError(
            f"segment '{name}' needs exactly one of 'where: <condition>' or 'else: true'; "
            f"it has {'both' if has_where else 'neither'}"
        )
    if has_else:
        if entry["else"] is not True:
            raise RuleError(f"segment '{name}': write 'else: true', not {entry['else']!r}")
        return name
    where = entry["where"]
    if not isinstance(where, str) or isinstance(where, bool):
        raise RuleError(f"segment '{name}': 'where' must be a condition in quotes, got {where!r}")
    try:
        condition = parse(where)
    except RuleError as exc:
        raise RuleError(f"segment '{name}': {exc.reason}", where, exc.position, exc.length) from exc
    description = str(entry.get("description") or "")
    return Segment(name, where, condition, description, line)


def _segment_name(entry: Any, number: int) -> str:
    """The name of segment ``number`` (1-based), checked."""
    if not isinstance(entry, Mapping):
        raise RuleError(
            f"segment {number} must be a mapping with 'name' and 'where' (or 'else'), got {entry!r}"
        )
    name = entry.get("name")
    if isinstance(name, int | float | bool):  # YAML reads name: 2024 or name: yes as such
        read = (
            f"true/false ({str(name).lower()}; YAML reads yes, no, on and off so)"
            if isinstance(name, bool)
            else f"the number {name}"
        )
        raise RuleError(
            f"segment {number}'s name is not text: YAML read it as {read}; "
            'put the name in quotes: name: "…"'
        )
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"segment {number} has no name; add 'name: <segment name>' in quotes")
    if name.strip() == UNASSIGNED:
        raise RuleError(
            f"'{UNASSIGNED}' is reserved for customers no segment matches; choose another name"
        )
    return name.strip()


def _check_keys(mapping: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(k) for k in mapping if k not in allowed)
    if unknown:
        raise RuleError(f"{where} has unknown keys {unknown}; allowed keys: {', '.join(allowed)}")


def compile_rules(
    ruleset: RuleSet,
    table: ir.Table,
    bands: Mapping[str, Band] | None = None,
    columns: Iterable[str] = (),
) -> list[tuple[str, ir.BooleanValue]]:
    """(segment name, Ibis condition over ``table``) for each segment with a condition.

    ``bands`` makes banded attributes compare by their order (``age >= '35-44'``);
    ``columns`` are every column a rule could name, for the message of an unknown one when
    ``table`` holds only the columns the rules name.

    Raises:
        RuleError: a condition names a column ``table`` lacks, or compares incompatible
            types; the message names the rules file and line (when read from a file), the
            segment, and points at the spot.
    """
    compiled = []
    for segment in ruleset.segments:
        try:
            condition = compile_condition(segment.condition, table, "", bands, columns)
            compiled.append((segment.name, condition))
        except RuleError as exc:
            place = located(ruleset.origin, segment.line)
            raise RuleError(
                f"{place}segment '{segment.name}': {exc.reason}",
                segment.where,
                exc.position,
                exc.length,
            ) from exc
    return compiled


def assign(
    ruleset: RuleSet,
    table: ir.Table,
    id_column: str = "customer_id",
    bands: Mapping[str, Band] | None = None,
    columns: Iterable[str] = (),
) -> ir.Table:
    """Assign each row of ``table`` its segment: ``customer_id``, ``segment``.

    The first segment whose condition is true wins; rows matching none get the ``else``
    segment, or ``unassigned``. Nothing is executed: the result is an Ibis expression.
    ``bands`` and ``columns`` are as in :func:`compile_rules`.

    Raises:
        RuleError: ``table`` has no ``id_column``, or a condition does not compile.
    """
    if id_column not in table.columns:
        raise RuleError(
            f"the table has no '{id_column}' column to identify customers; "
            f"columns: {', '.join(table.columns)}"
        )
    compiled = compile_rules(ruleset, table, bands, columns)
    branches = [(cond, ibis.literal(name)) for name, cond in compiled]
    fallback = ibis.literal(ruleset.else_name or UNASSIGNED)
    segment = ibis.cases(*branches, else_=fallback) if branches else fallback
    return table.select(id_column, segment=segment)


def with_segmentations(
    table: ir.Table, assignments: Mapping[str, ir.Table], id_column: str = "customer_id"
) -> ir.Table:
    """``table`` with one extra text column per segmentation, holding each customer's segment.

    ``assignments`` maps a segmentation name to its ``customer_id``, ``segment`` table (as
    returned by ``segmint.segmentation.store.assignments``). Customers a segmentation does
    not cover get NULL, so conditions on it do not match them (``rfm is null`` does).

    Raises:
        RuleError: a segmentation name clashes with a column ``table`` already has.
    """
    for name, stored in assignments.items():
        if name in table.columns:
            raise RuleError(
                f"cannot add segmentation '{name}' as a column: the table already has a "
                f"column '{name}'; rename the segmentation or drop the column"
            )
        right = stored.select(stored[id_column].name("_rules_id"), stored.segment.name(name))
        joined = table.left_join(right, table[id_column] == right._rules_id)
        table = joined.drop("_rules_id")
    return table
