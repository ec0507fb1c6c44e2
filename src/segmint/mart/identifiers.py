"""Names spliced into the few SQL statements written as text (DuckDB's ``ATTACH``,
``COPY FROM DATABASE``, ``DESCRIBE`` and the serving lookups): always as quoted
identifiers, so a name can never be read as SQL."""

from __future__ import annotations

import sqlglot.expressions as sge


def quoted(name: str) -> str:
    """``name`` (a table, column or database name) as a quoted DuckDB identifier: in
    double quotes, a double quote in it doubled."""
    return str(sge.to_identifier(name, quoted=True).sql(dialect="duckdb"))
