"""Loads as a whole: reconciled row for row, atomic (also when killed), and idempotent."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segmint
from segmint.mart import TABLES, Mart
from segmint.mart.ingest import ingest

from .conftest import CUSTOMERS_CSV, column, counts, load, quarantine, write

# ---------------------------------------------------------------- reconciliation property

BAD_KINDS = {
    "missing customer": "missing customer_id",
    "unknown customer": "unknown customer_id 'c404'",
    "bad timestamp": "order_ts: cannot read '2024-13-45' as a timestamp",
    "future timestamp": "order_ts: '2999-01-01' is in the future",
    "bad status": "status: 'shipped' is not one of completed, returned, cancelled",
    "same key, other content": "with different content than row",
}
KINDS = ["good", "good", "identical repeat", "key in mart", *BAD_KINDS]


@st.composite
def order_files(draw: st.DrawFn) -> list[tuple[str, dict[str, str]]]:
    """Rows for an orders file, each with the kind of row it is meant to be."""
    rows: list[tuple[str, dict[str, str]]] = []
    for i, kind in enumerate(draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=25))):
        day = draw(st.dates(dt.date(2015, 1, 1), dt.date(2024, 12, 31)))
        good = {
            "order_id": f"n{i}",
            "customer_id": draw(st.sampled_from(["c1", "c2", "c3"])),
            "order_ts": f"{day.isoformat()} {draw(st.integers(0, 23)):02d}:00",
            "status": draw(st.sampled_from(["", "completed", "Returned", "cancelled"])),
        }
        earlier = [row for k, row in rows if k == "good"]
        if kind in ("identical repeat", "same key, other content") and not earlier:
            kind = "good"
        row = dict(good)
        if kind == "identical repeat":
            row = dict(draw(st.sampled_from(earlier)))
        elif kind == "same key, other content":
            first = draw(st.sampled_from(earlier))
            row = dict(first, customer_id="c2" if first["customer_id"] != "c2" else "c3")
        elif kind == "key in mart":
            row = {"order_id": "o1", "customer_id": "c1", "order_ts": "2024-01-05", "status": ""}
        elif kind == "missing customer":
            row["customer_id"] = ""
        elif kind == "unknown customer":
            row["customer_id"] = "c404"
        elif kind == "bad timestamp":
            row["order_ts"] = "2024-13-45"
        elif kind == "future timestamp":
            row["order_ts"] = "2999-01-01"
        elif kind == "bad status":
            row["status"] = "shipped"
        rows.append((kind, row))
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["order_id", "customer_id", "order_ts", "status"])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=order_files())
def test_every_row_is_loaded_duplicate_or_quarantined_with_its_content(
    shop_template: Path, rows: list[tuple[str, dict[str, str]]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copyfile(shop_template, Path(folder) / "mart.duckdb")
        with segmint.connect(Path(folder) / "mart.duckdb") as mart:
            path = _write_csv(Path(folder) / "orders.csv", [row for _, row in rows])
            result = load(mart, "orders", path)
            rejected = {r["row_number"]: r for r in quarantine(mart)}
            orders = set(column(mart, "orders", "order_id"))

    assert result.reconciles
    assert result.rows_read == len(rows)
    bad = {n: kind for n, (kind, _) in enumerate(rows, start=1) if kind in BAD_KINDS}
    assert sorted(rejected) == sorted(bad)
    for n, kind in bad.items():
        assert BAD_KINDS[kind] in rejected[n]["reason"]
        raw = {k: (v or None) for k, v in rows[n - 1][1].items()}
        assert rejected[n]["raw_json"] == raw
        assert rejected[n]["source"] == str(path)
    assert result.rows_duplicate == sum(k in ("identical repeat", "key in mart") for k, _ in rows)
    good = {row["order_id"] for kind, row in rows if kind == "good"}
    assert orders == good | {"o1"}
    assert result.rows_loaded == len(good)


# ---------------------------------------------------------------- atomicity

TRANSACTIONS_CSV = (
    "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
    "A1,c1,2024-02-01,p1,2,1.50\n"
    "A1,c1,2024-02-01,p9,1,4.00\n"
    "A2,c8,2024-02-02,p9,1,4.00\n"
    "A3,,2024-02-02,p9,1,4.00\n"
)


def test_failure_while_recording_the_load_rolls_everything_back(
    shop: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = counts(shop)
    path = write(tmp_path / "transactions.csv", TRANSACTIONS_CSV)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("segmint.mart.ingest._record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        load(shop, "transactions", path)
    assert counts(shop) == before


def test_failure_after_the_first_insert_rolls_everything_back(
    shop: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = counts(shop)
    path = write(tmp_path / "transactions.csv", TRANSACTIONS_CSV)
    insert = shop.con.insert
    done: list[str] = []

    def insert_once(name: str, rows: Any, **kwargs: Any) -> None:
        if done:
            raise RuntimeError(f"connection lost before inserting into {name}")
        insert(name, rows, **kwargs)
        done.append(name)

    monkeypatch.setattr(shop.con, "insert", insert_once)
    with pytest.raises(RuntimeError, match="connection lost"):
        load(shop, "transactions", path)
    assert len(done) == 1  # one table was written before the failure
    assert counts(shop) == before

    monkeypatch.undo()
    result = load(shop, "transactions", path)
    assert not result.already_loaded
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert counts(shop)["ingests"] == before["ingests"] + 1


def _product(product_id: str) -> ibis.Table:
    schema = TABLES["products"].ibis_schema()
    return (
        ibis.memtable({"product_id": [product_id], "ingest_id": [9]})
        .cast({"ingest_id": "int64"})
        .select(
            *[
                c if c in ("product_id", "ingest_id") else ibis.null(schema[c]).name(c)
                for c in schema
            ]
        )
    )


def test_transaction_block_commits_whole_or_not_at_all(shop: Mart) -> None:
    with pytest.raises(KeyError), shop.transaction():
        shop.con.insert("products", _product("p2"))
        assert shop.count("products") == 2
        raise KeyError("abort")
    assert column(shop, "products", "product_id") == ["p1"]
    with shop.transaction():
        shop.con.insert("products", _product("p3"))
    assert column(shop, "products", "product_id") == ["p1", "p3"]


KILL_SCRIPT = """
import sys
import segmint
from segmint.mart.ingest import ingest

