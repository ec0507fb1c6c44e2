"""Loading a folder: files matched to tables by name, parents first, the rest listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.mart.folder import files_to_load
from segmint.mart.ingest import ingest
from segmint.mart.targets import LOAD_ORDER

from .conftest import CUSTOMERS_CSV, write


def _touch(folder: Path, *names: str) -> None:
    for name in names:
        write(folder / name, "x\n1\n")


def test_files_come_parents_first_whatever_their_names_sort_to(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "order_lines.jsonl",
        "orders.csv.gz",
        "transactions.txt",
        "customers.parquet",
        "campaign_members.csv",
        "campaigns.csv",
        "products.tsv",
    )
    plan, unmatched = files_to_load(tmp_path)
    assert [table for table, _ in plan] == [
        "customers",
        "products",
        "transactions",
        "orders",
        "order_lines",
        "campaigns",
        "campaign_members",
    ]
    assert plan[0] == ("customers", tmp_path / "customers.parquet")
    assert unmatched == []
    tables = [t for t, _ in plan if t != "transactions"]
    assert tables == [t for t in LOAD_ORDER if t in tables]


def test_unmatched_and_hidden_files_are_not_loaded(tmp_path: Path) -> None:
    _touch(tmp_path, "orders.csv", "notes.txt", "orders_2023.csv", ".orders.csv.swp")
    (tmp_path / "customers").mkdir()
    plan, unmatched = files_to_load(tmp_path)
    assert plan == [("orders", tmp_path / "orders.csv")]
    assert [p.name for p in unmatched] == ["notes.txt", "orders_2023.csv"]


def test_two_files_for_one_table_is_an_error(tmp_path: Path) -> None:
    _touch(tmp_path, "orders.csv", "orders.parquet")
    with pytest.raises(
        InputError, match=r"two files for table orders: orders\.csv and orders\.parquet"
    ):
        files_to_load(tmp_path)


def test_a_folder_without_table_files_is_an_error(tmp_path: Path) -> None:
    _touch(tmp_path, "readme.md")
    with pytest.raises(
        InputError, match=r"no file is named after a mart table \(e\.g\. orders\.csv"
    ):
        files_to_load(tmp_path)


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", "x\n")
    with pytest.raises(InputError, match=r"orders\.csv: not a folder"):
        files_to_load(path)


def test_loading_the_plan_resolves_references(mart: Mart, tmp_path: Path) -> None:
    write(
        tmp_path / "orders.csv",
        "order_id,customer_id,order_ts\no1,c1,2024-01-01\no2,c2,2024-01-02\n",
    )
    write(tmp_path / "customers.csv", CUSTOMERS_CSV)
    write(
        tmp_path / "order_lines.csv", "order_id,line_no,quantity,unit_price\no1,1,1,9.5\no2,1,2,3\n"
    )
    plan, _ = files_to_load(tmp_path)
    results = [ingest(mart, table, path) for table, path in plan]
    assert [r.rows_quarantined for r in results] == [0, 0, 0]
    assert [r.rows_loaded for r in results] == [3, 2, 2]
