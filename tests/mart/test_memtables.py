"""Writing Python rows leaves nothing registered with a long-lived connection."""

from __future__ import annotations

from collections.abc import Callable

import ibis
import pyarrow as pa

import segmint
from segmint.mart import Mart

NOTES = ibis.schema({"n": "int64", "text": "string"})


def test_repeated_inserts_of_python_rows_leave_the_connection_as_it_was(
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    with segmint.connect(":memory:") as mart:
        mart.create_table("notes", schema=NOTES)
        before = engine_objects(mart)
        for n in range(3):
            mart.insert("notes", pa.table({"n": [n], "text": ["arrow"]}))
            mart.insert("notes", ibis.memtable({"n": [n], "text": ["memtable"]}))
            rows = ibis.memtable({"n": [n, n + 10]}).mutate(text=ibis.literal("expression"))
            mart.insert("notes", rows.filter(rows.n < 10))
        assert engine_objects(mart) == before
        assert mart.count("notes") == 9


def test_a_table_made_from_python_rows_leaves_them_unregistered(
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    with segmint.connect(":memory:") as mart:
        before = engine_objects(mart)
        for n in range(3):
            rows = ibis.memtable({"n": [n]}).mutate(text=ibis.literal("x"))
            mart.create_table("notes", rows)
        assert engine_objects(mart) == before
        assert mart.table("notes").n.to_list() == [2]


def test_rows_inserted_once_can_still_be_read_and_inserted_again() -> None:
    with segmint.connect(":memory:") as mart:
        mart.create_table("notes", schema=NOTES)
        rows = ibis.memtable({"n": [1, 2], "text": ["a", "b"]})
        mart.insert("notes", rows)
        assert mart.con.execute(rows.count()) == 2  # registered again when read
        mart.insert("notes", rows)
        assert mart.count("notes") == 4


def test_rows_read_in_a_reading_block_leave_the_connection_as_it_was(
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    with segmint.connect(":memory:") as mart:
        mart.create_table("notes", ibis.memtable({"n": [1, 2, 3], "text": ["a", "b", "c"]}))
        before = engine_objects(mart)
        for n in range(3):
            wanted = ibis.memtable({"n": [n, n + 1]})
            mine = mart.table("notes").semi_join(wanted, "n")
            with mart.reading(mine):
                assert mine.count().to_pyarrow().as_py() == 2 - (n == 0)
        assert engine_objects(mart) == before
        assert mine.count().to_pyarrow().as_py() == 2  # registered again when read again
