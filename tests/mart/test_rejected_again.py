"""Rejected rows of a load against the quarantine entries of earlier loads: of the same
bytes, and of other files of the same table (the same export in another format)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segmint.mart import Mart

from .conftest import load, write

LINES = (
    "customer_id,order_id,order_ts,product_id,quantity,unit_price\n"
    "c1,o1,2024-01-02,p1,1,2.5\n"
    ",o2,2024-01-03,p1,2,2.5\n"
    "c2,o3,soon,p1,1,3.0\n"
    "c2,o4,2024-01-04,p1,1,abc\n"
    "c3,o5,2024-01-05,p1,3,1.25\n"
)
"""Five order lines: two good, three rejected (no customer, no date, no price)."""


def test_the_same_rows_in_another_format_do_not_grow_the_quarantine(
    mart: Mart, tmp_path: Path
) -> None:
    csv = write(tmp_path / "lines.csv", LINES)
    parquet = tmp_path / "lines.parquet"
    pd.read_csv(csv).to_parquet(parquet)  # typed: quantity 2, not "2"
    first = load(mart, "transactions", csv)
    assert (first.rows_loaded, first.rows_quarantined) == (2, 3)
    second = load(mart, "transactions", parquet)
    assert second.reconciles
    assert (second.rows_loaded, second.rows_duplicate, second.rows_quarantined) == (0, 5, 0)
    assert any("3 rows were rejected as another file" in note for note in second.notes)
    assert mart.count("quarantine") == 3
    again = load(mart, "transactions", parquet, create_customers=True)  # read once more
    assert again.reconciles
    assert again.rows_quarantined == 0
    assert mart.count("quarantine") == 3


def test_a_row_repeated_beyond_the_copies_another_file_holds_is_quarantined(
    mart: Mart, tmp_path: Path
) -> None:
    bad = ",o2,2024-01-03,p1,2,2.5\n"
    header = LINES.splitlines(keepends=True)[0]
    load(mart, "transactions", write(tmp_path / "one.csv", header + bad))
    result = load(mart, "transactions", write(tmp_path / "three.csv", header + bad * 3))
    assert result.reconciles
    assert (result.rows_duplicate, result.rows_quarantined) == (1, 2)
    assert mart.count("quarantine") == 3


def test_copies_stored_by_several_files_together_count_for_the_next_one(
    mart: Mart, tmp_path: Path
) -> None:
    """One copy from a first file, two more from a file of three: the same file of three in
    another format adds none (the quarantine holds its three copies already)."""
    bad = ",o2,2024-01-03,p1,2,2.5\n"
    header = LINES.splitlines(keepends=True)[0]
    load(mart, "transactions", write(tmp_path / "one.csv", header + bad))
    three = write(tmp_path / "three.csv", header + bad * 3)
    load(mart, "transactions", three)
    parquet = tmp_path / "three.parquet"
    pd.read_csv(three).to_parquet(parquet)
    result = load(mart, "transactions", parquet)
    assert result.reconciles
    assert (result.rows_duplicate, result.rows_quarantined) == (3, 0)
    assert mart.count("quarantine") == 3
