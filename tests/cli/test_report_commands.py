"""``segmint report``: what a mart without orders is told, and how the written file is listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.mart import connect
from segmint.mart.privacy import list_exports

from .conftest import Segmint


@pytest.fixture
def no_orders(segmint_cli: Segmint, tmp_path: Path) -> Segmint:
    """``segmint`` on a mart with customers and no orders (a file of none is refused)."""
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,signup_date\nC1,2024-01-01\nC2,2024-02-01\n")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,order_ts\n")
    assert segmint_cli("ingest", "customers", customers).exit_code == 0
    assert "the file has no data rows" in segmint_cli("ingest", "orders", orders).stderr
    return segmint_cli


@pytest.mark.parametrize("extra", [[], ["--as-of", "2024-03-01"], ["--segmentation", "rfm"]])
def test_a_mart_without_orders_is_told_to_load_them_not_to_pass_a_date(
    no_orders: Segmint, tmp_path: Path, extra: list[str]
) -> None:
    result = no_orders("report", "--out", tmp_path / "report.html", *extra)
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2
    assert "has no orders" in said and "Load orders first (`segmint ingest orders FILE`" in said
    assert "or pass --as-of" not in said and "No segmentations stored" not in said
    assert not (tmp_path / "report.html").exists()


def registered_as(segmint_cli: Segmint, out: Path) -> str:
    """How the export registry lists the file ``out``."""
    with connect(segmint_cli.mart, read_only=True) as mart:
        [record] = [e for e in list_exports(mart) if e.path == str(out.resolve())]
    return record.description


def test_the_file_is_registered_under_the_segmentation_it_reports(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    transactions = tmp_path / "transactions.csv"
    transactions.write_text(
        "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
        "o1,c1,2024-01-05 10:00:00,p1,2,10.5\n"
        "o2,c2,2024-01-20 11:00:00,p1,1,1200\n"
        "o3,c1,2024-02-02 09:00:00,p2,1,30\n",
        encoding="utf-8",
    )
    assert segmint_cli("ingest", "transactions", transactions).exit_code == 0
    before = tmp_path / "before.html"
    assert segmint_cli("report", "--out", before).exit_code == 0
    assert registered_as(segmint_cli, before) == "HTML report (no segmentation)"

    assert segmint_cli("segment", "lifecycle").exit_code == 0
    default = tmp_path / "default.html"
    assert segmint_cli("report", "--out", default).exit_code == 0
    assert registered_as(segmint_cli, default) == "HTML report (lifecycle)"