with segmint.connect(sys.argv[1]) as mart:
    ingest(mart, "transactions", sys.argv[2], on_step=lambda s: print(s, flush=True))
    print("done", flush=True)
"""


@pytest.mark.slow
def test_a_load_killed_midway_leaves_the_mart_as_before_or_complete(tmp_path: Path) -> None:
    n_rows = 400_000
    big = tmp_path / "transactions.csv"
    with segmint.connect(":memory:", create=False) as engine:
        i = ibis.range(n_rows).unnest().name("i").as_table()
        rows = i.select(
            order_id="o" + (i.i // 3).cast("string"),
            customer_id="c" + (i.i // 30).cast("string"),
            order_ts=ibis.timestamp("2020-01-01 00:00:00") + (i.i // 3).as_interval("s"),
            product_id="p" + (i.i % 500).cast("string"),
            quantity=(i.i % 5) + 1,
            unit_price=((i.i % 97) + 1) * 0.5,
        )
        engine.con.to_csv(rows, big)
    path = tmp_path / "mart.duckdb"
    with segmint.connect(path) as mart:
        load(mart, "customers", write(tmp_path / "customers.csv", CUSTOMERS_CSV))
        before = counts(mart)

    process = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(path), str(big)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "SEGMINT_THREADS": "2"},
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() in ("writing", "done"):
            break
    time.sleep(0.2)  # inside the writing transaction
    process.send_signal(signal.SIGKILL)
    process.wait()

    with segmint.connect(path) as mart:
        after = counts(mart)
    if after == before:
        return  # killed inside the transaction: nothing of the load landed
    customers = {f"c{i // 30}" for i in range(n_rows)} | {"c1", "c2", "c3"}
    assert after == dict(
        before,
        order_lines=n_rows,
        orders=(n_rows + 2) // 3,
        products=500,
        customers=len(customers),
        ingests=before["ingests"] + 1,
    )


# ---------------------------------------------------------------- idempotence

ORDERS_CSV = "order_id,customer_id,order_ts\no2,c1,2024-02-01\no3,c2,2024-02-02\no4,c9,2024-02-03\n"


def test_the_same_file_twice_adds_nothing(shop: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", ORDERS_CSV)
    first = load(shop, "orders", path)
    after_first = counts(shop)
    second = load(shop, "orders", path)  # c9 rejected again: a duplicate of its entry
    assert (first.rows_loaded, first.rows_quarantined, first.already_loaded) == (2, 1, False)
    assert second.already_loaded
    assert second.reconciles
    assert (second.rows_read, second.rows_loaded, second.rows_duplicate) == (3, 0, 3)
    assert second.rows_quarantined == 0
    assert second.ingest_id == first.ingest_id + 1
    assert "this file was loaded before; nothing added" in second.summary()
    assert counts(shop) == dict(after_first, ingests=after_first["ingests"] + 1)


def test_a_file_whose_rows_were_quarantined_is_read_again(shop: Mart, tmp_path: Path) -> None:
    # The advice of a load that quarantined rows is to load the file again once the cause
    # is fixed: here the customer c9 is loaded, then the same orders file again.
    path = write(tmp_path / "orders.csv", ORDERS_CSV)
    first = load(shop, "orders", path)
    assert (first.rows_loaded, first.rows_quarantined) == (2, 1)
    same = load(shop, "orders", path)  # nothing changed: not read again, nothing stored
    assert same.already_loaded and same.reconciles
    assert (same.rows_loaded, same.rows_duplicate, same.rows_quarantined) == (0, 3, 0)
    assert "not read again" in " ".join(same.notes)
    assert len(quarantine(shop)) == 1
    load(shop, "customers", write(tmp_path / "more.csv", "customer_id,country\nc9,FR\n"))
    fixed = load(shop, "orders", path)
    assert not fixed.already_loaded and fixed.reconciles
    assert (fixed.rows_loaded, fixed.rows_duplicate, fixed.rows_quarantined) == (1, 2, 0)
    assert load(shop, "orders", path).already_loaded  # every row in now: nothing to add


def test_a_date_format_given_after_a_load_reads_the_quarantined_rows(
    shop: Mart, tmp_path: Path
) -> None:
    # 31.02 is no date in any format, so the column's format is not guessed
    text = "order_id,customer_id,order_ts\no7,c1,03.01.2024\no8,c2,31.02.2024\n"
    path = write(tmp_path / "orders.csv", text)
    first = load(shop, "orders", path)
    assert (first.rows_loaded, first.rows_quarantined) == (0, 2)
    again = load(shop, "orders", path, date_formats=("%d.%m.%Y",))
    assert (again.rows_loaded, again.rows_quarantined, again.already_loaded) == (1, 0, False)
    assert again.rows_duplicate == 1 and "1 row was rejected again" in " ".join(again.notes)
    assert "o7" in column(shop, "orders", "order_id")
    assert "o8" not in column(shop, "orders", "order_id")


def test_the_same_bytes_under_another_name_are_recognised(shop: Mart, tmp_path: Path) -> None:
    load(shop, "orders", write(tmp_path / "orders.csv", ORDERS_CSV))
    again = load(shop, "orders", write(tmp_path / "copy-of-orders.csv", ORDERS_CSV))
    assert again.already_loaded


def test_the_same_file_into_another_table_is_a_new_load(shop: Mart, tmp_path: Path) -> None:
    text = "customer_id,country\nc1,UK\nc7,ES\n"
    path = write(tmp_path / "people.csv", text)
    load(shop, "customers", path)
    other = load(shop, "customer_pii", path, mapping={})
    assert not other.already_loaded
    assert (other.rows_loaded, other.rows_quarantined) == (2, 0)  # c7 was loaded a moment ago
    assert other.ignored_columns == ("country",)


def test_overlapping_keys_from_another_file_are_duplicates(shop: Mart, tmp_path: Path) -> None:
    load(shop, "orders", write(tmp_path / "jan.csv", ORDERS_CSV))
    text = "order_id,customer_id,order_ts\no3,c2,2024-02-02\no4,c3,2024-02-03\no5,c3,2024-02-04\n"
    result = load(shop, "orders", write(tmp_path / "feb.csv", text))
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (2, 1, 0)
    assert column(shop, "orders", "order_id") == ["o1", "o2", "o3", "o4", "o5"]


def test_each_load_is_recorded_with_its_counts(shop: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", ORDERS_CSV)
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    result = ingest(shop, "orders", path)
    record = shop.table("ingests").filter(lambda t: t.ingest_id == result.ingest_id).execute()
    row = record.iloc[0]
    assert (row.table_name, row.source) == ("orders", str(path))
    assert (row.rows_read, row.rows_loaded, row.rows_duplicate, row.rows_quarantined) == (
        3,
        2,
        0,
        1,
    )
    assert len(row.checksum) == 64
    assert start - dt.timedelta(seconds=1) <= row.started_at <= row.finished_at
    assert result.written == {"orders": 2}
    assert set(column(shop, "orders", "ingest_id")) == {3, result.ingest_id}


def test_steps_are_reported_in_order(shop: Mart, tmp_path: Path) -> None:
    steps: list[str] = []
    ingest(shop, "orders", write(tmp_path / "o.csv", ORDERS_CSV), on_step=steps.append)
    assert steps == ["checking the file", "reading", "validating", "writing"]


@pytest.mark.parametrize("good", [True, False])
def test_a_load_leaves_no_working_tables_behind(mart: Mart, tmp_path: Path, good: bool) -> None:
    before = set(mart.con.list_tables())
    text = "customer_id,birth_year\nc1,1980\nc2,abc\n" if good else "nothing,here\n1,2\n"
    path = write(tmp_path / "customers.csv", text)
    if good:
        assert load(mart, "customers", path).rows_read == 2
    else:
        with pytest.raises(segmint.SchemaError):
            load(mart, "customers", path)
    left = {t for t in set(mart.con.list_tables()) - before if not t.startswith("ibis_pandas")}
    assert left == set()


# ---------------------------------------------------------------- transactions with returns

T_FIELDS = ["order_id", "customer_id", "order_ts", "product_id", "quantity", "unit_price", "Tier"]
T_BAD = {
    "missing customer": "missing customer_id",
    "bad timestamp": "order_ts: cannot read",
    "negative price": "unit_price: negative value",
}


@st.composite
def transaction_files(draw: st.DrawFn) -> list[tuple[str, dict[str, str]]]:
    """Sales, returns (own documents with negative quantities) and bad rows, in any order."""
    rows: list[tuple[str, dict[str, str]]] = []
    kinds = ["sale", "sale", "return", *T_BAD]
    for i, kind in enumerate(draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=25))):
        day = draw(st.dates(dt.date(2020, 1, 1), dt.date(2020, 1, 20)))
        quantity = draw(st.integers(1, 4))
        row = {
            "order_id": f"S{draw(st.integers(0, 5))}" if kind != "return" else f"R{i}",
            "customer_id": draw(st.sampled_from(["c1", "c2", "c3"])),
            "order_ts": day.isoformat(),
            "product_id": draw(st.sampled_from(["p1", "p2"])),
            "quantity": str(-quantity if kind == "return" else quantity),
            "unit_price": draw(st.sampled_from(["1", "2.5", "4"])),
            "Tier": draw(st.sampled_from(["", "gold", "silver"])),
        }
        if kind == "sale":  # an order id belongs to one customer and one timestamp
            row["customer_id"] = f"c{int(row['order_id'][1:]) % 3 + 1}"
            row["order_ts"] = f"2020-01-{int(row['order_id'][1:]) + 1:02d}"
        elif kind == "missing customer":
            row["customer_id"] = ""
        elif kind == "bad timestamp":
            row["order_ts"] = "2020-02-31"
        elif kind == "negative price":
            row["unit_price"] = "-1"
        rows.append((kind, row))
    return rows


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=transaction_files())
def test_every_transaction_row_is_accounted_for_and_returns_keep_their_value(
    empty_template: Path, rows: list[tuple[str, dict[str, str]]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copyfile(empty_template, Path(folder) / "mart.duckdb")
        path = Path(folder) / "sales.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=T_FIELDS)
            writer.writeheader()
            writer.writerows(row for _, row in rows)
        with segmint.connect(Path(folder) / "mart.duckdb") as mart:
            result = load(mart, "transactions", path)
            rejected = {r["row_number"]: r["reason"] for r in quarantine(mart)}
            lines = mart.table("order_lines").join(mart.table("orders"), "order_id").execute()
            attributes = mart.table("customer_attributes").execute()

    assert result.reconciles and result.rows_read == len(rows) and result.rows_duplicate == 0
    assert sorted(u.column for u in result.columns) == sorted(T_FIELDS)
    bad = {n: kind for n, (kind, _) in enumerate(rows, start=1) if kind in T_BAD}
    assert sorted(rejected) == sorted(bad)
    assert all(T_BAD[kind] in rejected[n] for n, kind in bad.items())
    good = [row for kind, row in rows if kind not in T_BAD]
    # Returns move between orders of their own customer only, and keep their value.
    for customer in {"c1", "c2", "c3"}:
        mine = [r for r in good if r["customer_id"] == customer]
        expected = sum(float(r["quantity"]) * float(r["unit_price"]) for r in mine)
        booked = lines[lines.customer_id == customer]
        assert (booked.quantity * booked.unit_price).sum() == pytest.approx(expected)
    # No purchase is made only of returns.
    per_order = lines.groupby("order_id").agg(top=("quantity", "max"), status=("status", "first"))
    assert not ((per_order.top < 0) & per_order.status.isin(["completed", "returned"])).any()
    # The tier is each customer's history: a row per run of equal values by time (of rows
    # at one time the last in the file), dated by its first; the latest is the last value.
    for customer in {r["customer_id"] for r in good if r["Tier"]}:
        valued = [
            (r["order_ts"], i, r["Tier"])
            for i, r in enumerate(good)
            if r["customer_id"] == customer and r["Tier"]
        ]
        at_time = sorted({day: tier for day, _, tier in sorted(valued)}.items())
        runs = at_time[:1] + [now for was, now in pairwise(at_time) if now[1] != was[1]]
        held = attributes[attributes.customer_id == customer].sort_values("updated_at")
        dated = list(zip(held.updated_at.dt.strftime("%Y-%m-%d"), held.value, strict=True))
        assert dated == runs and dated[-1][1] == max(valued)[2]


def test_repeated_loads_of_new_files_leave_the_connection_as_it_was(
    shop: Mart, tmp_path: Path, engine_objects: Callable[[Mart], tuple[int, int]]
) -> None:
    """A load's Python rows (the empty list of quarantine entries it resolved, for a file
    never loaded) are not kept registered with a long-lived connection."""
    before = engine_objects(shop)
    for n in range(3):
        path = write(
            tmp_path / f"orders{n}.csv",
            f"order_id,customer_id,order_ts\nn{n},c1,2024-02-0{n + 1}\n",
        )
        assert load(shop, "orders", path).rows_loaded == 1
    assert engine_objects(shop) == before
