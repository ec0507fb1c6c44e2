"""Reading back rejected rows and load history."""

from __future__ import annotations

from pathlib import Path

from segmint.mart import Mart
from segmint.mart.quarantine import history, quarantined, reasons

from .conftest import load, write


def _two_loads(shop: Mart, tmp_path: Path) -> tuple[int, int]:
    first = load(
        shop,
        "orders",
        write(
            tmp_path / "a.csv",
            "order_id,customer_id,order_ts\no2,c8,2024-01-01\no3,c9,2024-01-01\no4,c1,soon\n",
        ),
    )
    second = load(
        shop,
        "orders",
        write(
            tmp_path / "b.csv",
            "order_id,customer_id,order_ts,status\no5,c1,2024-01-01,shipped\no6,c7,2024-01-01,\n",
        ),
    )
    return first.ingest_id, second.ingest_id


def test_rejected_rows_newest_load_first_then_by_row(shop: Mart, tmp_path: Path) -> None:
    first, second = _two_loads(shop, tmp_path)
    frame = quarantined(shop).execute()
    assert list(zip(frame.ingest_id, frame.row_number, strict=True)) == [
        (second, 1),
        (second, 2),
        (first, 1),
        (first, 2),
        (first, 3),
    ]


def test_rejected_rows_of_one_load_or_one_reason(shop: Mart, tmp_path: Path) -> None:
    first, second = _two_loads(shop, tmp_path)
    assert quarantined(shop, ingest_id=first).row_number.execute().tolist() == [1, 2, 3]
    unknown = quarantined(shop, reason="unknown customer_id").execute()
    assert list(zip(unknown.ingest_id, unknown.row_number, strict=True)) == [
        (second, 2),
        (first, 1),
        (first, 2),
    ]
    assert quarantined(shop, ingest_id=second, reason="not one of").count().execute() == 1


def test_reasons_are_grouped_with_their_values_blanked(shop: Mart, tmp_path: Path) -> None:
    first, _ = _two_loads(shop, tmp_path)
    hint = ": not in customers; load customers first, or pass --create-customers"
    kinds = reasons(shop).execute()
    assert dict(zip(kinds.kind, kinds.rows, strict=True)) == {
        "unknown customer_id '…'" + hint: 3,
        "order_ts: cannot read '…' as a timestamp": 1,
        "status: '…' is not one of completed, returned, cancelled": 1,
    }
    assert kinds.rows.iloc[0] == 3
    of_first = reasons(shop, first).execute()
    assert dict(zip(of_first.kind, of_first.rows, strict=True)) == {
        "unknown customer_id '…'" + hint: 2,
        "order_ts: cannot read '…' as a timestamp": 1,
    }


def test_duplicate_key_reasons_group_across_keys_and_rows(shop: Mart, tmp_path: Path) -> None:
    text = "order_id,customer_id,order_ts\no2,c1,2024-01-01\no2,c2,2024-01-01\no3,c1,2024-01-01\no3,c3,2024-01-01\n"
    load(shop, "orders", write(tmp_path / "o.csv", text))
    kinds = reasons(shop).execute()
    assert list(zip(kinds.kind, kinds.rows, strict=True)) == [
        ("duplicate key order_id=… with different content than row …", 2)
    ]


def test_history_lists_loads_newest_first(shop: Mart, tmp_path: Path) -> None:
    first, second = _two_loads(shop, tmp_path)
    frame = history(shop).execute()
    assert frame.ingest_id.tolist() == [second, first, 3, 2, 1]
    assert frame.table_name.tolist() == ["orders", "orders", "orders", "products", "customers"]
    assert frame.rows_quarantined.tolist()[:2] == [2, 3]
