"""The mapping a load uses: given with ``--map``, from a preset, and guessed for the rest.

:func:`decide_mapping` puts the three together (the user's flags win over the preset,
the preset over the guess) and stops the load, before anything is written, when the
guess is ambiguous or a needed column is missing. Every such error ends with the fix:
the ``--map`` flags to add, and the preset when the file looks like a known export.
"""

from __future__ import annotations

import re
from dataclasses import replace

import ibis

from segmint.exceptions import SchemaError
from segmint.mart.columns import check_ignore
from segmint.mart.decimals import decide_decimals
from segmint.mart.guess import MappingGuess, columns_read, guess_dates, guess_mapping
from segmint.mart.presets import Preset, suggest_preset
from segmint.mart.schema import TABLES, Table
from segmint.mart.transactions import TRANSACTIONS
from segmint.mart.validation import ROW


def target_table(table: str) -> Table:
    """The definition a file for ``table`` is checked against."""
    return TRANSACTIONS if table == "transactions" else TABLES[table]


def decide_mapping(
    stage: ibis.Table,
    table: str,
    given: dict[str, str],
    source: str,
    *,
    preset: Preset | None = None,
    ignore: tuple[str, ...] = (),
    date_formats: tuple[str, ...] = (),
    guess: bool = True,
    excel: bool = False,
    decimal: str | None = None,
    delimiter: str | None = None,
) -> MappingGuess:
    """The mapping for loading ``stage`` into ``table``, or a :class:`SchemaError` with the fix.

    Args:
        stage: the staged file.
        table: the target (a mart table or ``transactions``).
        given: ``--map`` pairs (mart column → file column).
        source: the file, named in errors.
        preset: the export's layout, when the user named one.
        ignore: columns dropped with ``--ignore`` (never guessed).
        date_formats: formats the user gave (then none is guessed, nor with a preset that
            gives its own); otherwise the formats are guessed, also without ``guess``.
        guess: guess the columns neither given nor named as the mart does (never with a
            preset: the preset names every column of the export it uses).
        excel: the file is a workbook.
        decimal: the decimal separator the user gave (``--decimal``); decided per numeric
            column when None (:mod:`segmint.mart.decimals`).
        delimiter: the file's column separator (evidence for the decimal separator).
    """
    found = [c for c in stage.columns if c != ROW]
    if preset is not None and table != preset.table:
        raise SchemaError(
            f"--preset {preset.name} loads a {preset.title} as {preset.table}; "
            f"run `segmint ingest {preset.table} {source} --preset {preset.name}`"
        )
    definition = target_table(table)
    check_ignore(ignore, found, source)
    _check_given(given, found, definition, source)
    mapping = {**(preset.mapping(found, source) if preset else {}), **given}
    visible = stage.drop(*ignore) if ignore else stage
    decided = (
        guess_mapping(visible, definition, mapping, excel=excel)
        if guess and preset is None
        else MappingGuess(mapping)
    )
    if not (date_formats or (preset and preset.date_formats)):
        dates, problem = guess_dates(visible, definition, decided.mapping, excel=excel)
        decided = replace(decided, dates=dates, date_problem=problem)
    _check_decided(decided, source)
    _check_required(decided, definition, found, source)
    read = columns_read(decided.mapping, list(visible.columns), definition.column_names)
    kinds = {c.name: c.type for c in definition.columns}
    decimals = decide_decimals(
        visible, read, kinds, forced=decimal, delimiter=delimiter, source=source
    )
    return replace(decided, decimals=decimals)


def _check_decided(decided: MappingGuess, source: str) -> None:
    """Refuse a guess with columns that more than one file column could be, or dates whose
    format cannot be decided, saying which flags to add."""
    if decided.ambiguous:
        raise SchemaError(
            f"{source}: more than one column could be {', '.join(decided.ambiguous)}: "
            f"{decided.choices()}. Add the flag you mean"
            + (f" to the mapping found so far: {decided.flags()}" if decided.mapping else "")
            + "."
        )
    if decided.date_problem:
        raise SchemaError(f"{source}: {decided.date_problem}.")


def _check_given(given: dict[str, str], found: list[str], table: Table, source: str) -> None:
    """Raise when a ``--map`` pair names a column the file lacks or a target that is none."""
    for target, column in given.items():
        if column not in found:
            raise SchemaError(
                f"{source}: --map {target}={column}: the file has no column '{column}'; "
                f"found {found}.{headerless_hint(found, table)}"
            )
        if target not in table.column_names:
            raise SchemaError(
                f"{source}: --map {target}={column}: '{target}' is not a column of {table.name}; "
                f"its columns are {table.column_names}"
            )


NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
"""A column name that is a number: a value, not a name (a file's first line of data)."""


def headerless_hint(found: list[str], table: Table) -> str:
    """A sentence saying the file seems to have no header line, when every column name
    ``found`` is a number (the CDNOW sample's first line, ``00004 0001 19970101 2 29.33``);
    else empty.

    Without it the refusal listed those numbers as the file's columns and asked for --map
    flags naming them, which no flag can fix: the first row is data.
    """
    if not found or not all(NUMBER.fullmatch(name.strip()) for name in found):
        return ""
    names = ", ".join(table.required)
    return (
        " Its first line holds values, not column names: the file seems to have no header "
        f"line. Add one naming its columns (the mart's names, such as {names}) and load it "
        "again."
    )


def _check_required(decided: MappingGuess, table: Table, found: list[str], source: str) -> None:
    """Raise when a column the target needs is neither mapped nor in the file."""
    have = set(decided.mapping) | set(found)
    missing = [c for c in table.required if c not in have]
    if table.name == "transactions" and "customer_id" in missing and "email" in have:
        missing.remove("customer_id")
    if table.name == "events" and "event_id" in missing:
        missing.remove("event_id")  # derived from each row's content (segmint.mart.event_ids)
    value_missing = table.name == "transactions" and not (
        "amount" in have or {"quantity", "unit_price"} <= have
    )
    if not missing and not value_missing:
        return
    so_far = f" The mapping found so far: {decided.flags()}." if decided.mapping else ""
    preset = suggest_preset(found)
    hint = f" This looks like a {preset.title}: try --preset {preset.name}." if preset else ""
    hint += headerless_hint(found, table)
    if missing:
        flags = " ".join(f"--map {m}=<column>" for m in missing)
        raise SchemaError(
            f"{source} has no column {', '.join(repr(m) for m in missing)} needed for "
            f"{table.name}; found {found}. Map it with {flags}.{so_far}{hint}"
        )
    raise SchemaError(
        f"{source}: a transactions file needs a value: 'amount', or 'quantity' and 'unit_price'; "
        f"found {found}. Map one with --map amount=<column> (or --map quantity=<column> "
        f"--map unit_price=<column>).{so_far}{hint}"
    )
