"""A table held sorted by customer id: rows found by binary search, exactly as the engine gives them."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from segmint.serving import sorted_table as sorted_table_module
from segmint.serving.compact_columns import DICTIONARY_BELOW, DICTIONARY_MOST
from segmint.serving.sorted_table import IN_PART, _pieces, regrouped_table, sorted_table

SQL = "SELECT customer_id, n, label FROM t ORDER BY customer_id, n"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (customer_id VARCHAR, n INTEGER, label VARCHAR)")
    con.execute(
        "INSERT INTO t VALUES ('b', 2, 'x'), ('a', 1, 'y'), ('b', 1, 'x'), ('c', 5, NULL), "
        "(NULL, 9, 'orphan'), ('Z', 3, 'x'), ('é', 4, 'x'), ('a''; drop table t; --', 7, 'q')"
    )
    return con


def test_rows_of_one_customer_in_order(con: duckdb.DuckDBPyConnection) -> None:
    table = sorted_table(con, SQL, [], ["customer_id", "n", "label"])
    assert table is not None
    assert table.rows("b") == [("b", 1, "x"), ("b", 2, "x")]
    assert table.rows("c") == [("c", 5, None)]
    assert table.rows("missing") == []
    assert table.rows("") == []


def test_hostile_and_non_ascii_ids_are_plain_keys(con: duckdb.DuckDBPyConnection) -> None:
    table = sorted_table(con, SQL, [], ["n"])
    assert table is not None
    assert table.rows("a'; drop table t; --") == [(7,)]
    assert table.rows("é") == [(4,)]
    assert table.rows("Z") == [(3,)]


def test_rows_out_of_byte_order_are_sorted_keeping_each_customers_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # insertion order: b 2, a 1, b 1, ...; a stable sort keeps b's rows as given
    table = sorted_table(con, "SELECT customer_id, n FROM t", [], ["n"])
    assert table is not None
    assert list(table.keys) == sorted(table.keys)
    assert table.rows("b") == [(2,), (1,)]
    assert table.rows("a") == [(1,)]


def test_null_ids_are_dropped(con: duckdb.DuckDBPyConnection) -> None:
    table = sorted_table(con, SQL, [], ["n", "label"])
    assert table is not None
    assert len(table.keys) == 6 and int(table.starts[-1]) == 7  # each id once, 7 rows
    assert all(row != (9, "orphan") for row in table.rows_of(["a", "b", "c", "Z", "é"]))


def test_rows_of_several_customers_keeps_the_order_asked(con: duckdb.DuckDBPyConnection) -> None:
    table = sorted_table(con, SQL, [], ["customer_id", "n"])
    assert table is not None
    assert table.rows_of(["c", "nobody", "a", "b"]) == [("c", 5), ("a", 1), ("b", 1), ("b", 2)]


def test_parameters_are_bound(con: duckdb.DuckDBPyConnection) -> None:
    sql = "SELECT customer_id, n FROM t WHERE n > $1 ORDER BY customer_id"
    table = sorted_table(con, sql, [4], ["n"])
    assert table is not None
    assert table.rows("c") == [(5,)]
    assert table.rows("a") == []


def test_inexact_types_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE m (customer_id VARCHAR, amount DECIMAL(18, 2))")
    assert sorted_table(con, "SELECT customer_id, amount FROM m", [], ["amount"]) is None


def test_dates_timestamps_booleans_and_doubles_come_out_as_python_values() -> None:
    con = duckdb.connect()
    sql = (
        "SELECT 'x' AS customer_id, DATE '2024-02-29' AS d, TIMESTAMP '2024-01-01 10:30:00' AS ts,"
        " true AS flag, 2.5::DOUBLE AS v, 9000000000::BIGINT AS big"
    )
    table = sorted_table(con, sql, [], ["d", "ts", "flag", "v", "big"])
    assert table is not None
    expected = (dt.date(2024, 2, 29), dt.datetime(2024, 1, 1, 10, 30), True, 2.5, 9_000_000_000)
    assert table.rows("x") == [expected]
    assert con.execute(sql).fetchall()[0][1:] == expected


def test_low_cardinality_text_is_dictionary_encoded() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE s AS SELECT lpad(i::VARCHAR, 4, '0') AS customer_id, "
        "CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END AS region, i::VARCHAR AS code "
        "FROM range(100) r(i)"
    )
    table = sorted_table(con, "SELECT * FROM s ORDER BY customer_id", [], ["region", "code"])
    assert table is not None
    region, code = table.arrays
    assert region is not None and code is not None
    assert pa.types.is_dictionary(region.type)  # 2 values in 100 rows
    assert not pa.types.is_dictionary(code.type)  # every value distinct
    assert DICTIONARY_BELOW * 100 > 2
    assert table.rows("0007") == [("south", "7")]
    assert table.nbytes > 0


def test_empty_result() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE e (customer_id VARCHAR, label VARCHAR)")
    table = sorted_table(con, "SELECT * FROM e", [], ["label"])
    assert table is not None
    assert table.rows("a") == []
    assert table.rows_of(["a", "b"]) == []


def test_few_distinct_values_of_any_type_are_a_dictionary_with_small_indices() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE f AS SELECT lpad(i::VARCHAR, 5, '0') AS customer_id, "
        "DATE '2025-01-01' + (i % 3)::INTEGER AS d, (i % 200) / 8.0 AS rate, "
        "(i % 1000)::BIGINT AS small, i::DOUBLE / 7 AS spread, "
        "CASE WHEN i % 5 = 0 THEN NULL ELSE i % 4 END::BIGINT AS sparse "
        "FROM range(3000) r(i)"
    )
    sql = "SELECT * FROM f ORDER BY customer_id"
    columns = ["d", "rate", "small", "spread", "sparse"]
    table = sorted_table(con, sql, [], columns)
    assert table is not None
    d, rate, small, spread, sparse = table.arrays
    assert d is not None and rate is not None and small is not None and spread is not None
    assert sparse is not None
    assert d.type == pa.dictionary(pa.int8(), pa.date32())  # 3 values
    assert rate.type == pa.dictionary(pa.int16(), pa.float64())  # 200 values
    assert small.type == pa.dictionary(pa.int16(), pa.int64())  # 1,000 values
    assert spread.type == pa.float64()  # every value distinct
    assert sparse.type == pa.dictionary(pa.int8(), pa.int64())
    expected = con.execute(f"SELECT {', '.join(columns)} FROM f ORDER BY customer_id").fetchall()
    assert [table.rows(f"{i:05d}")[0] for i in range(3000)] == expected


def test_many_whole_numbers_are_held_in_the_narrowest_type() -> None:
    con = duckdb.connect()
    most = DICTIONARY_MOST + 1
    con.execute(
        "CREATE TABLE w AS SELECT lpad(i::VARCHAR, 6, '0') AS customer_id, "
        "i::BIGINT AS n, (i * 100000)::BIGINT AS wide, -i::INTEGER AS negative "
        f"FROM range({2 * most}) r(i)"
    )
    table = sorted_table(con, "SELECT * FROM w ORDER BY customer_id", [], ["n", "wide", "negative"])
    assert table is not None
    n, wide, negative = table.arrays
    assert n is not None and wide is not None and negative is not None
    assert n.type == pa.int32() and wide.type == pa.int64() and negative.type == pa.int32()
    last = 2 * most - 1
    assert table.rows(f"{last:06d}") == [(last, last * 100000, -last)]


def test_most_keeps_each_customers_first_rows(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO t VALUES ('b', 3, 'x'), ('b', 0, 'y')")
    table = sorted_table(con, SQL, [], ["n"], most=2)
    assert table is not None
    assert table.rows("b") == [(0,), (1,)]  # the first two of b's four, in order
    assert table.rows("a") == [(1,)] and table.rows("c") == [(5,)]
    assert table.rows_of(["c", "b"]) == [(5,), (0,), (1,)]


def test_parts_read_ahead_come_back_in_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    piece = sorted_table_module._piece

    def first_slowest(cursor: duckdb.DuckDBPyConnection, *args: Any) -> Any:
        if args[1][0] is None:  # the first part: done after the others have started
            time.sleep(0.3)
        return piece(cursor, *args)

    monkeypatch.setattr(sorted_table_module, "_piece", first_slowest)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE q AS SELECT 'c' || lpad((i % 50)::VARCHAR, 2, '0') AS customer_id, "
        "i AS n FROM range(500) r(i)"
    )
    sql = f"SELECT customer_id, n FROM q WHERE {IN_PART} ORDER BY customer_id, n"
    parts: list[tuple[str | None, str | None]] = [
        (None, "c10"),
        ("c10", "c20"),
        ("c20", "c30"),
        ("c30", "c40"),
        ("c40", None),
    ]
    pieces = _pieces(con, sql, [], ["customer_id", "n"], ["n"], None, parts)
    firsts = [piece[0][0].decode() for piece in pieces]
    assert firsts == ["c00", "c10", "c20", "c30", "c40"]
    assert [len(piece[0]) for piece in pieces] == [10] * 5
    with pytest.raises(duckdb.Error):  # a part that fails fails the copy
        _pieces(
            con, sql.replace("FROM q", "FROM missing"), [], ["customer_id", "n"], ["n"], None, parts
        )


def test_parts_read_apart_are_the_table_read_whole() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE p AS SELECT 'c' || lpad((i % 97)::VARCHAR, 3, '0') AS customer_id, "
        "i AS n, CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END AS label, "
        "CASE WHEN i < 150 THEN i % 5 ELSE i * 1000 END::BIGINT AS grows "
        "FROM range(300) r(i)"
    )
    sql = f"SELECT customer_id, n, label, grows FROM p WHERE {IN_PART} ORDER BY customer_id, n"
    columns = ["n", "label", "grows"]
    whole = sorted_table(con, sql, [], columns, most=3, parts=[(None, None)])
    parted = sorted_table(
        con, sql, [], columns, most=3, parts=[(None, "c010"), ("c010", "c050"), ("c050", None)]
    )
    assert whole is not None and parted is not None
    assert list(parted.keys) == list(whole.keys) and list(parted.starts) == list(whole.starts)
    for i in range(97):
        assert parted.rows(f"c{i:03d}") == whole.rows(f"c{i:03d}")
    assert parted.rows("c010")[0] == (10, "b", 10 % 5)


def test_parts_cut_at_another_column_are_regrouped_latest_first() -> None:
    """Rows cut into parts by their own id, not the customer's: each customer's rows come
    from several parts and are put in the engine's order, latest first, nulls last, at most
    ``most`` of them."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE o AS SELECT 'o' || lpad(i::VARCHAR, 4, '0') AS order_id, "
        "'c' || lpad((i * 7 % 13)::VARCHAR, 2, '0') AS customer_id, "
        "CASE WHEN i % 11 = 0 THEN NULL "
        "ELSE TIMESTAMP '2025-01-01' + to_days((i * 37 % 211)::INTEGER) END AS ts, "
        "CASE WHEN i % 2 = 0 THEN 'web' ELSE 'store' END AS channel "
        "FROM range(200) r(i)"
    )
    in_range = "($1::VARCHAR IS NULL OR order_id >= $1) AND ($2::VARCHAR IS NULL OR order_id < $2)"
    sql = f"SELECT customer_id, order_id, ts, channel FROM o WHERE {in_range}"
    columns = ["order_id", "ts", "channel"]
    parts = [(None, "o0050"), ("o0050", "o0120"), ("o0120", None)]
    for most in (None, 4):
        table = regrouped_table(con, sql, [], columns, "ts", most, parts)
        assert table is not None and list(table.keys) == sorted(table.keys)
        for i in range(13):
            customer = f"c{i:02d}"
            expected = con.execute(
                "SELECT order_id, ts, channel FROM o WHERE customer_id = $1 "
                "ORDER BY ts DESC NULLS LAST, order_id LIMIT $2",
                [customer, most or 1000],
            ).fetchall()
            found = table.rows(customer)  # times are unique but for the missing ones
            assert [row[1] for row in found] == [row[1] for row in expected], customer
            assert sorted(found) == sorted(expected), customer
