"""Stored segmentations listed, read and exported; a file type that cannot be written is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError, MartError
from segmint.mart import Mart
from segmint.workflows import assignments

CUSTOMERS = "customer_id,signup_date\nc1,2024-01-01\nc2,2024-02-01\n=cmd,2024-02-02\n"
ORDERS = "order_id,customer_id,order_ts,amount\nO1,c1,2024-03-01,20\nO2,c2,2024-03-02,5\n"


@pytest.fixture
def mart(tmp_path: Path) -> Iterator[Mart]:
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "orders.csv").write_text(ORDERS)
    with segmint.connect(tmp_path / "m.duckdb") as ws:
        ws.load(tmp_path)
        ws.segment_rfm(bins=2)
        yield ws


def test_listed_read_and_exported_alike(mart: Mart, tmp_path: Path) -> None:
    assert assignments.segmentations(mart).segmentation.tolist() == ["rfm"]
    rows = assignments.assignments(mart, "rfm")
    assert rows.customer_id.tolist() == sorted(rows.customer_id) and len(rows) == 3
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"rfm{suffix}"
        assert assignments.export_assignments(mart, "rfm", out) == 3
        read = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert read.segment.tolist() == rows.segment.tolist()
    exported = pd.read_csv(tmp_path / "rfm.csv").customer_id.tolist()
    assert "'=cmd" in exported  # a spreadsheet would run =cmd as a formula


def test_other_file_types_and_unknown_names_are_refused(mart: Mart, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"--out .*rfm\.xlsx: use a \.csv or \.parquet file"):
        assignments.export_assignments(mart, "rfm", tmp_path / "rfm.xlsx")
    with pytest.raises(MartError):
        assignments.assignments(mart, "nope")
