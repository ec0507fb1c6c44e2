"""Guessing how a file's columns map to the mart's, from their names and their content.

The guess runs before a load (``segmint ingest`` without ``--map``, or with only some
columns mapped). For each mart column of the target it looks for the file column that
means it, in three tiers of evidence:

1. the name *is* the mart column once normalised (``Customer ID`` is ``customer_id``; a
   parenthesised end such as a time zone or unit, ``Order Date (UTC)``, is left out);
2. the name is a known synonym (:mod:`segmint.mart.synonyms`: ``InvoiceDate`` is
   ``order_ts``, ``sales_value`` is ``amount``, ``household_id`` is ``customer_id``);
3. the name ends in a telling word (``number_of_cds`` is a quantity, ``dollar_value`` an
   amount).

Content must agree: a timestamp column must read as dates, a money or quantity column
as numbers, a yes/no column (a consent's ``granted``) as true or false and a postcode
column must hold a digit in (nearly) every sampled row, or the name does not count: a
``zip_code`` of ``Urban``/``Rural``/``Suburban`` (Hillstrom's) is an area type, not a postcode. Tiers are tried in order; a tier with
exactly one candidate settles the column, a tier with two or more makes it **ambiguous**, and the load stops with the ``--map`` flags to choose. The
date format is guessed over the whole column when dates are not in ISO form (day/month
against month/day is decided by a day above 12; when nothing decides, the load stops),
also when the mapping is not guessed (:func:`guess_dates`).

Columns the user mapped, and the preset's columns, are never second-guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis

from segmint.mart import sql_functions as fn
from segmint.mart.decimals import separator_name
from segmint.mart.parsing import BOOLEAN_WORDS
from segmint.mart.schema import Table
from segmint.mart.synonyms import PATTERNS, normalise, synonyms
from segmint.mart.validation import ROW

SAMPLE_ROWS = 2_000
MIN_SHARE = 0.9
"""Share of sampled non-empty values that must read as the mart column's type."""

DATE_FORMATS = (
    "%Y%m%d",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d %b %Y",
    "%b %d, %Y",
)
"""Date formats the guess tries when a date column is not in ISO form."""


@dataclass(frozen=True)
class MappingGuess:
    """The mapping a load will use, and how it was arrived at.

    Attributes:
        mapping: mart column → file column: given, preset and guessed together.
        guessed: the part of ``mapping`` that was guessed.
        ambiguous: mart column → the file columns that could each be it.
        dates: mart column → its guessed date format (none when dates are ISO or given).
        date_problem: why the date format could not be guessed, when it could not.
        decimals: mart column → (decimal separator, why) of numbers written as text
            (:mod:`segmint.mart.decimals`).
    """

    mapping: dict[str, str]
    guessed: dict[str, str] = field(default_factory=dict)
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    date_problem: str = ""
    decimals: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def date_formats(self) -> tuple[str, ...]:
        """The guessed date formats, each once."""
        return tuple(dict.fromkeys(self.dates.values()))

    def readings(self) -> tuple[str, ...]:
        """How the values of each column were decided to be read, for the load's report:
        ``order_ts dates as %d/%m/%Y``, ``amount with a decimal comma (values such as …)``."""
        dates = [f"{t} dates as {f}" for t, f in self.dates.items()]
        numbers = [f"{t} with {separator_name(s)} ({why})" for t, (s, why) in self.decimals.items()]
        return (*dates, *numbers)

    def flags(self, only_guessed: bool = False) -> str:
        """The mapping as ``--map`` flags to paste (quoted for the shell)."""
        pairs = self.guessed if only_guessed else self.mapping
        return " ".join(map_flag(t, c) for t, c in pairs.items())

    def choices(self) -> str:
        """For each ambiguous mart column, the flags that would settle it."""
        return "; ".join(
            " or ".join(map_flag(t, c) for t in [target] for c in columns)
            for target, columns in self.ambiguous.items()
        )


def map_flag(target: str, column: str) -> str:
    """``--map 'customer_id=Customer ID'``: one flag, quoted for the shell when needed."""
    return "--map " + shlex.quote(f"{target}={column}")


