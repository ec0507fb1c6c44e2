"""Reading back rejected rows and load history."""

from __future__ import annotations

from pathlib import Path

from segmint.mart import Mart
from segmint.mart.quarantine import history, n_resolved, n_superseded, quarantined, reasons

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


LINES = 'customer_id,order_id,order_ts,amount\nc1,t1,2024-01-02,5\nc2,t2,2024-01-03,"1.2,3.4"\n'
"""A transactions file whose second line no decimal separator reads, for another reason
under each (the reason names the separator)."""
POINT = "amount: cannot read '1.2,3.4' as a number with a decimal point"
COMMA = "amount: cannot read '1.2,3.4' as a number with a decimal comma"


def test_a_row_rejected_for_another_reason_has_one_current_entry(
    shop: Mart, tmp_path: Path
) -> None:
    path = write(tmp_path / "lines.csv", LINES)
    first = load(shop, "transactions", path, decimal=",")
    second = load(shop, "transactions", path, decimal=".")
    assert (first.rows_loaded, first.rows_quarantined) == (1, 1)
    assert second.reconciles  # the row is quarantined by this load, its new entry stored
    assert (second.rows_loaded, second.rows_duplicate, second.rows_quarantined) == (0, 1, 1)
    assert "1 row was rejected for another reason" in " ".join(second.notes)
    listed = quarantined(shop).execute()
    assert list(zip(listed.ingest_id, listed.row_number, listed.reason, strict=True)) == [
        (second.ingest_id, 2, POINT)
    ]
    every = quarantined(shop, superseded=True).execute()
    assert list(zip(every.ingest_id, every.reason, strict=True)) == [
        (second.ingest_id, POINT),
        (first.ingest_id, COMMA),
    ]
    assert quarantined(shop, ingest_id=first.ingest_id).reason.execute().tolist() == [COMMA]
    assert n_superseded(shop) == 1
    kinds = reasons(shop).execute()
    assert dict(zip(kinds.kind, kinds.rows, strict=True)) == {
        "amount: cannot read '…' as a number with a decimal point": 1
    }
    # the first separator once more: read again (other options), its entry the current one
    third = load(shop, "transactions", path, decimal=",")
    assert third.reconciles and third.rows_quarantined == 1
    assert quarantined(shop).reason.execute().tolist() == [COMMA]
    assert n_superseded(shop) == 2


ORDERS = "order_id,customer_id,order_ts\no5,c1,2024-02-01\no6,c9,2024-02-02\no7,c2,2024-02-03\n"
"""An orders file whose second row names a customer the shop does not hold yet (c9)."""


def test_a_row_a_later_load_lets_in_has_no_current_entry(shop: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", ORDERS)
    first = load(shop, "orders", path)
    assert (first.rows_loaded, first.rows_quarantined) == (2, 1)
    load(shop, "customers", write(tmp_path / "more.csv", "customer_id\nc9\n"))
    fixed = load(shop, "orders", path)  # c9 is known now: its order is let in
    assert fixed.reconciles
    assert (fixed.rows_loaded, fixed.rows_duplicate, fixed.rows_quarantined) == (1, 2, 0)
    assert "1 row was let in that an earlier load of this file quarantined" in " ".join(fixed.notes)
    assert quarantined(shop).count().execute() == 0
    assert reasons(shop).count().execute() == 0
    assert (n_superseded(shop), n_resolved(shop)) == (0, 1)
    every = quarantined(shop, superseded=True).execute()
    assert list(zip(every.ingest_id, every.row_number, every.let_in_by, strict=True)) == [
        (first.ingest_id, 2, fixed.ingest_id)
    ]
    assert quarantined(shop, ingest_id=first.ingest_id).let_in_by.execute().tolist() == [
        fixed.ingest_id
    ]
    assert shop.count("quarantine") == 1  # the load's entry stays as it stored it
    again = load(shop, "orders", path)
    assert again.already_loaded and quarantined(shop).count().execute() == 0


def test_a_row_rejected_again_after_it_was_let_in_is_not_quarantined_again(
    shop: Mart, tmp_path: Path
) -> None:
    # 31.02 is no date in any format: the second row is rejected under every option
    text = "order_id,customer_id,order_ts\no7,c1,03.01.2024\no8,c2,31.02.2024\n"
    path = write(tmp_path / "orders.csv", text)
    first = load(shop, "orders", path)
    assert (first.rows_loaded, first.rows_quarantined) == (0, 2)
    dotted = load(shop, "orders", path, date_formats=("%d.%m.%Y",))
    assert (dotted.rows_loaded, dotted.rows_duplicate, dotted.rows_quarantined) == (1, 1, 0)
    listed = quarantined(shop).execute()
    assert list(zip(listed.ingest_id, listed.row_number, strict=True)) == [(first.ingest_id, 2)]
    assert n_resolved(shop) == 1
    # another format again: the first row, loaded a load ago, is not quarantined anew
    slashed = load(shop, "orders", path, date_formats=("%d/%m/%Y",))
    assert slashed.reconciles
    assert (slashed.rows_loaded, slashed.rows_duplicate, slashed.rows_quarantined) == (0, 2, 0)
    notes = " ".join(slashed.notes)
    assert "1 row was rejected that an earlier load of this file let in" in notes
    assert "1 row was rejected again for the reason" in notes  # 31.02, under any format
    listed = quarantined(shop).execute()
    assert list(zip(listed.ingest_id, listed.row_number, strict=True)) == [(first.ingest_id, 2)]
    orders = shop.table("orders")
    o7 = orders.filter(orders.order_id == "o7").order_ts.execute().tolist()
    assert [str(ts) for ts in o7] == ["2024-01-03 00:00:00"]  # as the dotted load read it


def test_other_options_do_not_quarantine_a_row_already_loaded(shop: Mart, tmp_path: Path) -> None:
    text = (
        'customer_id,order_id,order_ts,amount\nc1,t1,2024-01-02,"5,5"\nc2,t2,2024-01-03,"1.2,3.4"\n'
    )
    path = write(tmp_path / "lines.csv", text)
    first = load(shop, "transactions", path, decimal=",")
    assert (first.rows_loaded, first.rows_quarantined) == (1, 1)
    second = load(shop, "transactions", path, decimal=".")  # '5,5' is no number with a point
    assert second.reconciles
    assert (second.rows_loaded, second.rows_duplicate, second.rows_quarantined) == (0, 1, 1)
    assert "1 row was rejected that an earlier load of this file let in" in " ".join(second.notes)
    assert quarantined(shop, ingest_id=second.ingest_id).row_number.execute().tolist() == [2]
    listed = quarantined(shop).execute()
    assert list(zip(listed.ingest_id, listed.row_number, listed.reason, strict=True)) == [
        (second.ingest_id, 2, POINT)
    ]
