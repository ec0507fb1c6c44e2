"""Returns and cancellations booked on the order they reverse, and what counts as a purchase."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from segmint.features.build import build_features
from segmint.mart import Mart

from .conftest import load, write
from .test_transactions import RETAIL

HEADER = "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"


def _orders(mart: Mart) -> dict[str, tuple[str, str]]:
    frame = mart.table("orders").execute()
    return {r.order_id: (r.customer_id, r.status) for r in frame.itertuples()}


def _lines(mart: Mart, order_id: str) -> list[tuple[Any, ...]]:
    lines = mart.table("order_lines")
    frame = lines.filter(lines.order_id == order_id).order_by("line_no").execute()
    return [(r.line_no, r.product_id, r.quantity) for r in frame.itertuples()]


def test_a_return_is_booked_on_the_latest_earlier_order_with_the_product(
    mart: Mart, tmp_path: Path
) -> None:
    text = HEADER + (
        "S1,c1,2024-01-01,p1,2,5\n"
        "S2,c1,2024-01-10,p1,1,5\n"
        "S2,c1,2024-01-10,p2,1,3\n"
        "S3,c1,2024-01-20,p3,1,9\n"
        "R1,c1,2024-01-25,p1,-1,5\n"  # S2 is the latest earlier order with p1 (S3 has none)
        "R2,c2,2024-01-25,p1,-1,5\n"  # c2 never bought p1 here: nothing to reverse
        "R0,c1,2023-12-31,p3,-1,9\n"  # before S3 was sold
    )
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert result.reconciles and result.rows_loaded == 7
    assert _lines(mart, "S2") == [(1, "p1", 1.0), (2, "p2", 1.0), (3, "p1", -1.0)]
    orders = _orders(mart)
    assert "R1" not in orders
    assert orders["S2"] == ("c1", "returned")
    assert orders["S1"] == orders["S3"] == ("c1", "completed")
    assert orders["R2"] == ("c2", "cancelled") and orders["R0"] == ("c1", "cancelled")
    assert result.notes == (
        "returns: 3 new return or cancellation orders; 1 of their lines is booked on the order "
        "it reverses, 2 match no earlier order of the customer in this file or the mart "
        "and are kept as cancelled orders (not purchases)",
    )


def test_a_sale_cancelled_in_full_is_no_purchase(mart: Mart, tmp_path: Path) -> None:
    text = HEADER + (
        "536367,c1,2010-12-01 08:34,84879,32,1.69\n"
        "536367,c1,2010-12-01 08:34,22745,6,2.10\n"
        "C536391,c1,2010-12-01 10:24,84879,-32,1.69\n"
        "C536391,c1,2010-12-01 10:24,22745,-6,2.10\n"
        "536400,c1,2010-12-05 09:00,22745,1,2.10\n"
    )
    load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert _orders(mart) == {"536367": ("c1", "cancelled"), "536400": ("c1", "completed")}
    features = build_features(mart, "2010-12-31").execute().set_index("customer_id")
    # One purchase of 2.10: the cancelled sale and its cancellation count for nothing.
    assert features.loc["c1", "frequency"] == 1
    assert features.loc["c1", "monetary_total"] == pytest.approx(2.10)


def test_a_partly_returned_sale_is_one_purchase_of_the_kept_value(
    mart: Mart, tmp_path: Path
) -> None:
    text = HEADER + ("A,c1,2024-01-01,p1,3,10\nB,c1,2024-02-01,p2,1,4\nRA,c1,2024-01-03,p1,-1,10\n")
    load(mart, "transactions", write(tmp_path / "t.csv", text))
    features = build_features(mart, "2024-02-28").execute().set_index("customer_id")
    assert features.loc["c1", "frequency"] == 2  # A and B; the return is not a purchase
    assert features.loc["c1", "monetary_total"] == pytest.approx(20 + 4)
    assert features.loc["c1", "returns_count"] == 1


def test_a_cancellation_prefix_marks_a_return_document(mart: Mart, tmp_path: Path) -> None:
    text = HEADER + "1,c1,2024-01-01,p1,2,5\nC2,c1,2024-01-02,p1,-2,5\n"
    load(mart, "transactions", write(tmp_path / "t.csv", text), cancel_prefix="C")
    assert _orders(mart) == {"1": ("c1", "cancelled")}


@pytest.mark.slow
def test_online_retail_cancellations_are_matched_as_an_independent_count_says(mart: Mart) -> None:
    raw = pd.read_parquet(RETAIL / "online_retail_ii_2009_2010.parquet")
    raw = raw[raw["Customer ID"].notna() & (raw.Price >= 0)].copy()
    raw["customer"] = raw["Customer ID"].astype("int64").astype(str)
    raw["invoice"] = raw.Invoice.astype(str)
    top = raw.groupby("invoice").Quantity.transform("max")
    document = (top < 0) | raw.invoice.str.startswith("C")
    returns = raw[document & (raw.Quantity < 0)].sort_values("InvoiceDate")
    sales = raw[~document & (raw.Quantity > 0)]
    sales = sales.groupby(["customer", "StockCode", "InvoiceDate"], as_index=False).invoice.max()
    matched = pd.merge_asof(
        returns,
        sales.sort_values("InvoiceDate"),
        on="InvoiceDate",
        by=["customer", "StockCode"],
        suffixes=("", "_original"),
    )
    n_matched = int(matched.invoice_original.notna().sum())

    result = load(
        mart,
        "transactions",
        RETAIL / "online_retail_ii_2009_2010.parquet",
        preset="uci-online-retail",
    )
    assert result.notes[0].startswith(
        f"returns: {raw[document].invoice.nunique():,} new return or cancellation orders; "
        f"{n_matched:,} of their lines are booked on the order they reverse, "
        f"{len(returns) - n_matched:,} match no earlier order"
    )
    orders = mart.table("orders")
    documents = orders.filter(orders.order_id.startswith("C"))
    assert int(documents.filter(documents.status != "cancelled").count().execute()) == 0


def test_a_return_in_a_later_file_is_booked_on_the_order_loaded_earlier(
    mart: Mart, tmp_path: Path
) -> None:
    sales = HEADER + "S1,c1,2024-01-01,p1,3,10\nS1,c1,2024-01-01,p2,1,4\nS2,c2,2024-01-02,p1,1,10\n"
    load(mart, "transactions", write(tmp_path / "sales.csv", sales))
    later = HEADER + (
        "R1,c1,2024-01-05,p1,-1,10\n"  # S1 was loaded by the first file
        "R2,c2,2024-01-06,p1,-1,10\n"  # cancels S2 in full
        "R3,c3,2024-01-06,p1,-1,10\n"  # c3 bought nothing: kept as a cancelled order
        "S4,c1,2024-01-07,p2,2,4\n"
    )
    result = load(mart, "transactions", write(tmp_path / "returns.csv", later))
    assert result.reconciles
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (4, 0, 0)
    assert _lines(mart, "S1") == [(1, "p1", 3.0), (2, "p2", 1.0), (3, "p1", -1.0)]
    assert _lines(mart, "S2") == [(1, "p1", 1.0), (2, "p1", -1.0)]
    orders = _orders(mart)
    assert "R1" not in orders and "R2" not in orders
    assert orders["S1"] == ("c1", "returned") and orders["S2"] == ("c2", "cancelled")
    assert orders["R3"] == ("c3", "cancelled") and orders["S4"] == ("c1", "completed")
    assert result.written["orders updated"] == 2
    assert result.notes == (
        "returns: 3 new return or cancellation orders; 2 of their lines are booked on the "
        "order they reverse (2 on orders loaded earlier), 1 matches no earlier order of the "
        "customer in this file or the mart and is kept as a cancelled order (not a purchase)",
    )
    features = build_features(mart, "2024-01-31").execute().set_index("customer_id")
    assert features.loc["c1", "frequency"] == 2  # S1 (kept value) and S4
    assert features.loc["c1", "monetary_total"] == pytest.approx(30 + 4 - 10 + 8)
    assert not features.frequency.get("c2", 0) > 0  # S2 cancelled in full: no purchase


def test_loading_returns_again_adds_nothing(mart: Mart, tmp_path: Path) -> None:
    load(mart, "transactions", write(tmp_path / "sales.csv", HEADER + "S1,c1,2024-01-01,p1,3,10\n"))
    text = HEADER + "R1,c1,2024-01-05,p1,-1,10\nR2,c1,2024-01-09,p1,-1,10\n"
    first = load(mart, "transactions", write(tmp_path / "returns.csv", text))
    assert first.rows_loaded == 2  # two returns of one unit each: both kept
    before = _lines(mart, "S1")
    assert before == [(1, "p1", 3.0), (2, "p1", -1.0), (3, "p1", -1.0)]
    same = load(mart, "transactions", tmp_path / "returns.csv")
    assert same.already_loaded and same.rows_duplicate == 2
    # The same returns in another export (other bytes, one of them again with a new sale):
    export = HEADER + "S9,c1,2024-01-10,p2,1,4\nR2,c1,2024-01-09,p1,-1,10\n"
    again = load(mart, "transactions", write(tmp_path / "export.csv", export))
    assert again.reconciles and not again.already_loaded
    assert (again.rows_read, again.rows_loaded, again.rows_duplicate) == (2, 1, 1)
    assert _lines(mart, "S1") == before
    assert _orders(mart)["S1"] == ("c1", "returned")
    assert "orders updated" not in again.written
    assert again.notes == (
        "returns: no new return or cancellation orders (1 already in the mart); 1 return "
        "line is already in the mart (a duplicate, not booked again)",
    )


def test_an_overlapping_export_with_sale_and_return_adds_nothing_new(
    mart: Mart, tmp_path: Path
) -> None:
    load(mart, "transactions", write(tmp_path / "a.csv", HEADER + "S1,c1,2024-01-01,p1,3,10\n"))
    load(mart, "transactions", write(tmp_path / "b.csv", HEADER + "R1,c1,2024-01-05,p1,-1,10\n"))
    both = HEADER + "S1,c1,2024-01-01,p1,3,10\nR1,c1,2024-01-05,p1,-1,10\n"
    result = load(mart, "transactions", write(tmp_path / "c.csv", both))
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (0, 2, 0)
    assert _lines(mart, "S1") == [(1, "p1", 3.0), (2, "p1", -1.0)]
    # nothing was booked by this load, so its report says nothing of booking returns
    assert not [n for n in result.notes if n.startswith("returns:")]


def test_a_partly_new_export_reports_only_the_returns_it_books(mart: Mart, tmp_path: Path) -> None:
    sales = HEADER + "S1,c1,2024-01-01,p1,3,10\nS1,c1,2024-01-01,p2,1,4\n"
    load(mart, "transactions", write(tmp_path / "sales.csv", sales))
    returns = HEADER + "R1,c1,2024-01-05,p1,-1,10\nR9,c9,2024-01-05,p1,-1,10\n"
    load(mart, "transactions", write(tmp_path / "returns.csv", returns))
    # An overlapping export: R1 (booked on S1) and R9 (kept as a cancelled order) again,
    # with a new return R2 on S1 and a new sale.
    export = HEADER + (
        "R1,c1,2024-01-05,p1,-1,10\n"
        "R9,c9,2024-01-05,p1,-1,10\n"
        "R2,c1,2024-01-06,p2,-1,4\n"
        "S3,c1,2024-01-07,p1,1,10\n"
    )
    result = load(mart, "transactions", write(tmp_path / "export.csv", export))
    assert result.reconciles
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (4, 2, 2)
    assert _lines(mart, "S1") == [(1, "p1", 3.0), (2, "p2", 1.0), (3, "p1", -1.0), (4, "p2", -1.0)]
    assert result.notes == (
        "returns: 1 new return or cancellation order (and 2 already in the mart); 1 of its "
        "lines is booked on the order it reverses (1 on an order loaded earlier), 0 match no "
        "earlier order of the customer in this file or the mart and are kept as cancelled "
        "orders (not purchases); 2 return lines are already in the mart (duplicates, not "
        "booked again)",
    )


def test_a_new_return_resent_with_its_sale_is_booked_after_the_loaded_lines(
    mart: Mart, tmp_path: Path
) -> None:
    sales = HEADER + "S1,c1,2024-01-01,p1,3,10\nS1,c1,2024-01-01,p2,1,4\n"
    load(mart, "transactions", write(tmp_path / "sales.csv", sales))
    load(mart, "transactions", write(tmp_path / "r1.csv", HEADER + "R1,c1,2024-01-05,p1,-1,10\n"))
    # The export sends S1's lines again with a new return R2 on S1 (before R1 in the file).
    export = sales + "R2,c1,2024-01-06,p2,-1,4\nR1,c1,2024-01-05,p1,-1,10\n"
    result = load(mart, "transactions", write(tmp_path / "export.csv", export))
    assert result.reconciles
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (4, 1, 3)
    assert result.rows_quarantined == 0
    assert _lines(mart, "S1") == [(1, "p1", 3.0), (2, "p2", 1.0), (3, "p1", -1.0), (4, "p2", -1.0)]
    assert _orders(mart) == {"S1": ("c1", "returned")}
    assert result.notes == (
        "returns: 1 new return or cancellation order (and 1 already in the mart); 1 of its "
        "lines is booked on the order it reverses (1 on an order loaded earlier), 0 match no "
        "earlier order of the customer in this file or the mart and are kept as cancelled "
        "orders (not purchases); 1 return line is already in the mart (a duplicate, not "
        "booked again)",
    )
    again = load(
        mart, "transactions", write(tmp_path / "again.csv", export + "S5,c1,2024-02-01,p1,1,10\n")
    )
    assert (again.rows_loaded, again.rows_duplicate, again.rows_quarantined) == (1, 4, 0)
    assert len(_lines(mart, "S1")) == 4
    assert again.notes == (
        "returns: no new return or cancellation orders (2 already in the mart); 2 return "
        "lines are already in the mart (duplicates, not booked again)",
    )


def test_a_return_resent_with_a_sale_that_holds_a_negative_line_is_booked(
    mart: Mart, tmp_path: Path
) -> None:
    # S1's own second line is negative (a line inside the sale); R1 is a new return of p1,
    # equal to that line but no copy of it.
    sale = HEADER + "S1,c1,2024-01-01,p1,2,10\nS1,c1,2024-01-01,p1,-1,10\n"
    load(mart, "transactions", write(tmp_path / "sale.csv", sale))
    export = sale + "R1,c1,2024-01-05,p1,-1,10\n"
    result = load(mart, "transactions", write(tmp_path / "export.csv", export))
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (1, 2, 0)
    assert _lines(mart, "S1") == [(1, "p1", 2.0), (2, "p1", -1.0), (3, "p1", -1.0)]


def test_a_cancelled_order_of_an_earlier_load_stays_cancelled(mart: Mart, tmp_path: Path) -> None:
    text = "order_id,customer_id,order_ts,product_id,quantity,unit_price,status\n"
    load(
        mart, "transactions", write(tmp_path / "a.csv", text + "S1,c1,2024-01-01,p1,3,10,voided\n")
    )
    load(mart, "transactions", write(tmp_path / "b.csv", HEADER + "R1,c1,2024-01-05,p1,-1,10\n"))
    assert _orders(mart) == {"S1": ("c1", "cancelled")}


def _booked(notes: tuple[str, ...]) -> tuple[int, int, int]:
    """Return lines booked on the order they reverse, how many of them on orders of an
    earlier load, and how many were already in the mart, as a load's note says."""
    note = next(n for n in notes if n.startswith("returns:"))
    booked = re.search(r"; ([\d,]+) of (?:its|their) lines (?:is|are) booked", note)
    assert booked is not None

    def number(pattern: str) -> int:
        found = re.search(pattern, note)
        return int(found.group(1).replace(",", "")) if found else 0

    return (
        int(booked.group(1).replace(",", "")),
        number(r"\(([\d,]+) on (?:an order|orders) loaded earlier\)"),
        number(r"; ([\d,]+) return lines? (?:is|are) already in the mart"),
    )


