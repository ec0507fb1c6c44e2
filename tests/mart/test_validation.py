"""Row validation per table: each rule rejects the row with its reason and row number.

Every case loads a small file into the ``shop`` mart (customers c1-c3, product p1 and
order o1) and compares the quarantine (data row number → reason) with the rule's text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from segmint.exceptions import SchemaError
from segmint.mart import Mart

from .conftest import column, counts, load, quarantine, reasons_by_row, write

CUSTOMER_HINT = "not in customers; load customers first, or pass --create-customers"


CASES: list[tuple[str, str, str, dict[int, str]]] = [
    (
        "missing required value",
        "orders",
        "order_id,customer_id,order_ts\no2,c1,2024-01-01\no3,,2024-01-01\n,c2,2024-01-01\n",
        {2: "missing customer_id", 3: "missing order_id"},
    ),
    (
        "unparseable timestamp",
        "orders",
        "order_id,customer_id,order_ts\no2,c1,2024-13-01\no3,c1,2024-01-01\n",
        {1: "order_ts: cannot read '2024-13-01' as a timestamp"},
    ),
    (
        "unparseable whole number",
        "customers",
        "customer_id,birth_year\nc7,abc\nc8,1980\nc9,1980.5\n",
        {
            1: "birth_year: cannot read 'abc' as a whole number",
            3: "birth_year: cannot read '1980.5' as a whole number",
        },
    ),
    (
        "unparseable boolean",
        "consents",
        "customer_id,channel,granted,updated_at\nc1,email,maybe,2024-01-01\nc1,sms,yes,2024-01-01\n",
        {1: "granted: cannot read 'maybe' as true or false"},
    ),
    (
        "unparseable number",
        "products",
        "product_id,list_price\np2,cheap\np3,$4.50\n",
        {1: "list_price: cannot read 'cheap' as a number"},
    ),
    (
        "negative price",
        "products",
        "product_id,list_price,unit_cost\np2,-5,1\np3,5,(2.00)\np4,5,2\n",
        {1: "list_price: negative value -5", 2: "unit_cost: negative value (2.00)"},
    ),
    (
        "negative unit price on a line",
        "order_lines",
        "order_id,line_no,product_id,quantity,unit_price\no1,1,p1,2,-1.5\no1,2,p1,-1,1.5\n",
        {1: "unit_price: negative value -1.5"},
    ),
    (
        "order status outside its choices",
        "orders",
        "order_id,customer_id,order_ts,status\no2,c1,2024-01-01,shipped\no3,c1,2024-01-01,RETURNED\n",
        {1: "status: 'shipped' is not one of completed, returned, cancelled"},
    ),
    (
        "event type outside its choices",
        "events",
        "event_id,customer_id,event_ts,event_type\ne1,c1,2024-01-01,foo\ne2,c1,2024-01-01,page_view\n",
        {
            1: "event_type: 'foo' is not one of page_view, search, product_view, add_to_cart, "
            "remove_from_cart, checkout, ad_impression, ad_click, email_send, email_open, email_click"
        },
    ),
    (
        "future timestamp",
        "orders",
        "order_id,customer_id,order_ts\no2,c1,2999-01-01\no3,c1,2024-01-01 10:00\n",
        {1: "order_ts: '2999-01-01' is in the future"},
    ),
    (
        "future date",
        "customers",
        "customer_id,signup_date\nc7,2999-12-31\nc8,2020-01-01\n",
        {1: "signup_date: '2999-12-31' is in the future"},
    ),
    (
        "unknown customer",
        "orders",
        "order_id,customer_id,order_ts\no2,c1,2024-01-01\no3,c99,2024-01-01\n",
        {2: f"unknown customer_id 'c99': {CUSTOMER_HINT}"},
    ),
    (
        "unknown order",
        "order_lines",
        "order_id,line_no,product_id,quantity,unit_price\no9,1,p1,1,2\no1,1,p1,1,2\n",
        {1: "unknown order_id 'o9': not in orders; load orders first"},
    ),
    (
        "unknown product",
        "order_lines",
        "order_id,line_no,product_id,quantity,unit_price\no1,1,p1,1,2\no1,2,p7,1,2\no1,3,,1,2\n",
        {2: "unknown product_id 'p7': not in products; load products first"},
    ),
    (
        "unknown customer of an attribute",
        "customer_attributes",
        "customer_id,name,value\nc5,interest,golf\nc1,interest,golf\n",
        {
            1: "unknown customer_id 'c5': not in customers; load customers first, or pass --create-customers"
        },
    ),
    (
        "unknown campaign",
        "campaign_members",
        "campaign_id,customer_id,group\nk1,c1,target\n",
        {1: "unknown campaign_id 'k1': not in campaigns; load campaigns first"},
    ),
    (
        "duplicate key with different content",
        "orders",
        "order_id,customer_id,order_ts\no2,c1,2024-01-01\no2,c2,2024-01-01\no2,c1,2024-01-01\n",
        {2: "duplicate key order_id=o2 with different content than row 1"},
    ),
    (
        "duplicate composite key with different content",
        "order_lines",
        "order_id,line_no,product_id,quantity,unit_price\no1,1,p1,1,2\no1,1,p1,5,2\n",
        {2: "duplicate key order_id=o1, line_no=1 with different content than row 1"},
    ),
    (
        "first problem of a row wins",
        "orders",
        "order_id,customer_id,order_ts,status\no2,,2999-01-01,shipped\no3,c1,2999-01-01,shipped\n",
        {2: "order_ts: '2999-01-01' is in the future", 1: "missing customer_id"},
    ),
]


@pytest.mark.parametrize(
    ("table", "text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule_rejects_row_with_reason(
    shop: Mart, tmp_path: Path, table: str, text: str, expected: dict[int, str]
) -> None:
    path = write(tmp_path / f"{table}.csv", text)
    n_rows = len(text.strip().splitlines()) - 1
    result = load(shop, table, path)
    assert reasons_by_row(shop) == expected
    assert result.rows_quarantined == len(expected)
    assert result.reconciles
    assert result.rows_read == n_rows
    for row in quarantine(shop):
        assert row["source"] == str(path)
        assert row["ingest_id"] == result.ingest_id
        assert row["raw_json"] is not None


def test_quarantined_row_keeps_its_raw_content(shop: Mart, tmp_path: Path) -> None:
    text = 'order_id,customer_id,order_ts,note\no2,c1,2024-01-01,ok\no3,c1,soon,"a, b"\n'
    load(shop, "orders", write(tmp_path / "orders.csv", text))
    [row] = quarantine(shop)
    assert row["row_number"] == 2
    assert row["raw_json"] == {
        "order_id": "o3",
        "customer_id": "c1",
        "order_ts": "soon",
        "note": "a, b",
    }


def test_identical_repeat_in_the_file_is_a_duplicate(shop: Mart, tmp_path: Path) -> None:
    text = "order_id,customer_id,order_ts\no2,c1,2024-01-01\no2,c1,2024-01-01\no3,c2,2024-01-02\n"
    result = load(shop, "orders", write(tmp_path / "orders.csv", text))
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (2, 1, 0)
    assert column(shop, "orders", "order_id") == ["o1", "o2", "o3"]


def test_key_already_in_the_mart_is_a_duplicate_even_with_other_content(
    shop: Mart, tmp_path: Path
) -> None:
    text = "order_id,customer_id,order_ts,channel\no1,c1,2024-01-05,web\no2,c2,2024-01-06,app\n"
    result = load(shop, "orders", write(tmp_path / "orders.csv", text))
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (1, 1, 0)
    assert column(shop, "orders", "channel") == ["app", None]  # o1 is not overwritten


def test_values_are_stored_typed_and_normalised(shop: Mart, tmp_path: Path) -> None:
    text = "order_id,customer_id,order_ts,status\n o2 ,c1,2024-01-01T10:30,Completed\n"
    load(shop, "orders", write(tmp_path / "orders.csv", text))
    row = shop.table("orders").filter(lambda t: t.order_id == "o2").execute().iloc[0]
    assert row.status == "completed"
    assert str(row.order_ts) == "2024-01-01 10:30:00"


def test_create_customers_adds_unknown_customers(shop: Mart, tmp_path: Path) -> None:
    text = "order_id,customer_id,order_ts\no2,c1,2024-01-01\no3,c42,2024-01-01\no4,c42,2024-01-02\n"
    result = load(shop, "orders", write(tmp_path / "orders.csv", text), create_customers=True)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert result.written == {"customers": 1, "orders": 3}
    assert column(shop, "customers", "customer_id") == ["c1", "c2", "c3", "c42"]


def test_mapping_renames_file_columns(shop: Mart, tmp_path: Path) -> None:
    text = "Invoice,Cust,When,status\nI1,c2,2024-02-01,completed\n"
    mapping = {"order_id": "Invoice", "customer_id": "Cust", "order_ts": "When"}
    result = load(shop, "orders", write(tmp_path / "orders.csv", text), mapping=mapping)
    assert result.rows_loaded == 1
    assert column(shop, "orders", "order_id") == ["I1", "o1"]


def test_unused_file_columns_are_reported(shop: Mart, tmp_path: Path) -> None:
    text = "order_id,customer_id,order_ts,shoe_size\nI9,c1,2024-01-01,42\n"
    result = load(shop, "orders", write(tmp_path / "orders.csv", text))
    assert result.ignored_columns == ("shoe_size",)
    (use,) = [u for u in result.columns if u.column == "shoe_size"]
    assert use.fate == "reported"
    assert "--ignore shoe_size" in use.note


@pytest.mark.parametrize(
    ("text", "mapping", "message"),
    [
        (
            "order_id,cust,order_ts\no2,c1,2024-01-01\n",
            {},
            r"orders\.csv has no column 'customer_id' needed for orders; "
            r"found \['order_id', 'cust', 'order_ts'\]\. Map it with --map customer_id=<column>",
        ),
        (
            "order_id,cust,order_ts\no2,c1,2024-01-01\n",
            {"customer_id": "client"},
            r"--map customer_id=client: the file has no column 'client'; found \['order_id'",
        ),
        (
            "order_id,cust,order_ts\no2,c1,2024-01-01\n",
            {"client": "cust"},
            r"--map client=cust: 'client' is not a column of orders",
        ),
    ],
)
def test_column_problems_are_schema_errors_that_leave_the_mart_untouched(
    shop: Mart, tmp_path: Path, text: str, mapping: dict[str, str], message: str
) -> None:
    before = counts(shop)
    with pytest.raises(SchemaError, match=message):
        load(shop, "orders", write(tmp_path / "orders.csv", text), mapping=mapping)
    assert counts(shop) == before


def test_unknown_table_is_a_schema_error(shop: Mart, tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"unknown table 'order'; choose one of customers, "):
        load(shop, "order", write(tmp_path / "o.csv", "a\n1\n"))


@pytest.mark.usefixtures("far_time_zone")
def test_the_future_starts_after_the_clock_furthest_ahead_of_utc(
    shop: Mart, tmp_path: Path
) -> None:
    """Timestamps are a shop's clock time: 13 hours after UTC it is now in Auckland in
    summer or in Samoa (o3); 15 hours after, nowhere (o4). The machine's zone plays no part."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    past, ahead = now - dt.timedelta(hours=1), now + dt.timedelta(hours=13)
    future = now + dt.timedelta(hours=15)
    text = f"order_id,customer_id,order_ts\no2,c1,{past}\no3,c2,{ahead}\no4,c2,{future}\n"
    load(shop, "orders", write(tmp_path / "orders.csv", text))
    assert reasons_by_row(shop) == {3: f"order_ts: '{future}' is in the future"}


