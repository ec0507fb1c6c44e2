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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class RuleSet:
    """Segments in the order they are tried, and the name of the catch-all segment if any."""

    segments: tuple[Segment, ...]
    else_name: str | None = None

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

    Raises:
        RuleError: the file is missing or not valid YAML, the structure is wrong, or a
            condition does not parse; the message names the segment.
    """
    text = source
    if isinstance(source, Path) or (
        "\n" not in source and (source.endswith((".yml", ".yaml")) or Path(source).is_file())
    ):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"cannot read rules file {path}: {exc}") from exc
    try:
        data = yaml.safe_load(str(text))
    except yaml.YAMLError as exc:
        raise RuleError(f"rules are not valid YAML: {exc}") from exc
    return ruleset_from_dict(data)


def ruleset_from_dict(data: Any) -> RuleSet:
    """The rule set described by ``data`` (a parsed rules file or a stored definition).

    Raises:
        RuleError: no ``segments`` list, a segment without a name or without ``where`` or
            ``else``, duplicate names, more than one ``else`` or an ``else`` that is not last,
            unknown keys, or a condition that does not parse.
    """
    example = "segments:\n  - name: Adults\n    where: age >= 18\n  - name: Others\n    else: true"
    if not isinstance(data, Mapping) or not isinstance(data.get("segments"), list):
        raise RuleError(f"rules need a 'segments' list at the top, like:\n{example}")
    _check_keys(data, _FILE_KEYS, "the rules file")
    if not data["segments"]:
        raise RuleError("the 'segments' list is empty; add at least one segment")
    segments: list[Segment] = []
    else_name: str | None = None
    seen: set[str] = set()
    for number, entry in enumerate(data["segments"], start=1):
        if else_name is not None:
            raise RuleError(
                f"segment {number} comes after the else segment '{else_name}', which must be "
                "last (it catches every customer the others miss); move it to the end"
            )
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
            else_name = name
            continue
        where = entry["where"]
        if not isinstance(where, str) or isinstance(where, bool):
            raise RuleError(
                f"segment '{name}': 'where' must be a condition in quotes, got {where!r}"
            )
        try:
            condition = parse(where)
        except RuleError as exc:
            raise RuleError(
                f"segment '{name}': {exc.reason}", where, exc.position, exc.length
            ) from exc
        description = str(entry.get("description") or "")
        segments.append(Segment(name, where, condition, description))
    return RuleSet(tuple(segments), else_name)


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
            types; the message names the segment and points at the spot.
    """
    compiled = []
    for segment in ruleset.segments:
        try:
            condition = compile_condition(segment.condition, table, "", bands, columns)
            compiled.append((segment.name, condition))
        except RuleError as exc:
            raise RuleError(
                f"segment '{segment.name}': {exc.reason}", segment.where, exc.position, exc.length
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
