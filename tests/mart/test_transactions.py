"""Flat transaction files becoming orders, order lines, customers and products.

The small cases pin each shape a user's file can have; the real-data cases reproduce the
published counts of the CDNOW purchase log and of Online Retail II, derived independently
from the raw files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from segmint.exceptions import SchemaError
from segmint.mart import Mart

from .conftest import DATASETS, column, counts, load, reasons_by_row, write


def _rows(mart: Mart, table: str, *columns: str) -> list[tuple[Any, ...]]:
    frame = mart.table(table).select(*columns).order_by(list(columns)).execute()
    return [
        tuple(None if v is None or v != v else v for v in row)
        for row in frame.itertuples(index=False)
    ]


def _lines(mart: Mart) -> list[tuple[Any, ...]]:
    return _rows(mart, "order_lines", "order_id", "line_no", "product_id", "quantity", "unit_price")


def test_amount_only_lines_make_customer_day_orders_and_returns(mart: Mart, tmp_path: Path) -> None:
    text = (
        "customer_id,order_ts,amount\n"
        "c1,2024-01-01,10\n"
        "c1,2024-01-01,10\n"
        "c1,2024-01-02 09:30,-5\n"
        "c2,2024-01-03 10:00:00,$7.50\n"
    )
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert (result.rows_loaded, result.rows_quarantined) == (4, 0)
    # The refund of 2024-01-02 is booked on c1's latest earlier order, not a purchase of its own.
    assert _lines(mart) == [
        ("c1@2024-01-01T00:00:00", 1, None, 1.0, 10.0),
        ("c1@2024-01-01T00:00:00", 2, None, 1.0, 10.0),
        ("c1@2024-01-01T00:00:00", 3, None, -1.0, 5.0),
        ("c2@2024-01-03T10:00:00", 1, None, 1.0, 7.5),
    ]
    assert _rows(mart, "orders", "order_id", "customer_id", "status") == [
        ("c1@2024-01-01T00:00:00", "c1", "returned"),
        ("c2@2024-01-03T10:00:00", "c2", "completed"),
    ]
    assert result.written == {"customers": 2, "products": 0, "orders": 2, "order_lines": 4}


def test_quantity_times_unit_price(mart: Mart, tmp_path: Path) -> None:
    text = (
        "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
        "A,c1,2024-02-01,p1,2,1.50\n"
        "A,c1,2024-02-01,p2,3,2\n"
        "B,c2,2024-02-02,p1,-1,1.50\n"
        "C,c2,2024-02-03,p1,-1,1.50\n"
        "C,c2,2024-02-03,p2,1,2\n"
    )
    load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert _lines(mart) == [
        ("A", 1, "p1", 2.0, 1.5),
        ("A", 2, "p2", 3.0, 2.0),
        ("B", 1, "p1", -1.0, 1.5),
        ("C", 1, "p1", -1.0, 1.5),
        ("C", 2, "p2", 1.0, 2.0),
    ]
    # B returns a p1 that c2 bought nowhere in the file: a cancelled order, not a purchase.
    # C sells and returns in one order: a completed order with a return line.
    assert _rows(mart, "orders", "order_id", "status") == [
        ("A", "completed"),
        ("B", "cancelled"),
        ("C", "completed"),
    ]


def test_quantity_with_amount_derives_the_unit_price(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id,order_ts,quantity,amount\nc1,2024-03-01,4,10\nc1,2024-03-02,2,-3\nc1,2024-03-03,-2,-3\n"
    load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert [line[3:] for line in _lines(mart)] == [(4.0, 2.5), (-2.0, 1.5), (-2.0, 1.5)]


def test_identical_lines_are_kept_as_separate_lines(mart: Mart, tmp_path: Path) -> None:
    line = "O1,c1,2024-01-01,p1,1,3\n"
    text = "order_id,customer_id,order_ts,product_id,quantity,unit_price\n" + line * 3
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert (result.rows_loaded, result.rows_duplicate) == (3, 0)
    assert [row[1] for row in _lines(mart)] == [1, 2, 3]


def test_new_customers_and_products_are_created_once(shop: Mart, tmp_path: Path) -> None:
    text = (
        "order_id,customer_id,order_ts,product_id,product_name,category,quantity,unit_price,country\n"
        "A,c1,2024-02-01,p1,Renamed pen,office,1,2,UK\n"
        "A,c1,2024-02-01,p2,Ink,office,1,2,UK\n"
        "B,c7,2024-02-03,p2,Ink (again),,1,2,ES\n"
        "C,c7,2024-02-02,p3,,,1,2,FR\n"
    )
    result = load(shop, "transactions", write(tmp_path / "t.csv", text))
    assert result.written == {"customers": 1, "products": 2, "orders": 3, "order_lines": 4}
    assert _rows(shop, "customers", "customer_id", "country") == [
        ("c1", "UK"),
        ("c2", "FR"),
        ("c3", "DE"),
        ("c7", "ES"),  # the latest line of c7 in the file
    ]
    signup = shop.table("customers").filter(lambda t: t.customer_id == "c7").signup_date.execute()
    assert str(signup.iloc[0])[:10] == "2024-02-02"  # the earliest order, not the first line
    assert _rows(shop, "products", "product_id", "name", "category") == [
        ("p1", "Pen", None),  # already known: not overwritten
        ("p2", "Ink", "office"),
        ("p3", None, None),
    ]


def test_an_order_id_used_by_two_customers_is_quarantined(shop: Mart, tmp_path: Path) -> None:
    text = (
        "order_id,customer_id,order_ts,amount\n"
        "A,c3,2024-02-01,5\n"
        "A,c3,2024-02-01,6\n"
        "A,c2,2024-02-01,7\n"
        "o1,c2,2024-02-01,8\n"
    )
    result = load(shop, "transactions", write(tmp_path / "t.csv", text))
    assert reasons_by_row(shop) == {
        3: "order_id 'A' belongs to customer 'c3', not 'c2'",
        4: "order_id 'o1' belongs to customer 'c1', not 'c2'",
    }
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)


def test_lines_without_a_usable_value_are_quarantined(mart: Mart, tmp_path: Path) -> None:
    text = (
        "customer_id,order_ts,quantity,unit_price,amount\n"
        "c1,2024-01-01,,,\n"
        "c1,2024-01-01,2,,\n"
        "c1,2024-01-01,0,,5\n"
        "c1,2024-01-01,1,-2,\n"
        ",2024-01-01,1,2,\n"
        "c1,2999-01-01,1,2,\n"
        "c1,2024-01-01,1,2,\n"
    )
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert reasons_by_row(mart) == {
        1: "missing amount (or quantity and unit_price)",
        2: "missing amount (or quantity and unit_price)",
        3: "quantity is 0, so no unit price can be derived from amount",
        4: "unit_price: negative value -2",
        5: "missing customer_id",
        6: "order_ts: '2999-01-01' is in the future",
    }
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 1, 6)


def test_a_file_without_a_value_column_is_a_schema_error(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "customer_id,order_ts,quantity\nc1,2024-01-01,1\n")
    with pytest.raises(
        SchemaError, match=r"t\.csv: a transactions file needs a value.*--map amount="
    ):
        load(mart, "transactions", path)
    assert counts(mart)["ingests"] == 0


def test_lines_loaded_again_from_another_file_are_duplicates(mart: Mart, tmp_path: Path) -> None:
    header = "order_id,customer_id,order_ts,amount\n"
    load(
        mart,
        "transactions",
        write(tmp_path / "a.csv", header + "A,c1,2024-01-01,5\nA,c1,2024-01-01,6\n"),
    )
    result = load(
        mart,
        "transactions",
        write(
            tmp_path / "b.csv", header + "A,c1,2024-01-01,5\nA,c1,2024-01-01,6\nB,c1,2024-01-02,1\n"
        ),
    )
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (1, 2, 0)
    assert column(mart, "orders", "order_id") == ["A", "B"]
    assert mart.count("order_lines") == 3


def test_lines_extending_a_loaded_order_are_quarantined_not_dropped(
    mart: Mart, tmp_path: Path
) -> None:
    header = "order_id,customer_id,order_ts,amount\n"
    load(mart, "transactions", write(tmp_path / "a.csv", header + "A,c1,2024-01-01,5\n"))
    result = load(
        mart,
        "transactions",
        write(tmp_path / "b.csv", header + "A,c1,2024-01-01,7\nB,c1,2024-01-02,1\n"),
    )
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (1, 0, 1)
    assert reasons_by_row(mart)[1].startswith("order_id 'A' line 1 is already loaded with other")
    assert mart.count("order_lines") == 2


# ---------------------------------------------------------------- real data

CDNOW = DATASETS / "cdnow" / "CDNOW_master.txt"
CDNOW_OPTIONS: dict[str, Any] = {
    "mapping": {"order_ts": "date", "quantity": "number_of_cds", "amount": "dollar_value"},
    "date_formats": ("%Y%m%d",),
}
RETAIL = DATASETS / "online_retail_ii_2009_2010"
RETAIL_MAPPING = {
    "order_id": "Invoice",
    "product_id": "StockCode",
    "product_name": "Description",
    "quantity": "Quantity",
    "order_ts": "InvoiceDate",
    "unit_price": "Price",
    "customer_id": "Customer ID",
    "country": "Country",
}


def _value(mart: Mart) -> float:
    lines = mart.table("order_lines")
    return round(float((lines.quantity * lines.unit_price).sum().execute()), 2)


@pytest.mark.slow
def test_cdnow_purchase_log_loads_exactly(mart: Mart) -> None:
    result = load(mart, "transactions", CDNOW, **CDNOW_OPTIONS)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (69_659, 69_659, 0)
    assert mart.count("order_lines") == 69_659
    assert mart.count("orders") == 67_591
    assert mart.count("customers") == 23_570
    assert _value(mart) == 2_500_315.63
    assert column(mart, "customers", "customer_id")[:2] == ["00001", "00002"]

    before = counts(mart)
    again = load(mart, "transactions", CDNOW, **CDNOW_OPTIONS)
    assert again.already_loaded
    assert counts(mart) == dict(before, ingests=before["ingests"] + 1)


def _raw_retail_facts() -> dict[str, Any]:
    """Counts read straight from the raw parquet with DuckDB SQL, independent of segmint."""
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW raw AS SELECT * FROM read_parquet('{RETAIL / 'online_retail_ii_2009_2010.parquet'}')"
    )

    def one(sql: str) -> Any:
        row = con.execute(sql).fetchone()
        assert row is not None
        return row[0]

    facts = {
        "rows": one("SELECT count(*) FROM raw"),
        "no_customer": one('SELECT count(*) FROM raw WHERE "Customer ID" IS NULL'),
        "negative_price_with_customer": one(
            'SELECT count(*) FROM raw WHERE "Customer ID" IS NOT NULL AND "Price" < 0'
        ),
        "invoice_with_two_customers": one(
            'SELECT count(*) FROM (SELECT "Invoice" FROM raw WHERE "Customer ID" IS NOT NULL '
            'GROUP BY 1 HAVING count(DISTINCT "Customer ID") > 1)'
        ),
        "customers": one('SELECT count(DISTINCT "Customer ID") FROM raw'),
        "value": one(
            'SELECT round(sum("Quantity" * "Price"), 2) FROM raw '
            'WHERE "Customer ID" IS NOT NULL AND "Price" >= 0'
        ),
    }
    con.close()
    return facts


@pytest.fixture(scope="module")
def retail_facts() -> dict[str, Any]:
    return _raw_retail_facts()


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["online_retail_ii_2009_2010.parquet", "online_retail_ii_2009_2010.csv.gz"]
)
def test_online_retail_reconciles_row_for_row(
    mart: Mart, name: str, retail_facts: dict[str, Any]
) -> None:
    assert retail_facts["rows"] == 502_938
    assert retail_facts["no_customer"] == 100_207
    assert retail_facts["invoice_with_two_customers"] == 0
    assert (
        retail_facts["negative_price_with_customer"] == 0
    )  # its 3 negative prices lack a customer
    result = load(mart, "transactions", RETAIL / name, mapping=RETAIL_MAPPING)
    expected_quarantine = retail_facts["no_customer"] + retail_facts["negative_price_with_customer"]
    assert result.reconciles
    assert (result.rows_read, result.rows_quarantined) == (502_938, expected_quarantine)
    assert result.rows_loaded == 502_938 - expected_quarantine
    reasons = mart.table("quarantine").reason
    negative = reasons.startswith("unit_price: negative value ")
    assert int((reasons == "missing customer_id").sum().execute()) == retail_facts["no_customer"]
    assert int(negative.sum().execute()) == retail_facts["negative_price_with_customer"]
    orders = mart.table("orders")
    sales = orders.filter(~orders.order_id.startswith("C"))
    assert sales.count().execute() == 18_439  # the README's "clean" invoices, every one kept
    # Cancellation invoices are never purchases: booked on their sale, or cancelled.
    cancellations = orders.filter(orders.order_id.startswith("C"))
    assert cancellations.filter(cancellations.status != "cancelled").count().execute() == 0
    assert mart.count("customers") == retail_facts["customers"] == 4_336
    assert _value(mart) == retail_facts["value"]


def test_identical_repeated_lines_are_kept_and_counted(mart: Mart, tmp_path: Path) -> None:
    header = "customer_id,order_id,order_ts,product_id,quantity,unit_price\n"
    line = "c1,o1,2024-01-05,p1,2,10.00\n"
    other = "c1,o1,2024-01-05,p2,1,4.00\n"
    text = header + line + line + other + line
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (4, 4, 0)
    assert mart.count("order_lines") == 4  # the same item bought again: separate lines
    n_repeats = len(text.splitlines()[1:]) - len(set(text.splitlines()[1:]))
    assert (
        f"{n_repeats} lines repeat an earlier identical line of the file; kept as separate lines"
        in " ".join(result.notes)
    )
    again = "c2,o2,2024-01-06,p2,1,4.00\n"
    single = load(mart, "transactions", write(tmp_path / "u.csv", header + again + again))
    assert single.rows_loaded == 2
    assert "1 line repeats an earlier identical line" in " ".join(single.notes)