def test_anonymous_events_are_counted_in_a_note_saying_why_they_are_left_out(
    shop: Mart, tmp_path: Path
) -> None:
    text = (
        "event_id,customer_id,event_ts,event_type\n"
        "e1,c1,2024-01-01,page_view\ne2,,2024-01-01,page_view\ne3,,2024-01-01,search\n"
    )
    result = load(shop, "events", write(tmp_path / "events.csv", text))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert reasons_by_row(shop) == {2: "missing customer_id", 3: "missing customer_id"}
    note = (
        "2 events name no customer (anonymous visitors): quarantined as 'missing customer_id' "
        "and left out of every feature; segmint keeps the events of known customers only"
    )
    assert note in result.notes


def test_orders_without_a_customer_get_no_note_about_anonymous_visitors(
    shop: Mart, tmp_path: Path
) -> None:
    text = "order_id,customer_id,order_ts\no2,,2024-01-01\n"
    result = load(shop, "orders", write(tmp_path / "orders.csv", text))
    assert result.rows_quarantined == 1
    assert not any("anonymous" in note for note in result.notes)


def test_a_load_of_events_names_the_unknown_event_types_it_quarantined(
    shop: Mart, tmp_path: Path
) -> None:
    text = (
        "event_id,customer_id,event_ts,event_type\n"
        "e1,c1,2024-01-01,page_view\ne2,c1,2024-01-01,scroll\n"
        "e3,c2,2024-01-01,purchase\ne4,c3,2024-01-01,scroll\n"
    )
    result = load(shop, "events", write(tmp_path / "events.csv", text))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 3)
    assert "event types not known to segmint, quarantined: 'scroll' 2, 'purchase' 1" in (
        result.notes
    )