def guess_mapping(
    stage: ibis.Table,
    table: Table,
    given: dict[str, str],
    *,
    excel: bool = False,
) -> MappingGuess:
    """Guess the mapping of ``stage``'s columns to ``table`` (see the module docstring);
    the date formats are guessed apart (:func:`guess_dates`).

    Args:
        stage: the staged file (its own column names, ``_row``).
        table: the target's definition (a mart table or the transactions file).
        given: mart column → file column already decided (``--map`` and the preset).
        excel: the file is a workbook (numbers in date columns are serial dates).
    """
    found = [c for c in stage.columns if c != ROW]
    taken = set(given.values())
    open_columns = [c for c in found if c not in taken]
    targets = [c for c in table.column_names if c not in given and c not in found]
    targets = [t for t in targets if t not in open_columns]
    sample = _sample(stage, open_columns)
    kinds = {c.name: c.type for c in table.columns}
    words = synonyms(table.name)
    guessed: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    for tier, target_group in _passes(targets):
        candidates: dict[str, list[str]] = {}
        for target in target_group:
            if target == "amount" and {"quantity", "unit_price"} <= {*given, *guessed, *found}:
                continue  # the value is there; a total beside unit prices is an order's
            if target in guessed or target in ambiguous:
                continue
            free = [c for c in open_columns if c not in guessed.values()]
            hits = [c for c in free if tier(c, target, words)]
            hits = [
                c
                for c in hits
                if _fits(sample[c], kinds[target], excel) and _reads_as(sample[c], target)
            ]
            if hits:
                candidates[target] = hits
        claimed: dict[str, list[str]] = {}
        for target, hits in candidates.items():
            for column in hits:
                claimed.setdefault(column, []).append(target)
        for target, hits in candidates.items():
            if len(hits) == 1 and len(claimed[hits[0]]) == 1:
                guessed[target] = hits[0]
            else:
                ambiguous[target] = tuple(hits)
    mapping = {**given, **guessed}
    mapping = {c: mapping[c] for c in table.column_names if c in mapping}
    return MappingGuess(mapping, guessed, ambiguous)


def guess_dates(
    stage: ibis.Table, table: Table, mapping: dict[str, str], *, excel: bool = False
) -> tuple[dict[str, str], str]:
    """Mart column → the format of its dates, for the date columns a load reads (mapped, or
    named like the mart) from text not in ISO form; and why the formats cannot be decided,
    when they cannot. Date formats are guessed whether or not the mapping was: how a
    column is written is not which column it is.
    """
    found = [c for c in stage.columns if c != ROW]
    kinds = {c.name: c.type for c in table.columns}
    read = columns_read(mapping, found, table.column_names)
    return _date_formats(stage, read, kinds, found, excel)


def columns_read(
    mapping: dict[str, str], found: Sequence[str], targets: Sequence[str]
) -> dict[str, str]:
    """Mart column → the file column a load reads it from: the mapping, and the file's
    columns named like the mart that no mapping displaces (a file that already uses the
    mart's names has its values read just the same)."""
    taken = set(mapping.values())
    named = {c: c for c in targets if c in found and c not in mapping and c not in taken}
    return {c: {**named, **mapping}[c] for c in targets if c in named or c in mapping}


Tier = Callable[[str, str, dict[str, frozenset[str]]], bool]


def _passes(targets: list[str]) -> list[tuple[Tier, list[str]]]:
    """The tiers in order, for every target but ``amount``; then the tiers for ``amount``,
    which is only looked for when quantity and unit price were not both found."""
    rest = [t for t in targets if t != "amount"]
    tiers: list[Tier] = [_exact, _synonym, _pattern]
    passes = [(tier, rest) for tier in tiers]
    if "amount" in targets:
        passes += [(tier, ["amount"]) for tier in tiers]
    return passes


_SUFFIX = re.compile(r"\s*(\([^()]*\)|\[[^\[\]]*\])\s*$")
"""A parenthesised end of a column name: a time zone or a unit (``Order Date (UTC)``,
``Total [EUR]``), which says how the column is written, not what it is."""


def _name(column: str) -> str:
    """``column`` normalised, without a parenthesised suffix (the whole name if that is all)."""
    return normalise(_SUFFIX.sub("", column)) or normalise(column)


def _exact(column: str, target: str, words: dict[str, frozenset[str]]) -> bool:
    return _name(column) == normalise(target)


def _synonym(column: str, target: str, words: dict[str, frozenset[str]]) -> bool:
    return _name(column) in words.get(target, frozenset())


def _pattern(column: str, target: str, words: dict[str, frozenset[str]]) -> bool:
    pattern = PATTERNS.get(target)
    return bool(words) and pattern is not None and bool(pattern.search(_name(column)))


