"""Reading results as Arrow and NumPy without pandas: the same values as Ibis's own
``execute()``, booleans unpacked from their bits at any offset, nulls refused; large
results as pandas frames equal to ``execute()``'s, nulls included."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from segmint.mart.fetch import arrow, detached, frame, numbers, rows, scalar, values


@pytest.fixture
def table() -> ibis.Table:
    con = ibis.duckdb.connect()
    return con.sql(
        "SELECT range AS i, range::DOUBLE * 0.5 AS f, range % 3 = 0 AS b, 'c' || range AS s, "
        "DATE '2025-01-01' + range::INT AS d FROM range(10)"
    )


def test_values_match_execute(table: ibis.Table) -> None:
    assert scalar(table.i.sum()) == int(table.i.sum().execute()) == 45
    assert scalar(table.filter(table.i > 99).i.max()) is None
    assert values(table.order_by("i").s) == table.order_by("i").s.execute().tolist()
    first = rows(table.order_by("i").limit(1))[0]
    assert first == {"i": 0, "f": 0.0, "b": True, "s": "c0", "d": dt.date(2025, 1, 1)}
    assert arrow(table).num_rows == 10


def test_frame_equals_execute_with_nulls() -> None:
    con = ibis.duckdb.connect()
    table = con.sql(
        "SELECT 'c' || range AS customer_id, "
        "CASE WHEN range % 3 = 0 THEN NULL ELSE range END AS n, "
        "CASE WHEN range % 4 = 0 THEN NULL ELSE range * 0.5 END AS f, "
        "CASE WHEN range % 5 = 0 THEN NULL ELSE 'v' || (range % 2) END AS s, "
        "range AS i FROM range(50)"
    ).order_by("customer_id")
    expected = table.execute()
    found = frame(table)
    pd.testing.assert_frame_equal(found, expected)
    assert found["n"].isna().sum() == 17
    assert found["s"].isna().sum() == 10
    shuffled = table.order_by(ibis.random())
    pd.testing.assert_frame_equal(frame(shuffled, sort_by="customer_id"), expected)


def test_numbers_reads_numbers_and_booleans(table: ibis.Table) -> None:
    frame = arrow(table.order_by("i"))
    np.testing.assert_array_equal(numbers(frame["i"]), np.arange(10))
    np.testing.assert_array_equal(numbers(frame["f"]), np.arange(10) * 0.5)
    np.testing.assert_array_equal(numbers(frame["b"]), np.arange(10) % 3 == 0)


@pytest.mark.parametrize("offset", [0, 1, 3, 7, 9])
def test_booleans_at_any_offset_and_over_chunks(offset: int) -> None:
    flags = np.random.default_rng(offset).random(37) < 0.5
    bits = pa.chunked_array([pa.array(flags[:20]), pa.array(flags[20:])]).slice(offset)
    np.testing.assert_array_equal(numbers(bits), flags[offset:])


def test_numbers_refuses_nulls() -> None:
    with pytest.raises(ValueError, match="nulls"):
        numbers(pa.chunked_array([pa.array([1.0, None])]))


def test_reading_loads_no_pandas() -> None:
    code = (
        "import sys, ibis\n"
        "from segmint.mart.fetch import arrow, numbers, scalar\n"
        "t = ibis.duckdb.connect().sql('SELECT range AS i, range % 2 = 0 AS b FROM range(5)')\n"
        "frame = arrow(t); numbers(frame['i']); numbers(frame['b']); scalar(t.i.max())\n"
        "print('pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_a_detached_column_holds_none_of_its_batchs_memory() -> None:
    con = ibis.duckdb.connect()
    wide = ibis.memtable({"id": [f"c{i}" for i in range(5000)], "x": np.arange(5000.0)})
    batch = next(iter(con.to_pyarrow_batches(wide, chunk_size=5000)))
    column = pa.Table.from_batches([batch]).column("id")
    before = pa.total_allocated_bytes()
    copy = detached(column, pa.string())
    # the engine's batch is not in pyarrow's pool; the copy is, whole, in buffers of its own
    assert pa.total_allocated_bytes() - before >= copy.nbytes
    held = {(b.address, b.size) for c in column.chunks for b in c.buffers() if b is not None}
    for buffer in copy.buffers():
        assert buffer is None or all(not a <= buffer.address < a + size for a, size in held), (
            "shares the batch's memory"
        )
    assert copy.type == pa.string() and copy.to_pylist() == column.to_pylist()
    assert detached(pa.chunked_array([], pa.string()), pa.string()).to_pylist() == []
