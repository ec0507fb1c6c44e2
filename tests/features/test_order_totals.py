"""The orders' totals the loads keep: equal to the lines' sums after any appends, read only
while they match the mart, and what purchases are read from.

The property test draws the loads of ``test_incremental`` (orders and lines files, lines in
a load of their own, transactions files whose returns are booked on earlier orders) and
checks the kept table against the totals worked out in pandas from the two tables, and the
purchases read from it against those read by summing the lines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segmint
from segmint.features import order_totals
from segmint.features.orders import purchase_values
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions
from segmint.mart.schema import DERIVED_KEYS
from segmint.workflows.load import ingest as load_file
from segmint.workflows.load import load_folder

from .test_incremental import D1, append, base_mart, batches

CUSTOMERS_CSV = (
    "customer_id,signup_date\nc1,2023-06-01\nc2,2023-06-01\nc3,2023-06-01\nc4,2024-03-01\n"
)
PRODUCTS_CSV = "product_id,category\np1,books\np2,games\n"
ORDERS_CSV = (
    "order_id,customer_id,order_ts,channel,status\n"
    "o1,c1,2024-01-02,web,completed\no2,c1,2024-02-03,store,cancelled\n"
    "o3,c2,2024-02-10,,\no4,c3,2024-03-01,app,returned\n"
)
LINES_CSV = (
    "order_id,line_no,product_id,quantity,unit_price,discount\n"
    "o1,1,p1,2,10.0,1.5\no1,2,p2,1,4.0,\no2,1,p1,1,10.0,\no4,1,p2,-1,4.0,\n"
)
MORE_ORDERS_CSV = "order_id,customer_id,order_ts\no5,c2,2024-03-30\no6,c4,2024-03-31\n"
MORE_LINES_CSV = "order_id,line_no,quantity,unit_price\no5,1,3,2.0\no6,1,1,7.5\no6,2,1,2.5\n"


def load_files(mart: Mart, folder: Path, files: dict[str, str]) -> None:
    """Write each ``table: text`` as ``table.csv`` and load it, the customers first."""
    for table, text in {"customers": CUSTOMERS_CSV, "products": PRODUCTS_CSV, **files}.items():
        path = folder / f"{table}.csv"
        path.write_text(text, encoding="utf-8")
        result = load_file(mart, table.removeprefix("more_"), path)
        assert result.rows_quarantined == 0, result


def worked_out(mart: Mart) -> pd.DataFrame:
    """Every order's total and number of lines, summed in pandas from the two tables."""
    orders = mart.table("orders").to_pandas()
    lines = mart.table("order_lines").to_pandas()
    lines["value"] = lines.quantity * lines.unit_price - lines.discount.fillna(0.0)
    sums = lines.groupby("order_id").agg(net=("value", "sum"), lines=("value", "size"))
    joined = orders.merge(sums, on="order_id", how="left")
    columns = ["order_id", "customer_id", "order_ts", "channel", "status", "net", "lines"]
    return _sorted(joined[columns])


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values("order_id", ignore_index=True)
    frame["lines"] = frame["lines"].astype("Float64")
    return frame


def kept_rows(mart: Mart) -> pd.DataFrame:
    totals = order_totals.kept(mart)
    assert totals is not None, "the totals do not match the mart"
    return _sorted(totals.to_pandas())


def purchases(mart: Mart, day: dt.date, **kwargs: Any) -> pd.DataFrame:
    return (
        purchase_values(mart, day, **kwargs).to_pandas().sort_values("order_id", ignore_index=True)
    )