def _sample(stage: ibis.Table, columns: list[str]) -> dict[str, list[Any]]:
    if not columns:
        return {}
    data: dict[str, list[Any]] = stage.select(*columns).limit(SAMPLE_ROWS).to_pyarrow().to_pydict()
    return data


_NUMBER = re.compile(r"^\(?-?[\s$€£¥]*-?(\d[\d.,]*)?[.,]?\d+\)?$")
"""A number with either decimal separator (which one is decided later, over the column)."""
_DATEISH = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|^\d{8}$|^[A-Za-z]{3,9} \d{1,2}, \d{4}|^\d{1,2} [A-Za-z]{3}"
)


def _fits(values: list[Any], kind: str, excel: bool) -> bool:
    """True when (nearly) every non-empty sampled value reads as ``kind``."""
    present = [v for v in values if v is not None and str(v).strip() != ""]
    if not present:
        return kind == "string"
    if kind in ("timestamp", "date"):
        ok = sum(_is_date(v, excel) for v in present)
    elif kind in ("float64", "int32", "int64"):
        ok = sum(isinstance(v, int | float) or bool(_NUMBER.match(str(v).strip())) for v in present)
    elif kind == "boolean":
        ok = sum(_is_boolean(v) for v in present)
    else:
        return True
    return ok >= MIN_SHARE * len(present)


_DIGIT = re.compile(r"\d")

CONTENT: dict[str, Callable[[Any], bool]] = {"postcode": lambda v: bool(_DIGIT.search(str(v)))}
"""Mart columns whose values have a shape beyond their type, and the test each sampled
value must pass: every postcode system in use writes a digit (``SW1A 1AA``, ``10115``,
``1012 AB``), so a column of words alone is no postcode whatever its name."""


def _reads_as(values: list[Any], target: str) -> bool:
    """True when (nearly) every non-empty sampled value has the shape of ``target``'s values
    (:data:`CONTENT`; any value does for a column with no shape of its own)."""
    test = CONTENT.get(target)
    present = [v for v in values if v is not None and str(v).strip() != ""]
    if test is None or not present:
        return True
    return sum(test(v) for v in present) >= MIN_SHARE * len(present)


def _is_boolean(value: Any) -> bool:
    """True for a boolean, a 0 or 1, or a word a boolean is read from (``yes``, ``N``)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value in (0, 1)
    return str(value).strip().lower() in BOOLEAN_WORDS


def _is_date(value: Any, excel: bool) -> bool:
    if isinstance(value, dt.date):
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (excel and 1 <= value <= 2_958_465) or 19_000_101 <= value <= 21_001_231
    return bool(_DATEISH.match(str(value).strip()))


def _date_formats(
    stage: ibis.Table, mapping: dict[str, str], kinds: dict[str, str], found: list[str], excel: bool
) -> tuple[dict[str, str], str]:
    """Mart column → the format of its dates, for the date columns read from text not in ISO form.

    Counted over the whole column in the engine: every format that reads the most values
    is a candidate; day-first and month-first formats both reading everything is a tie
    that only the user can settle.
    """
    chosen: dict[str, str] = {}
    for target, column in mapping.items():
        if kinds.get(target) not in ("timestamp", "date") or column not in found:
            continue
        values = stage[column]
        if not values.type().is_string():
            continue
        text = values.strip().nullif("")
        iso = text.replace("T", " ").try_cast("timestamp")
        counts = stage.aggregate(
            n=text.count(),
            iso=iso.count(),
            **{
                f"f{i}": fn.try_strptime(text, ibis.literal([f])).count()
                for i, f in enumerate(DATE_FORMATS)
            },
        ).execute()
        n, n_iso = int(counts.n.iloc[0]), int(counts.iso.iloc[0])
        if n == 0 or n_iso >= MIN_SHARE * n:
            continue
        scored = {f: int(counts[f"f{i}"].iloc[0]) for i, f in enumerate(DATE_FORMATS)}
        best = max(scored.values())
        if best < MIN_SHARE * n:
            continue
        top = [f for f, k in scored.items() if k == best]
        day_first = [f for f in top if f.startswith("%d")]
        month_first = [f for f in top if f.startswith("%m")]
        if day_first and month_first:
            return {}, (
                f"the dates in '{column}' read both as day/month and as month/day (no day above "
                f"12); say which with --date-format '{month_first[0]}' or --date-format "
                f"'{day_first[0]}'"
            )
        chosen[target] = top[0]
    return chosen, ""
