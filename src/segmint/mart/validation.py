"""Row-level validation: typed values plus the reason a row is rejected, in the engine.

For a staged file and a table definition, :func:`check_rows` returns the staged rows with
every mart column parsed to its type and a ``_reason`` column: NULL for a good row, else
the first problem found, naming the column and the value, e.g.
``order_ts: cannot read '2024-13-01' as a timestamp``. Reference and key checks, which
need the mart, come after this in :mod:`segmint.mart.ingest`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import ibis
import ibis.expr.datatypes as dt

from segmint.exceptions import SchemaError
from segmint.mart.clock import latest_now
from segmint.mart.decimals import separator_name
from segmint.mart.parsing import blank_to_null, parse
from segmint.mart.schema import Column, Table

REASON = "_reason"
ROW = "_row"

_KIND_NAMES = {
    "string": "text",
    "float64": "a number",
    "int32": "a whole number",
    "int64": "a whole number",
    "timestamp": "a timestamp",
    "date": "a date",
    "boolean": "true or false",
}


def apply_mapping(
    stage: ibis.Table, mapping: dict[str, str], table: Table, source: str
) -> ibis.Table:
    """Rename the file's columns to mart names and check the required ones are there.

    Args:
        stage: the staged rows with the file's own column names.
        mapping: mart column → file column, from ``--map target=source``.
        table: the target table's definition.
        source: the file, named in errors.

    Raises:
        SchemaError: a mapped column is missing from the file, or a required column is missing.
    """
    found = [c for c in stage.columns if c != ROW]
    for target, column in mapping.items():
        if column not in found:
            raise SchemaError(
                f"{source}: --map {target}={column}: the file has no column '{column}'; found {found}"
            )
        if target not in table.column_names:
            raise SchemaError(
                f"{source}: --map {target}={column}: '{target}' is not a column of {table.name}; "
                f"its columns are {table.column_names}"
            )
    renames = {target: column for target, column in mapping.items() if target != column}
    taken = set(renames.values())
    clashes = [c for c in renames if c in found and c not in taken]
    renamed = stage.drop(*clashes).rename(renames) if renames else stage
    missing = [c for c in table.required if c not in renamed.columns]
    if missing:
        hint = " ".join(f"--map {m}=<column>" for m in missing)
        raise SchemaError(
            f"{source} has no column {', '.join(repr(m) for m in missing)} needed for {table.name}; "
            f"found {found}. Map it with {hint}."
        )
    return renamed


def check_rows(
    rows: ibis.Table,
    table: Table,
    date_formats: tuple[str, ...] = (),
    now: datetime.datetime | None = None,
    *,
    excel_dates: bool = False,
    decimals: Mapping[str, str] | None = None,
) -> ibis.Table:
    """Parse every column of ``table`` present in ``rows`` and name the first problem per row.

    Columns the file does not have are NULL. The result has the table's columns, ``_row``
    and ``_reason``. Values are parsed once (a first projection keeps each parsed value
    beside the trimmed text it came from); the checks then read those columns. With
    ``excel_dates``, numbers in date and timestamp columns are Excel serial dates;
    ``decimals`` gives the decimal separator (``.`` or ``,``) of numeric columns written as
    text (:mod:`segmint.mart.decimals`), and a value of another form is rejected naming it.
    A date or timestamp later than any shop's clock reads at ``now`` (default: the current
    time in UTC, whatever the machine's zone; :func:`~segmint.mart.clock.latest_now`) is
    rejected as in
    the future: timestamps are the shop's clock time, whose zone the mart does not know.
    """
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    decimals = decimals or {}
    parsed: dict[str, ibis.Value] = {}
    for column in table.columns:
        if column.name in rows.columns:
            raw = rows[column.name]
            comma = decimals.get(column.name) == ","
            value = parse(
                raw, column.type, date_formats, excel_dates=excel_dates, decimal_comma=comma
            )
            parsed[column.name] = value.lower() if column.choices else value
            parsed[_TEXT + column.name] = blank_to_null(raw)
        elif column.required:
            raise SchemaError(f"no column '{column.name}' for {table.name}")
        else:
            parsed[column.name] = ibis.null(column.type)
    stage = rows.select(**parsed, _row=rows[ROW])
    reasons: list[tuple[ibis.BooleanValue, ibis.StringValue]] = []
    for column in table.columns:
        if column.name in rows.columns:
            text = stage[_TEXT + column.name]
            kind = _kind_name(column, text, decimals.get(column.name))
            reasons.extend(_problems(stage[column.name], text, column, kind, now))
    reason = ibis.cases(*reasons, else_=ibis.null("string")) if reasons else ibis.null("string")
    return stage.select(*table.column_names, ROW, _reason=reason)


_TEXT = "_text_"


def _kind_name(column: Column, text: ibis.Value, separator: str | None) -> ibis.StringValue:
    """What a value of ``column`` must read as, for a reason: ``a number``, and ``a number
    with a decimal comma`` for text that has a separator in a float column with a decided
    one."""
    kind = _KIND_NAMES[column.type]
    if separator is None or column.type != "float64" or not text.type().is_string():
        return ibis.literal(kind)
    separated = text.contains(",") | text.contains(".")
    named: ibis.StringValue = separated.ifelse(f"{kind} with {separator_name(separator)}", kind)
    return named


def _problems(
    value: ibis.Value,
    present: ibis.Value,
    column: Column,
    kind_name: ibis.StringValue,
    now: datetime.datetime,
) -> list[tuple[ibis.BooleanValue, ibis.StringValue]]:
    """(condition, reason) pairs for one column: its parsed value and its trimmed text;
    ``kind_name`` says what a value must read as."""
    kind = dt.dtype(column.type)
    shown = present.cast("string")
    problems: list[tuple[ibis.BooleanValue, ibis.StringValue]] = []
    if column.required:
        problems.append((present.isnull(), ibis.literal(f"missing {column.name}")))
    problems.append(
        (
            present.notnull() & value.isnull(),
            ibis.literal(f"{column.name}: cannot read '") + shown + "' as " + kind_name,
        )
    )
    if column.choices:
        allowed = ", ".join(column.choices)
        problems.append(
            (
                value.notnull() & ~value.isin(column.choices),
                ibis.literal(f"{column.name}: '") + shown + f"' is not one of {allowed}",
            )
        )
    if column.non_negative:
        problems.append((value < 0, ibis.literal(f"{column.name}: negative value ") + shown))
    if column.not_future:
        latest = latest_now(now)
        limit = ibis.timestamp(latest) if kind.is_timestamp() else ibis.date(latest.date())
        problems.append(
            (value > limit, ibis.literal(f"{column.name}: '") + shown + "' is in the future")
        )
    return problems
