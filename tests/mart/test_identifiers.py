"""A name quoted by ``quoted`` is read by DuckDB as that name and nothing else."""

from __future__ import annotations

import duckdb
from hypothesis import given
from hypothesis import strategies as st

from segmint.mart.identifiers import quoted

NAMES = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1)


@given(NAMES)
def test_any_name_comes_back_as_the_column_it_named(name: str) -> None:
    con = duckdb.connect()
    relation = con.sql(f"SELECT 1 AS {quoted(name)}")
    assert relation.columns == [name]


def test_a_hostile_table_name_is_one_table_and_runs_nothing() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (id INTEGER)")
    hostile = 'x" (id INTEGER); DROP TABLE customers; --'
    con.execute(f"CREATE TABLE {quoted(hostile)} (id INTEGER)")
    names = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert names == {"customers", hostile}
