"""The mapping guessed from names and content, confirmed by loading, or a stop with the flags."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from segmint.exceptions import SchemaError
from segmint.mart import Mart
from segmint.mart.guess import map_flag

from .conftest import DATASETS, load, write
from .test_transactions import CDNOW, CDNOW_OPTIONS, RETAIL, RETAIL_MAPPING


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (
            "CustomerID,InvoiceDate,Quantity,UnitPrice",
            "17850,2010-12-01 08:26,6,2.55",
            {
                "customer_id": "CustomerID",
                "order_ts": "InvoiceDate",
                "quantity": "Quantity",
                "unit_price": "UnitPrice",
            },
        ),
        (
            "customer,Order Date,Total",
            "c1,2024-01-02,10.50",
            {"customer_id": "customer", "order_ts": "Order Date", "amount": "Total"},
        ),
        (
            "Customer Id,created_at,Lineitem quantity,Lineitem price",
            "c1,2024-01-02T10:00:00,2,4.5",
            {
                "customer_id": "Customer Id",
                "order_ts": "created_at",
                "quantity": "Lineitem quantity",
                "unit_price": "Lineitem price",
            },
        ),
        (
            "customer,Order Date (UTC),Total [EUR]",
            "c1,2024-01-02,10.50",
            {"customer_id": "customer", "order_ts": "Order Date (UTC)", "amount": "Total [EUR]"},
        ),
        (
            "household_id,BASKET_ID,purchase_date,sales_value,RETAIL_DISC",
            "1,b7,2024-01-02,3.99,0.5",
            {
                "customer_id": "household_id",
                "order_id": "BASKET_ID",
                "order_ts": "purchase_date",
                "amount": "sales_value",
                "discount": "RETAIL_DISC",
            },
        ),
    ],
)
def test_names_real_exports_use_are_guessed(
    mart: Mart, tmp_path: Path, header: str, row: str, expected: dict[str, str]
) -> None:
    result = load(mart, "transactions", write(tmp_path / "t.csv", f"{header}\n{row}\n"))
    assert result.guessed == expected
    assert result.rows_loaded == 1
    for target, column in expected.items():
        assert map_flag(target, column) in result.map_flags  # paste-able flags


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (  # a web analytics export with its own words for every column
            "Event ID,User ID,Session ID,Event Time,Event Name,Item ID,Event Params",
            'w1,c1,s1,2024-01-02T10:15:00+01:00,add_to_cart,p1,"{""qty"": 1}"',
            {
                "event_id": "Event ID",
                "customer_id": "User ID",
                "session_id": "Session ID",
                "event_ts": "Event Time",
                "event_type": "Event Name",
                "object_id": "Item ID",
                "properties": "Event Params",
            },
        ),
        (  # Segment: the anonymous browser id is no customer and stays unmapped
            "messageId,userId,anonymousId,event,timestamp,properties",
            "m1,c2,a-77,page_view,2024-01-02 10:15:00,",
            {
                "event_id": "messageId",
                "customer_id": "userId",
                "event_type": "event",
                "event_ts": "timestamp",
            },
        ),
    ],
)
def test_names_web_analytics_exports_use_are_guessed(
    shop: Mart, tmp_path: Path, header: str, row: str, expected: dict[str, str]
) -> None:
    result = load(shop, "events", write(tmp_path / "e.csv", f"{header}\n{row}\n"))
    assert result.guessed == expected
    assert result.rows_loaded == 1
    assert "anonymousId" not in result.mapping.values()
    for target, column in expected.items():
        assert map_flag(target, column) in result.map_flags


def test_a_name_whose_content_disagrees_is_not_taken(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id,date,amount\nc1,soon,3\n"
    with pytest.raises(SchemaError, match="has no column 'order_ts'"):  # 'date' holds no dates
        load(mart, "transactions", write(tmp_path / "t.csv", text))


def test_an_ambiguous_guess_stops_with_the_flags_to_choose(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id,Order Date,Invoice Date,amount\nc1,2024-01-02,2024-01-03,3\n"
    with pytest.raises(SchemaError) as caught:
        load(mart, "transactions", write(tmp_path / "t.csv", text))
    message = str(caught.value)
    assert "more than one column could be order_ts" in message
    assert "--map 'order_ts=Order Date' or --map 'order_ts=Invoice Date'" in message
    assert mart.count("orders") == 0
    chosen = load(
        mart, "transactions", write(tmp_path / "t.csv", text), mapping={"order_ts": "Invoice Date"}
    )
    assert chosen.rows_loaded == 1


def test_day_first_dates_are_recognised_by_a_day_above_twelve(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id,order date,amount\nc1,03/04/2024,1\nc1,25/04/2024,2\n"
    load(mart, "transactions", write(tmp_path / "t.csv", text))
    days = sorted(str(d)[:10] for d in mart.table("orders").order_ts.execute())
    assert days == ["2024-04-03", "2024-04-25"]


def test_dates_that_read_both_ways_stop_with_both_formats(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id,order date,amount\nc1,03/04/2024,1\nc1,05/04/2024,2\n"
    with pytest.raises(SchemaError, match="--date-format '%m/%d/%Y' or --date-format '%d/%m/%Y'"):
        load(mart, "transactions", write(tmp_path / "t.csv", text))


def test_dates_in_a_column_named_like_the_mart_have_their_format_guessed(
    mart: Mart, tmp_path: Path
) -> None:
    text = "customer_id,order_ts,amount\nc1,03/14/2024,10\nc2,05/06/2024,10\n"
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    days = sorted(str(d)[:10] for d in mart.table("orders").order_ts.execute())
    assert days == ["2024-03-14", "2024-05-06"]  # month first: 14 cannot be a month


def test_undecidable_dates_in_a_column_named_like_the_mart_stop_with_both_formats(
    mart: Mart, tmp_path: Path
) -> None:
    text = "customer_id,order_ts,amount\nc1,03/04/2024,10\nc2,05/06/2024,10\n"
    with pytest.raises(SchemaError, match="--date-format '%m/%d/%Y' or --date-format '%d/%m/%Y'"):
        load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert mart.count("orders") == 0


def test_a_missing_column_suggests_the_flag_and_the_preset(mart: Mart, tmp_path: Path) -> None:
    text = "Name,Email,Created at,Lineitem quantity,Lineitem price\n#1,a@b.c,2024-01-02,1,2\n"
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert result.rows_loaded == 1  # the customer is keyed by the e-mail: nothing is missing
    text = "Name,Created at,Lineitem quantity,Lineitem price\n#1,2024-01-02,1,2\n"
    with pytest.raises(
        SchemaError, match=r"Map it with --map customer_id=<column>\..*--map 'order_ts=Created at'"
    ):
        load(mart, "transactions", write(tmp_path / "u.csv", text))
    text = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n1,A,1,2024-01-02,2\n"
    with pytest.raises(
        SchemaError, match=r"looks like a UCI Online Retail .* try --preset uci-online-retail"
    ):
        load(mart, "transactions", write(tmp_path / "v.csv", text))


def test_guessing_can_be_turned_off(mart: Mart, tmp_path: Path) -> None:
    text = "CustomerID,InvoiceDate,Total\nc1,2024-01-02,3\n"
    with pytest.raises(SchemaError, match="has no column 'customer_id', 'order_ts'"):
        load(mart, "transactions", write(tmp_path / "t.csv", text), guess=False)


@pytest.mark.slow
def test_the_guessed_mapping_of_online_retail_is_the_hand_mapping(mart: Mart) -> None:
    path = RETAIL / "online_retail_ii_2009_2010.csv.gz"
    result = load(mart, "transactions", path)
    assert result.mapping == RETAIL_MAPPING
    assert result.guessed == RETAIL_MAPPING
    with gzip.open(path, "rt", encoding="utf-8") as text:
        header = next(csv.reader(text))
    assert [u.column for u in result.columns] == header  # columns in == columns out
    assert {u.fate for u in result.columns} == {"loaded"}


@pytest.mark.slow
def test_the_guessed_mapping_of_cdnow_is_the_hand_mapping(mart: Mart) -> None:
    result = load(mart, "transactions", CDNOW)
    assert result.guessed == CDNOW_OPTIONS["mapping"]
    with CDNOW.open(encoding="utf-8") as text:
        header = text.readline().split()
    assert [u.column for u in result.columns] == header  # columns in == columns out
    assert result.rows_loaded == 69_659  # and the date format %Y%m%d was guessed
    assert (DATASETS / "cdnow").is_dir()


def test_without_guessing_the_mapping_date_formats_are_still_guessed(
    mart: Mart, tmp_path: Path
) -> None:
    text = "customer_id,order_id,order_ts,amount\nc1,o1,03/14/2024,10\nc2,o2,05/06/2024,10\n"
    result = load(mart, "transactions", write(tmp_path / "t.csv", text), guess=False)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert result.readings == ("order_ts dates as %m/%d/%Y",)
    days = sorted(str(d)[:10] for d in mart.table("orders").order_ts.execute())
    assert days == ["2024-03-14", "2024-05-06"]


def test_without_guessing_undecidable_dates_stop_with_both_formats(
    mart: Mart, tmp_path: Path
) -> None:
    text = "customer_id,order_id,order_ts,amount\nc1,o1,03/04/2024,10\nc2,o2,05/06/2024,10\n"
    with pytest.raises(SchemaError, match="--date-format '%m/%d/%Y' or --date-format '%d/%m/%Y'"):
        load(mart, "transactions", write(tmp_path / "t.csv", text), guess=False)
    assert mart.count("orders") == 0


CAMPAIGNS_CSV = "campaign_id,name\nk1,Spring\n"


@pytest.mark.parametrize(
    ("table", "header", "row", "expected"),
    [
        (  # a Shopify products export
            "products",
            "Variant SKU,Title,Vendor,Product Category,Variant Price,Cost per item",
            "p7,Pen,Acme,Stationery,2.50,1.10",
            {
                "product_id": "Variant SKU",
                "name": "Title",
                "category": "Product Category",
                "brand": "Vendor",
                "list_price": "Variant Price",
                "unit_cost": "Cost per item",
            },
        ),
        (  # an ERP item list; the shop's row number 'ID' is not the product
            "products",
            "ID,Item,Item Name,Department,Regular Price,Unit Cost",
            "17,p7,Pen,Stationery,2.50,1.10",
            {
                "product_id": "Item",
                "name": "Item Name",
                "category": "Department",
                "list_price": "Regular Price",
                "unit_cost": "Unit Cost",
            },
        ),
        (
            "consents",
            "Customer ID,Channel,Email Opt-in,Source,Last Updated",
            "c1,email,yes,checkout,2024-01-02 10:00:00",
            {
                "customer_id": "Customer ID",
                "channel": "Channel",
                "granted": "Email Opt-in",
                "source": "Source",
                "updated_at": "Last Updated",
            },
        ),
        (
            "consents",
            "Contact ID,Medium,Marketing consent,Consent Date",
            "c1,sms,false,2024-01-02",
            {
                "customer_id": "Contact ID",
                "channel": "Medium",
                "granted": "Marketing consent",
                "updated_at": "Consent Date",
            },
        ),
        (  # traits of a customer-data platform
            "customer_attributes",
            "user_id,trait,trait_value,timestamp",
            "c1,interest,running,2024-01-02",
            {
                "customer_id": "user_id",
                "name": "trait",
                "value": "trait_value",
                "updated_at": "timestamp",
            },
        ),
        (  # survey answers
            "customer_attributes",
            "Member ID,Question,Answer,Data Source",
            "c2,favourite_sport,tennis,survey",
            {
                "customer_id": "Member ID",
                "name": "Question",
                "value": "Answer",
                "source": "Data Source",
            },
        ),
        (
            "campaign_members",
            "Campaign,Recipient ID,Test Group,Date Added",
            "k1,c1,target,2024-01-02",
            {
                "campaign_id": "Campaign",
                "customer_id": "Recipient ID",
                "group": "Test Group",
                "assigned_at": "Date Added",
            },
        ),
    ],
)
def test_names_catalogue_consent_attribute_and_audience_exports_use_are_guessed(
    shop: Mart, tmp_path: Path, table: str, header: str, row: str, expected: dict[str, str]
) -> None:
    load(shop, "campaigns", write(tmp_path / "k.csv", CAMPAIGNS_CSV))
    result = load(shop, table, write(tmp_path / "f.csv", f"{header}\n{row}\n"))
    assert result.guessed == expected
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    for target, column in expected.items():
        assert map_flag(target, column) in result.map_flags


@pytest.mark.parametrize(
    ("table", "header", "row", "target", "choice"),
    [
        (  # one channel's consent per column: which one is 'granted' is the user's call
            "consents",
            "customer_id,channel,Email Opt-in,SMS Opt-in,updated_at",
            "c1,email,yes,no,2024-01-02",
            "granted",
            "--map 'granted=Email Opt-in' or --map 'granted=SMS Opt-in'",
        ),
        (
            "products",
            "SKU,Stock Code,name",
            "p7,A-7,Pen",
            "product_id",
            "--map product_id=SKU or --map 'product_id=Stock Code'",
        ),
        (
            "customer_attributes",
            "customer_id,Question,Field,value",
            "c1,q1,f1,yes",
            "name",
            "--map name=Question or --map name=Field",
        ),
    ],
)
def test_two_columns_that_could_be_one_stop_with_the_choice(
    shop: Mart, tmp_path: Path, table: str, header: str, row: str, target: str, choice: str
) -> None:
    with pytest.raises(SchemaError) as caught:
        load(shop, table, write(tmp_path / "f.csv", f"{header}\n{row}\n"))
    assert f"more than one column could be {target}" in str(caught.value)
    assert choice in str(caught.value)
    assert shop.count(table) == (1 if table == "products" else 0)  # the shop's p1 only


def test_a_consent_column_that_holds_no_yes_or_no_is_not_taken(shop: Mart, tmp_path: Path) -> None:
    text = "customer_id,channel,Subscribed,updated_at\nc1,email,2024-01-02,2024-01-02\n"
    with pytest.raises(SchemaError, match="has no column 'granted'"):
        load(shop, "consents", write(tmp_path / "c.csv", text))


def test_a_zip_column_of_area_words_is_not_guessed_as_postcode(mart: Mart, tmp_path: Path) -> None:
    # Hillstrom's zip_code holds the area type, not a postcode
    text = "customer_id,zip_code\nc1,Urban\nc2,Rural\nc3,Surburban\nc4,Urban\n"
    result = load(mart, "customers", write(tmp_path / "c.csv", text))
    assert "postcode" not in result.mapping
    assert mart.table("customers").postcode.notnull().sum().execute() == 0


def test_a_zip_column_of_postcodes_is_guessed_as_postcode(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id,zip_code\nc1,10115\nc2,SW1A 1AA\nc3,1012 AB\n"
    result = load(mart, "customers", write(tmp_path / "c.csv", text))
    assert result.guessed["postcode"] == "zip_code"
