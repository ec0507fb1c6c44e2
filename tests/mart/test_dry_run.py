"""A dry run works out everything a load would do, says so, and writes nothing."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import segmint
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest

from .conftest import write

TEXT = (
    "Invoice,Customer ID,InvoiceDate,StockCode,Quantity,Price,Tier\n"
    "1,c1,2024-01-01,p1,2,5,gold\n"
    "1,c1,2024-01-01,p2,1,3,gold\n"
    "2,,2024-01-02,p1,1,5,\n"
    "3,c2,2024-13-02,p1,1,5,silver\n"
    "4,c2,2024-01-03,p1,1,-5,silver\n"
    "C5,c1,2024-01-04,p1,-1,5,gold\n"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_dry_run_reports_the_load_and_leaves_the_mart_file_unchanged(
    shop_template: Path, tmp_path: Path
) -> None:
    mart_path = tmp_path / "mart.duckdb"
    shutil.copyfile(shop_template, mart_path)
    source = write(tmp_path / "sales.csv", TEXT)
    before = _digest(mart_path)
    with segmint.connect(mart_path, read_only=True) as mart:
        preview = ingest(mart, "transactions", source, IngestOptions(dry_run=True))
    assert _digest(mart_path) == before, "a dry run changed the mart file"
    assert preview.dry_run and preview.ingest_id == 0
    assert (preview.rows_read, preview.rows_loaded, preview.rows_quarantined) == (6, 3, 3)
    assert preview.reasons == (
        ("missing customer_id", 1),
        ("order_ts: cannot read …", 1),
        ("unit_price: negative value -5", 1),
    )
    assert preview.summary().startswith("dry run, nothing written: ")
    assert preview.guessed["customer_id"] == "Customer ID"
    assert [u.fate for u in preview.columns] == ["loaded"] * 6 + ["attribute"]
    assert preview.notes  # the cancellation C5, booked on invoice 1

    with segmint.connect(mart_path) as mart:
        done = ingest(mart, "transactions", source)
    assert (done.rows_read, done.rows_loaded, done.rows_duplicate, done.rows_quarantined) == (
        preview.rows_read,
        preview.rows_loaded,
        preview.rows_duplicate,
        preview.rows_quarantined,
    )
    assert done.written == preview.written
    assert done.columns == preview.columns and done.reasons == preview.reasons


def test_a_dry_run_of_a_file_loaded_before_counts_its_rows_as_the_load_does(
    shop: Mart, tmp_path: Path
) -> None:
    text = (
        "customer_id,order_id,order_ts,amount\n"
        'c1,t1,2024-01-02,"5,5"\nc2,t2,2024-01-03,"1.2,3.4"\nc2,t3,2024-01-04,abc\n'
    )
    path = write(tmp_path / "lines.csv", text)
    ingest(shop, "transactions", path, IngestOptions(decimal=","))
    preview = ingest(shop, "transactions", path, IngestOptions(decimal=".", dry_run=True))
    done = ingest(shop, "transactions", path, IngestOptions(decimal="."))
    # t1 was loaded (a duplicate now), t3 is rejected again for the same reason (a duplicate
    # of its entry), t2 for another reason (a new entry)
    counted = (done.rows_loaded, done.rows_duplicate, done.rows_quarantined)
    assert counted == (0, 2, 1)
    assert (preview.rows_loaded, preview.rows_duplicate, preview.rows_quarantined) == counted
    assert preview.reasons == done.reasons
    assert preview.notes == done.notes