def method(mart: Mart) -> str:
    keys = mart.table(DERIVED_KEYS.name)
    return str(keys.filter(keys.derived == "order_totals").method.execute().iloc[0])


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=batches(), how=st.sampled_from(["transactions", "files", "lines later"]))
def test_kept_totals_equal_the_lines_sums_after_any_appends(
    batch: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    how: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    history, appended = batch
    with base_mart(history) as mart:
        assert order_totals.keep(mart) == "full"
        pd.testing.assert_frame_equal(kept_rows(mart), worked_out(mart))
        append(mart, appended, how, tmp_path_factory.mktemp("append"))
        day = D1 + dt.timedelta(days=40)
        summed = purchases(mart, day)  # the totals no longer match: the lines are summed
        assert order_totals.kept(mart) is None or how == "transactions"
        done = order_totals.keep(mart)
        pd.testing.assert_frame_equal(kept_rows(mart), worked_out(mart))
        pd.testing.assert_frame_equal(purchases(mart, day), summed)
        if how != "transactions":  # new orders only, with their lines
            assert done == "incremental"


def test_purchases_are_read_from_the_totals_without_the_lines(
    empty_mart: Mart, tmp_path: Path
) -> None:
    load_files(empty_mart, tmp_path, {"orders": ORDERS_CSV, "order_lines": LINES_CSV})
    day = dt.date(2024, 3, 31)
    customers = ibis.memtable({"customer_id": ["c1", "c3"]})
    since = dt.datetime(2024, 1, 3)
    read = purchase_values(empty_mart, day, customers, since)
    assert "order_lines" not in str(ibis.to_sql(read))
    assert read.to_pandas().set_index("order_id").net.to_dict() == {"o4": -4.0}
    frame = purchases(empty_mart, day)
    assert frame.order_id.tolist() == ["o1", "o3", "o4"]  # o2 is cancelled
    assert frame.net.tolist() == [22.5, 0.0, -4.0]  # o3 has no lines: worth 0


def test_a_load_appends_the_new_orders_and_one_reaching_old_orders_totals_them_again(
    empty_mart: Mart, tmp_path: Path
) -> None:
    load_files(empty_mart, tmp_path, {"orders": ORDERS_CSV})
    assert method(empty_mart) == "incremental"  # the customers' load totalled no order
    load_files(empty_mart, tmp_path, {"order_lines": LINES_CSV})
    assert method(empty_mart) == "full"  # the lines belong to orders already totalled
    load_files(empty_mart, tmp_path, {"more_orders": MORE_ORDERS_CSV})
    assert method(empty_mart) == "incremental"
    load_files(empty_mart, tmp_path, {"more_order_lines": MORE_LINES_CSV})
    assert method(empty_mart) == "full"
    pd.testing.assert_frame_equal(kept_rows(empty_mart), worked_out(empty_mart))
    assert kept_rows(empty_mart).set_index("order_id").loc["o6", ["net", "lines"]].tolist() == [
        10.0,
        2,
    ]


SALES = (
    "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
    "S1,c1,2024-01-01,p1,3,10\nS1,c1,2024-01-01,p2,1,4\nS2,c2,2024-01-02,p1,1,10\n"
)
MORE_SALES = (
    "order_id,customer_id,order_ts,product_id,quantity,unit_price\nS3,c2,2024-01-03,p2,2,4\n"
)
RETURNS = (  # R1 returns S2 in full: S2 is cancelled, a line of this load is booked on it
    "order_id,customer_id,order_ts,product_id,quantity,unit_price\nR1,c2,2024-01-06,p1,-1,10\n"
)


def test_transactions_files_of_new_orders_are_appended_and_returns_on_old_ones_total_again(
    empty_mart: Mart, tmp_path: Path
) -> None:
    for name, text in (("sales", SALES), ("more", MORE_SALES), ("returns", RETURNS)):
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    load_file(empty_mart, "transactions", tmp_path / "sales.csv")
    load_file(empty_mart, "transactions", tmp_path / "more.csv")
    assert method(empty_mart) == "incremental"
    loaded = load_file(empty_mart, "transactions", tmp_path / "returns.csv")
    assert loaded.written["orders updated"] == 1
    assert method(empty_mart) == "full"
    pd.testing.assert_frame_equal(kept_rows(empty_mart), worked_out(empty_mart))
    assert kept_rows(empty_mart).set_index("order_id").status.to_dict()["S2"] == "cancelled"


def test_totals_that_no_longer_match_are_not_read_until_kept_again(
    empty_mart: Mart, tmp_path: Path
) -> None:
    load_files(empty_mart, tmp_path, {"orders": ORDERS_CSV, "order_lines": LINES_CSV})
    assert order_totals.kept(empty_mart) is not None
    empty_mart.delete("order_lines", order_id="o1")  # written around the loads
    assert order_totals.kept(empty_mart) is None
    day = dt.date(2024, 3, 31)
    assert purchases(empty_mart, day).net.tolist() == [0.0, 0.0, -4.0]
    assert order_totals.keep(empty_mart) == "full"
    assert order_totals.keep(empty_mart) == "fresh"
    pd.testing.assert_frame_equal(kept_rows(empty_mart), worked_out(empty_mart))


def test_a_dry_run_and_a_read_only_mart_leave_the_totals_alone(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    for name, text in (("customers", CUSTOMERS_CSV), ("orders", ORDERS_CSV)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    path = tmp_path / "mart.duckdb"
    dry = IngestOptions(dry_run=True)
    with segmint.connect(path) as mart:
        load_file(mart, "customers", folder / "customers.csv", dry)
        load_folder(mart, folder, dry)
        assert not mart.has_table("order_totals")  # a dry run writes nothing, totals neither
        load_folder(mart, folder)
        assert mart.count("order_totals") == 4
        mart.delete("orders", order_id="o1")
    with segmint.connect(path, read_only=True) as mart:
        assert order_totals.keep(mart) == "fresh"
        assert order_totals.kept(mart) is None
        assert mart.count("order_totals") == 4
