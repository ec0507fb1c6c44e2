"""Deciding the decimal separator of each numeric column: a point or a comma.

``10,50`` is ten and a half in a European export and a typo elsewhere; ``1,234`` is a
thousand and more with a decimal point and one and a bit with a decimal comma. Reading
each value on its own would mix the two, so, as with date formats, the separator is
decided over the whole column, counted in the engine:

* a value only one form reads decides for it: ``10,50``, ``3,99`` and ``1.234,56`` for a
  decimal comma; ``10.5``, ``1,234.56`` and ``1,234,567`` for a decimal point;
* values of both kinds in one column stop the load with the flags to choose;
* a column whose values read both ways (only ``1,234`` or ``1.250`` styles) follows the
  file's other numeric columns when they agree, else a comma-separated file (where a
  decimal comma would need every number quoted) says decimal point; otherwise the load
  stops, naming the column and the flags.

``--decimal .`` or ``--decimal ,`` settles every column. Values that do not have the
decided form are quarantined by :func:`segmint.mart.parsing.parse_number`, never misread.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis

from segmint.exceptions import SchemaError
from segmint.mart.parsing import COMMA_FORM, POINT_FORM, number_text

SEPARATORS = (".", ",")
_NUMERIC = ("float64", "int32", "int64")
_NAMES = {".": "a decimal point", ",": "a decimal comma"}
_FLAGS = "--decimal . or --decimal ,"


def separator_name(separator: str) -> str:
    """``a decimal comma`` for ``,``, ``a decimal point`` for ``.``."""
    return _NAMES[separator]


def check_separator(separator: str | None) -> None:
    """Raise when ``--decimal`` is given something other than ``.`` or ``,``."""
    if separator is not None and separator not in SEPARATORS:
        raise SchemaError(f"--decimal {separator}: expected . or , (e.g. --decimal ,)")


def decide_decimals(
    stage: ibis.Table,
    read: Mapping[str, str],
    kinds: Mapping[str, str],
    *,
    forced: str | None,
    delimiter: str | None,
    source: str,
) -> dict[str, tuple[str, str]]:
    """Mart column → (separator, why) for the numeric columns written as text.

    Args:
        stage: the staged file.
        read: mart column → the file column it is read from.
        kinds: mart column → its type.
        forced: the separator the user gave (``--decimal``), or None to decide.
        delimiter: the file's column separator, when it is delimited text.
        source: the file, named in errors.

    Raises:
        SchemaError: a column mixes both forms, or reads both ways with nothing else to go
            by; the message names the column and the flags.
    """
    columns = {
        target: column
        for target, column in read.items()
        if kinds.get(target) in _NUMERIC and stage[column].type().is_string()
    }
    if forced is not None:
        return dict.fromkeys(columns, (forced, f"--decimal {forced}"))
    decided: dict[str, tuple[str, str]] = {}
    open_columns: dict[str, str] = {}
    for target, column in columns.items():
        evidence = _evidence(stage, column)
        if evidence["point"] and evidence["comma"]:
            raise SchemaError(
                f"{source}: the numbers in '{column}' are written with a decimal point "
                f"('{evidence['point']}') and with a decimal comma ('{evidence['comma']}'); "
                f"say which with {_FLAGS} (values of the other form are quarantined)"
            )
        for separator, key in ((",", "comma"), (".", "point")):
            if evidence[key]:
                decided[target] = (separator, f"values such as '{evidence[key]}'")
        if target not in decided and evidence["either"]:
            open_columns[target] = evidence["either"]
    return decided | _by_the_file(open_columns, columns, decided, delimiter, source)


def _evidence(stage: ibis.Table, column: str) -> dict[str, str]:
    """An example value that only a decimal point reads, one that only a decimal comma
    reads, and one with a separator that both read ('' where there is none)."""
    text = stage[column].strip()
    digits = number_text(text)
    number = digits.re_search(r"\d")  # a lone "." or "," is no evidence of anything
    point = number & digits.re_search(POINT_FORM)
    comma = number & digits.re_search(COMMA_FORM)
    separated = digits.contains(",") | digits.contains(".")
    examples = (
        stage.aggregate(
            point=text.min(where=point & ~comma),
            comma=text.min(where=comma & ~point),
            either=text.min(where=point & comma & separated),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    return {key: value or "" for key, value in examples.items()}


def _by_the_file(
    open_columns: dict[str, str],
    columns: dict[str, str],
    decided: dict[str, tuple[str, str]],
    delimiter: str | None,
    source: str,
) -> dict[str, tuple[str, str]]:
    """The separator of the columns whose values read both ways, from the rest of the file."""
    if not open_columns:
        return {}
    agreed = {separator for separator, _ in decided.values()}
    if len(agreed) == 1:
        separator = agreed.pop()
        why = f"as {', '.join(repr(columns[t]) for t in decided)} in the same file"
        return dict.fromkeys(open_columns, (separator, why))
    if delimiter == ",":
        return dict.fromkeys(open_columns, (".", "the file is comma-separated"))
    target, example = next(iter(open_columns.items()))
    raise SchemaError(
        f"{source}: the numbers in '{columns[target]}' read both with a decimal point and with "
        f"a decimal comma ('{example}'), and nothing else in the file says which; say which "
        f"with {_FLAGS}"
    )