@pytest.mark.slow
def test_online_retail_in_two_files_matches_as_many_returns_as_in_one(
    mart: Mart, tmp_path: Path
) -> None:
    raw = pd.read_parquet(RETAIL / "online_retail_ii_2009_2010.parquet")
    whole = load(
        mart,
        "transactions",
        RETAIL / "online_retail_ii_2009_2010.parquet",
        preset="uci-online-retail",
        dry_run=True,
    )
    in_one, _, _ = _booked(whole.notes)
    cut = pd.Timestamp("2010-06-01")
    raw[raw.InvoiceDate < cut].to_parquet(tmp_path / "first.parquet", index=False)
    raw[raw.InvoiceDate >= cut].to_parquet(tmp_path / "second.parquet", index=False)
    first = load(mart, "transactions", tmp_path / "first.parquet", preset="uci-online-retail")
    second = load(mart, "transactions", tmp_path / "second.parquet", preset="uci-online-retail")
    assert first.reconciles and second.reconciles
    assert first.rows_read + second.rows_read == len(raw)
    (booked_first, _, _), (booked_second, earlier, already) = (
        _booked(first.notes),
        _booked(second.notes),
    )
    # A return of the second half equal (product, quantity, price) to one the first half
    # booked on the same order counts as that return again: a duplicate, not booked.
    assert booked_first + booked_second + already == in_one
    assert already == second.rows_duplicate
    assert earlier > 0  # returns in the second half of sales in the first
    orders = mart.table("orders")
    documents = orders.filter(orders.order_id.startswith("C"))
    assert int(documents.filter(documents.status != "cancelled").count().execute()) == 0
    again = load(mart, "transactions", tmp_path / "second.parquet", preset="uci-online-retail")
    assert again.already_loaded and again.rows_duplicate == second.rows_read


def test_a_return_naming_no_product_skips_an_order_loaded_without_lines(
    mart: Mart, tmp_path: Path
) -> None:
    """An order of an orders file has no lines (its value is its own): a refund naming no
    product reverses the latest order with a sale line instead."""
    sales = HEADER + "S1,c1,2024-01-01,p1,2,10\n"
    load(mart, "transactions", write(tmp_path / "sales.csv", sales))
    headers = "order_id,customer_id,order_ts\nH1,c1,2024-01-03\n"
    load(mart, "orders", write(tmp_path / "orders.csv", headers))
    refund = HEADER + "R1,c1,2024-01-05,,-1,10\n"
    result = load(mart, "transactions", write(tmp_path / "refund.csv", refund))
    assert result.reconciles
    booked = _lines(mart, "S1")
    assert len(booked) == 2 and pd.isna(booked[1][1]) and booked[1][2] == -1.0
    assert _lines(mart, "H1") == []
    assert _orders(mart)["S1"] == ("c1", "returned") and "R1" not in _orders(mart)
