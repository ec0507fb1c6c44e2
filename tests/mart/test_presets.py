"""Presets against small files in the exact column layouts of the exports (tests/mart/data)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import segmint
from segmint.exceptions import SchemaError
from segmint.mart import Mart
from segmint.mart.presets import PRESETS

from .conftest import load, write

DATA = Path(__file__).parent / "data"


def _rows(mart: Mart, table: str, *columns: str) -> list[tuple[Any, ...]]:
    frame = mart.table(table).select(*columns).order_by(list(columns)).execute()
    return [tuple(None if v != v else v for v in row) for row in frame.itertuples(index=False)]


def test_shopify_orders_export(mart: Mart) -> None:
    result = load(mart, "transactions", DATA / "shopify_orders_export.csv", preset="shopify")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 7, 0)
    assert len(result.columns) == 79  # every column of the export accounted for
    fates = {u.column: u.fate for u in result.columns}
    assert fates["Billing Name"] == fates["Total"] == fates["Paid at"] == "reported"
    assert fates["Accepts Marketing"] == "attribute"
    statuses = dict(_rows(mart, "orders", "order_id", "status"))
    assert statuses == {
        "#1001": "completed",
        "#1002": "completed",
        "#1003": "completed",
        "#1004": "cancelled",  # Cancelled at is set
        "#1005": "cancelled",  # refunded in full
        "#1006": "completed",  # partially refunded: still a purchase
    }
    # The export has no customer id: the e-mail (trimmed, any case) is the customer, by a
    # pseudonym; the address itself goes to customer_pii only.
    owners = dict(_rows(mart, "orders", "order_id", "customer_id"))
    assert owners["#1001"] == owners["#1003"] != owners["#1002"]
    assert all(c.startswith("e-") and "@" not in c for c in owners.values())
    assert sorted(e for (e,) in _rows(mart, "customer_pii", "email")) == [
        "Jane@Example.com",
        "ana@example.com",
        "bob@example.com",
    ]
    times = dict(_rows(mart, "orders", "order_id", "order_ts"))
    assert str(times["#1001"]) == "2024-03-01 10:15:00"  # the shop's clock time
    assert _rows(
        mart, "order_lines", "order_id", "product_id", "quantity", "unit_price", "discount"
    )[:2] == [
        ("#1001", "MUG-01", 2.0, 12.5, 0.0),
        ("#1001", "TEE-M", 1.0, 30.0, 5.0),
    ]
    places = _rows(mart, "customers", "city", "region", "country", "postcode")
    assert places == [
        ("Portland", "OR", "US", "97201"),
        ("Springfield", "IL", "US", "62701"),
        ("Toronto", "ON", "CA", "M5V 2T6"),
    ]


def test_woocommerce_orders_export(mart: Mart) -> None:
    result = load(
        mart, "transactions", DATA / "woocommerce_orders_export.csv", preset="woocommerce"
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 6, 0)
    assert len(result.columns) == 37
    assert dict(_rows(mart, "orders", "order_id", "status")) == {
        "2001": "completed",
        "2002": "completed",  # processing: paid
        "2003": "completed",
        "2004": "cancelled",
        "2005": "cancelled",  # refunded
    }
    lines = _rows(
        mart, "order_lines", "order_id", "line_no", "product_id", "quantity", "unit_price"
    )
    assert lines[:2] == [("2001", 1, "BK-1", 2.0, 9.5), ("2001", 2, "PN-2", 1.0, 14.0)]
    assert _rows(mart, "customers", "country", "city") == [("GB", "London"), ("SE", "Stockholm")]


def test_uci_online_retail_file(mart: Mart) -> None:
    result = load(mart, "transactions", DATA / "uci_online_retail.csv", preset="uci-online-retail")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (17, 16, 1)
    assert result.reasons == (("missing customer_id", 1),)
    times = dict(_rows(mart, "orders", "order_id", "order_ts"))
    assert str(times["536392"]) == "2010-12-13 10:27:00"  # month/day/year, as the file has it
    statuses = dict(_rows(mart, "orders", "order_id", "status"))
    # C536391 cancels the 32 ornaments of 536367: booked there, not a purchase of its own.
    assert "C536391" not in statuses and statuses["536367"] == "returned"
    assert statuses["536392"] == "returned"  # two of its six mice came back a day later
    # C536379 (a discount) and C536383 reverse sales before the file: cancelled, no purchase.
    assert statuses["C536379"] == statuses["C536383"] == "cancelled"
    assert any("2 of their lines are booked on the order they reverse" in n for n in result.notes)


def test_a_file_that_is_not_the_export_says_what_it_lacks(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", "Name,Created at,Total\n#1,2024-01-01,3\n")
    with pytest.raises(
        SchemaError, match=r"does not look like a Shopify orders export: it lacks email: Email"
    ):
        load(mart, "transactions", path, preset="shopify")
    with pytest.raises(
        SchemaError, match="unknown preset 'magento'; presets: shopify, woocommerce"
    ):
        load(mart, "transactions", path, preset="magento")
    with pytest.raises(
        SchemaError, match="--preset shopify loads a Shopify orders export as transactions"
    ):
        load(mart, "customers", path, preset="shopify")
    assert mart.count("orders") == 0


def test_every_preset_names_only_transactions_columns() -> None:
    from segmint.mart.transactions import TRANSACTIONS

    for preset in PRESETS.values():
        assert set(preset.columns) <= set(TRANSACTIONS.column_names), preset.name
        assert set(preset.required) <= set(preset.columns), preset.name


SHOPIFY_BY_HAND = {
    "order_id": "Name",
    "email": "Email",
    "order_ts": "Created at",
    "quantity": "Lineitem quantity",
    "unit_price": "Lineitem price",
    "product_id": "Lineitem sku",
    "product_name": "Lineitem name",
    "discount": "Lineitem discount",
    "status": "Financial Status",
    "cancelled_at": "Cancelled at",
    "channel": "Source",
    "country": "Billing Country",
    "city": "Billing City",
    "region": "Billing Province",
    "postcode": "Billing Zip",
}
WOOCOMMERCE_BY_HAND = {
    "order_id": "Order Number",
    "email": "Email (Billing)",
    "order_ts": "Order Date",
    "status": "Order Status",
    "product_id": "SKU",
    "product_name": "Item Name",
    "quantity": "Quantity (- Refund)",
    "unit_price": "Item Cost",
    "country": "Country Code (Billing)",
    "city": "City (Billing)",
    "region": "State Code (Billing)",
    "postcode": "Postcode (Billing)",
}
UCI_BY_HAND = {
    "order_id": "InvoiceNo",
    "product_id": "StockCode",
    "product_name": "Description",
    "quantity": "Quantity",
    "order_ts": "InvoiceDate",
    "unit_price": "UnitPrice",
    "customer_id": "CustomerID",
    "country": "Country",
}


@pytest.mark.parametrize(
    ("name", "preset", "by_hand"),
    [
        ("shopify_orders_export.csv", "shopify", SHOPIFY_BY_HAND),
        ("woocommerce_orders_export.csv", "woocommerce", WOOCOMMERCE_BY_HAND),
        ("uci_online_retail.csv", "uci-online-retail", UCI_BY_HAND),
    ],
)
def test_without_preset_or_map_the_guess_is_the_hand_mapping(
    mart: Mart,
    tmp_path: Path,
    empty_template: Path,
    name: str,
    preset: str,
    by_hand: dict[str, str],
) -> None:
    result = load(mart, "transactions", DATA / name)
    assert result.guessed == result.mapping == by_hand
    with (DATA / name).open(encoding="utf-8", newline="") as text:
        header = next(csv.reader(text))
    assert [u.column for u in result.columns] == header  # columns in == columns out
    assert result.reconciles
    shutil.copyfile(empty_template, tmp_path / "other.duckdb")
    with segmint.connect(tmp_path / "other.duckdb") as other:
        named = load(other, "transactions", DATA / name, preset=preset)
        assert named.mapping == by_hand
        for table in ("orders", "order_lines", "customers"):
            columns = [c for c in other.table(table).columns if c != "ingest_id"]
            assert _rows(mart, table, *columns) == _rows(other, table, *columns), table


def test_a_recognised_export_says_which_preset_read_it(mart: Mart) -> None:
    result = load(mart, "transactions", DATA / "shopify_orders_export.csv")
    assert result.notes[0] == (
        "the columns are those of a Shopify orders export: read as --preset shopify does "
        "(add --preset shopify to say so)"
    )


def test_a_preset_without_date_formats_has_them_guessed(mart: Mart, tmp_path: Path) -> None:
    original = (DATA / "woocommerce_orders_export.csv").read_text(encoding="utf-8")
    day_first = re.sub(r"(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d)", r"\3.\2.\1 \4", original)
    assert day_first != original
    result = load(mart, "transactions", write(tmp_path / "w.csv", day_first), preset="woocommerce")
    assert (result.rows_loaded, result.rows_quarantined) == (6, 0)
    written = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", original)
    expected = {dt.datetime.strptime(t, "%Y-%m-%d %H:%M") for t in written}
    assert set(mart.table("orders").order_ts.execute()) == expected
