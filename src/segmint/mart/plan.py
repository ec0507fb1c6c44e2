"""What a load will do, worked out before anything is written.

A :class:`LoadPlan` holds, as engine expressions over temporary tables, the rows each
mart table will receive, the rows that go to quarantine and how many source rows were
duplicates. :mod:`segmint.mart.ingest` builds plans and applies them in one transaction.
The helpers here are shared by plain table loads and flat transaction files.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import ibis

from segmint.mart import sql_functions as fn
from segmint.mart.columns import ColumnUse
from segmint.mart.connection import Mart
from segmint.mart.load_scratch import working_table
from segmint.mart.validation import REASON, ROW

_counter = itertools.count()


@dataclass(frozen=True)
class Update:
    """Columns of existing rows of ``table`` to change, keyed by ``key``.

    Attributes:
        table: the mart table.
        key: its key column.
        columns: the columns written.
        rows: a temporary table of ``key`` and ``columns``; NULL leaves a value as it is.
        overwrite: replace the value (``set``); else only an empty value is filled.
    """

    table: str
    key: str
    columns: tuple[str, ...]
    rows: ibis.Table
    overwrite: bool = False

    def size(self) -> int:
        """Rows of ``table`` this update changes."""
        return count(self.rows)


@dataclass
class LoadPlan:
    """Rows to write for one load.

    Attributes:
        inserts: (mart table, rows to insert) in the order they must be written.
        quarantine: rejected source rows: ``_row``, ``reason``, ``raw``.
        n_loaded: source rows that were loaded.
        n_duplicate: source rows whose key was already present.
        ignored_columns: file columns that no mart column uses.
        columns: where every file column went (:class:`segmint.mart.columns.ColumnUse`).
        notes: anything else the load wants the user to know (returns matched…).
        updates: values given to rows already in the mart (:mod:`segmint.mart.updates`),
            applied after the inserts.
    """

    inserts: list[tuple[str, ibis.Table]] = field(default_factory=list)
    quarantine: list[ibis.Table] = field(default_factory=list)
    n_loaded: int = 0
    n_duplicate: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    columns: list[ColumnUse] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)


def temp(mart: Mart, expr: ibis.Table, prefix: str = "_segmint_tmp") -> ibis.Table:
    """Materialise ``expr`` as a temporary table (dropped with the connection)."""
    return mart.create_table(f"{prefix}_{next(_counter)}", expr, temp=True)


def working(mart: Mart, expr: ibis.Table) -> ibis.Table:
    """Materialise ``expr``, a file's checked rows, compressed in the load's scratch
    database (:mod:`segmint.mart.load_scratch`): the large copy a load reads many times."""
    return working_table(mart, f"_segmint_work_{next(_counter)}", expr)


def count(expr: ibis.Table) -> int:
    """Number of rows of ``expr``."""
    return int(expr.count().execute())


def rejected(checked: ibis.Table, stage: ibis.Table) -> ibis.Table:
    """Rows of ``checked`` with a reason, with their raw content from ``stage`` as JSON."""
    bad = checked.filter(checked[REASON].notnull()).select(ROW, REASON)
    raw_columns = [c for c in stage.columns if c != ROW]
    joined = bad.inner_join(stage, ROW)
    return joined.select(
        _row=joined[ROW],
        reason=joined[REASON],
        # to_json yields the engine's JSON type; as text it unions with reader rejects' raw lines.
        raw=fn.to_json(ibis.struct({c: joined[c] for c in raw_columns}))
        .cast("json")
        .cast("string"),
    )


def add_reason(
    rows: ibis.Table, condition: ibis.BooleanValue, reason: ibis.StringValue
) -> ibis.Table:
    """Give rows that have no reason yet and meet ``condition`` the reason ``reason``."""
    current = rows[REASON]
    return rows.mutate(
        **{
            REASON: ibis.cases(
                (current.notnull(), current), (condition, reason), else_=ibis.null("string")
            )
        }
    )


def check_reference(
    rows: ibis.Table, column: str, parent: ibis.Table, parent_key: str, hint: str
) -> ibis.Table:
    """Reject rows whose non-null ``column`` is not a ``parent_key`` of ``parent``.

    ``parent_key`` must be unique in ``parent`` (mart keys are: ingestion enforces them).

    The reason names the column, the value, the parent table and ``hint`` (what to do).
    """
    keys = (
        parent.select(_ref_key=parent[parent_key]).distinct().mutate(_ref_found=ibis.literal(True))
    )
    joined = rows.left_join(keys, rows[column] == keys._ref_key)
    message = ibis.literal(f"unknown {column} '") + joined[column].cast("string") + f"': {hint}"
    flagged = add_reason(joined, joined[column].notnull() & joined._ref_found.isnull(), message)
    return flagged.drop("_ref_key", "_ref_found")


def key_label(rows: ibis.Table, key: tuple[str, ...]) -> ibis.StringValue:
    """``order_id=O1, line_no=2``: a row's key, for messages."""
    parts = [ibis.literal(f"{k}=") + rows[k].cast("string") for k in key]
    label: ibis.StringValue = ibis.literal(", ").join(parts)
    return label


def split_duplicates(
    mart: Mart, good: ibis.Table, key: tuple[str, ...], existing: ibis.Table, columns: list[str]
) -> tuple[ibis.Table, ibis.Table, int, int]:
    """Separate new rows from repeats, within the file and against the mart.

    Within the file the first row of a key wins; a later row with the same key is a
    duplicate when its content is identical and is rejected (with a reason pointing at the
    first row) when it differs. A key already in the mart is a duplicate.

    Returns:
        (new rows, rejected repeats with ``_row`` and ``_reason``, number of duplicates,
        number of new rows)
    """
    firsts = good.group_by(list(key)).aggregate(_first=good[ROW].min(), _n=good.count())
    repeated_keys = firsts.filter(firsts._n > 1)
    n_dup = 0
    conflicts = good.filter(ibis.literal(False)).select(ROW, REASON)
    if count(repeated_keys):
        involved = good.inner_join(repeated_keys, list(key))
        involved = involved.mutate(
            _h=fn.to_json(ibis.struct({c: involved[c] for c in columns})).hash()
        )
        first_h = involved.filter(involved[ROW] == involved._first).select(
            *key, _first_h=involved._h
        )
        later = involved.filter(involved[ROW] != involved._first).inner_join(first_h, list(key))
        later = temp(mart, later)
        n_dup += count(later.filter(later._h == later._first_h))
        conflicts = later.filter(later._h != later._first_h).select(
            _row=later[ROW],
            _reason=ibis.literal("duplicate key ")
            + key_label(later, key)
            + " with different content than row "
            + later._first.cast("string"),
        )
        good = good.anti_join(later.select(ROW), ROW)
    existing_keys = existing.select(*key)
    n_already = count(good.semi_join(existing_keys, list(key))) if count(existing) else 0
    new = good.anti_join(existing_keys, list(key)) if n_already else good
    return new, conflicts, n_dup + n_already, count(good) - n_already
