"""Loading a folder: the plan, the files skipped, each result as it lands."""

from __future__ import annotations

from pathlib import Path

import pytest

import segmint
from segmint.exceptions import InputError
from segmint.mart.ingest import IngestResult
from segmint.workflows import load

CUSTOMERS = "customer_id,signup_date\nc1,2024-01-01\nc2,2024-02-01\n"
ORDERS = "order_id,customer_id,order_ts,amount\nO1,c1,2024-03-01,20\nO2,c2,2024-03-02,5\n"


def test_a_folder_loads_parents_first_and_reports_each_file(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "orders.csv").write_text(ORDERS)
    (folder / "customers.csv").write_text(CUSTOMERS)
    (folder / "notes.txt").write_text("not a table")
    plan = load.plan_folder(folder)
    assert [table for table, _ in plan.files] == ["customers", "orders"]
    assert [p.name for p in plan.skipped] == ["notes.txt"]
    started: list[str] = []
    landed: list[IngestResult] = []
    with segmint.connect(tmp_path / "m.duckdb") as mart:
        results = load.load_folder(
            mart, plan, on_file=lambda path: started.append(path.name), on_loaded=landed.append
        )
        assert mart.count("orders") == 2
    assert started == ["customers.csv", "orders.csv"]
    assert landed == results and [r.rows_loaded for r in results] == [2, 2]


def test_a_folder_path_is_planned_on_the_way(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    with segmint.connect(tmp_path / "m.duckdb") as mart:
        assert [r.table for r in load.load_folder(mart, tmp_path)] == ["customers"]
        with pytest.raises(InputError, match="not a folder"):
            load.load_folder(mart, tmp_path / "missing")
