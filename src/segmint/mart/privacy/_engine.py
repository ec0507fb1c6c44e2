"""Small engine helpers the privacy modules share: statements over scratch tables, the clock.

Statements Ibis has no expression for (``DELETE``, ``UPDATE``) are sqlglot expressions
compiled for the engine's dialect, with every identifier quoted and every value either a
column of a scratch table (:mod:`segmint.mart.scratch`: written from Arrow, never from SQL
text) or a literal the code itself computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis.expr.types as ir
import sqlglot.expressions as sge

from segmint.mart.connection import Mart


def utcnow() -> dt.datetime:
    """The time now in UTC, naive (how the mart stores bookkeeping times)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def name_of(table: ir.Table) -> str:
    """The bare name of a (scratch) table, as unqualified SQL finds it."""
    name: str = table.op().name  # get_name() gives "temp.main.<name>" for scratch tables
    return name


def execute(mart: Mart, statement: sge.Expression, params: Sequence[object] = ()) -> int:
    """Run ``statement`` (a DELETE or UPDATE) with its ``?`` placeholders bound to
    ``params``; return the number of rows it changed."""
    found = mart.raw.execute(statement.sql(dialect="duckdb"), list(params)).fetchone()
    return int(found[0]) if found else 0


def bound() -> sge.Placeholder:
    """A ``?`` placeholder: values from people and files are bound, never written into SQL."""
    return sge.Placeholder()


def table_ref(name: str, alias: str | None = None) -> sge.Expression:
    """A quoted reference to the table ``name`` (mart or scratch), with an optional alias."""
    table = sge.Table(this=sge.to_identifier(name, quoted=True))
    return table.as_(alias, quoted=True) if alias else table


def column(name: str, table: str | None = None) -> sge.Column:
    """A quoted column reference."""
    return sge.column(name, table=table, quoted=True)


def in_scratch(
    value: sge.Expression, scratch_table: ir.Table, scratch_column: str
) -> sge.Expression:
    """``value IN (SELECT scratch_column FROM scratch_table)``."""
    return value.isin(query=select_column(name_of(scratch_table), scratch_column))


def select_column(table: str, name: str, where: sge.Expression | None = None) -> sge.Select:
    """``SELECT name FROM table [WHERE where]``."""
    query = sge.select(column(name)).from_(table_ref(table))
    return query.where(where) if where is not None else query


def update_from(
    mart: Mart,
    table: str,
    assignments: dict[str, sge.Expression],
    source: str,
    condition: sge.Expression,
) -> int:
    """``UPDATE table SET … FROM source AS s WHERE condition``; the number of rows changed.

    Refer to the source's columns as ``column(name, "s")``, to the table's as
    ``column(name, table)``.
    """
    statement = sge.Update(
        this=table_ref(table),
        expressions=[sge.EQ(this=column(c), expression=v) for c, v in assignments.items()],
        from_=sge.From(this=table_ref(source, "s")),
        where=sge.Where(this=condition),
    )
    return execute(mart, statement)


def delete_where(
    mart: Mart, table: str, condition: sge.Expression, params: Sequence[object] = ()
) -> int:
    """``DELETE FROM table WHERE condition`` (placeholders bound to ``params``); the number
    of rows deleted."""
    return execute(mart, sge.delete(table_ref(table), where=condition), params)


def columns_of(mart: Mart, table: str) -> list[str]:
    """Column names of the mart table ``table``."""
    return list(mart.table(table).columns)


def mart_tables(mart: Mart) -> list[str]:
    """Tables of the mart's own catalogue (not scratch tables, not views over files)."""
    rows = mart.raw.execute(
        "SELECT table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary "
        "ORDER BY table_name"
    ).fetchall()
    return [str(r[0]) for r in rows]
