"""A later file fills the empty columns of existing customers; differing values are conflicts
that keep the mart's value and are reported."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segmint.mart import Mart

from .conftest import load, write


def _customers(mart: Mart) -> pd.DataFrame:
    return mart.table("customers").execute().set_index("customer_id")


def _attributes(mart: Mart) -> dict[tuple[str, str], str]:
    frame = mart.table("customer_attributes").execute()
    return {(r.customer_id, r.name): r.value for r in frame.itertuples()}


def test_a_customers_file_fills_empty_columns_and_reports_conflicts(
    mart: Mart, tmp_path: Path
) -> None:
    first = "customer_id,country,city,tier\nc1,,Leeds,gold\nc2,UK,,silver\nc3,,,\n"
    load(mart, "customers", write(tmp_path / "a.csv", first))
    second = (
        "customer_id,country,city,tier\n"
        "c1,UK,York,gold\n"  # fills country; city differs: a conflict, Leeds kept
        "c2,FR,Paris,bronze\n"  # fills city; country and tier differ: conflicts
        "c3,DE,,\n"  # fills country
        "c4,SE,,\n"  # new
        "c1,UK,York,gold\n"  # repeats row 1
    )
    result = load(mart, "customers", write(tmp_path / "b.csv", second))
    assert result.reconciles
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (4, 1, 0)
    assert result.written == {"customers": 1, "customer_attributes": 0, "customers updated": 3}
    customers = _customers(mart)
    assert customers.country.to_dict() == {"c1": "UK", "c2": "UK", "c3": "DE", "c4": "SE"}
    assert customers.city.to_dict()["c1"] == "Leeds"  # the mart's value is kept
    assert customers.city.to_dict()["c2"] == "Paris"
    uses = {u.column: u.note for u in result.columns}
    assert "filled where empty for 2 existing customers" in uses["country"]
    assert "1 existing customers have another value" in uses["country"]
    assert "c2: UK kept, the file says FR" in uses["country"]
    assert "c1: Leeds kept, the file says York" in uses["city"]
    assert "c2: silver kept, the file says bronze" in uses["tier"]  # attributes too
    assert _attributes(mart)[("c2", "tier")] == "silver"
    again = load(mart, "customers", write(tmp_path / "c.csv", second.replace("c4", "c5")))
    assert again.written.get("customers updated", 0) == 0  # nothing left to fill
    assert (again.rows_loaded, again.rows_duplicate) == (1, 4)


def test_a_dry_run_counts_the_fills_and_writes_none(mart: Mart, tmp_path: Path) -> None:
    load(mart, "customers", write(tmp_path / "a.csv", "customer_id,country\nc1,\n"))
    dry = load(
        mart, "customers", write(tmp_path / "b.csv", "customer_id,country\nc1,UK\n"), dry_run=True
    )
    assert dry.written == {"customers": 0, "customers updated": 1}
    assert _customers(mart).country.isna().all()


def test_customer_level_columns_of_a_transactions_file_fill_existing_customers(
    mart: Mart, tmp_path: Path
) -> None:
    people = "customer_id,country,city,tier\nc1,,Leeds,\nc2,FR,,gold\n"
    load(mart, "customers", write(tmp_path / "people.csv", people))
    sales = (
        "customer_id,order_ts,amount,country,city,Tier\n"
        "c1,2024-01-01,10,UK,York,silver\n"
        "c1,2024-02-01,12,IE,York,silver\n"  # the latest country of c1 in the file: IE
        "c2,2024-01-05,7,DE,Lyon,bronze\n"
    )
    result = load(mart, "transactions", write(tmp_path / "sales.csv", sales))
    assert result.reconciles and result.rows_loaded == 3
    customers = _customers(mart)
    assert customers.loc["c1", "country"] == "IE"  # was empty: the latest value fills it
    assert customers.loc["c2", "country"] == "FR"  # kept; DE is a conflict
    assert customers.loc["c1", "city"] == "Leeds" and customers.loc["c2", "city"] == "Lyon"
    uses = {u.column: u.note for u in result.columns}
    assert "c1: IE, UK" in uses["country"]  # within the file: the latest wins, reported
    assert "c2: FR kept, the file says DE" in uses["country"]
    assert "c1: Leeds kept, the file says York" in uses["city"]
    assert "filled where empty for 1 existing customers" in uses["city"]
    assert "c2: gold kept, the file says bronze" in uses["Tier"]
    attributes = _attributes(mart)
    assert attributes[("c2", "tier")] == "gold" and attributes[("c1", "tier")] == "silver"
    assert result.written["customers updated"] == 2


def _products(mart: Mart) -> pd.DataFrame:
    return mart.table("products").execute().set_index("product_id")


def test_a_products_file_names_the_products_a_transactions_file_created(
    mart: Mart, tmp_path: Path
) -> None:
    sales = (
        "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
        "o1,c1,2024-01-01,p1,1,5\n"
        "o1,c1,2024-01-01,p2,2,3\n"
        "o2,c2,2024-01-02,p3,1,9\n"
    )
    load(mart, "transactions", write(tmp_path / "orders.csv", sales))
    assert _products(mart).name.isna().all()  # ids only, as the orders gave them
    catalogue = (
        "product_id,name,category\n"
        "p1,Tea,Drinks\n"  # fills name and category
        "p2,Mug,\n"  # fills name
        "p3,,\n"  # nothing to add: a duplicate
        "p4,Spoon,Cutlery\n"  # new
    )
    result = load(mart, "products", write(tmp_path / "products.csv", catalogue))
    assert result.reconciles
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (3, 1, 0)
    assert result.written == {"products": 1, "products updated": 2}
    products = _products(mart)
    assert products.name.dropna().to_dict() == {"p1": "Tea", "p2": "Mug", "p4": "Spoon"}
    assert products.category.to_dict()["p1"] == "Drinks"
    uses = {u.column: u.note for u in result.columns}
    assert "filled where empty for 2 existing products" in uses["name"]
    assert "filled where empty for 1 existing products" in uses["category"]


def test_a_products_file_keeps_the_names_the_mart_holds(mart: Mart, tmp_path: Path) -> None:
    load(mart, "products", write(tmp_path / "a.csv", "product_id,name,brand\np1,Tea,\n"))
    result = load(
        mart, "products", write(tmp_path / "b.csv", "product_id,name,brand\np1,Green tea,Acme\n")
    )
    assert (result.rows_loaded, result.rows_duplicate) == (1, 0)  # it fills the brand
    assert _products(mart).loc["p1", ["name", "brand"]].tolist() == ["Tea", "Acme"]
    note = {u.column: u.note for u in result.columns}["name"]
    assert "1 existing products have another value" in note
    assert "p1: Tea kept, the file says Green tea" in note


def test_a_campaigns_file_fills_a_campaign_loaded_without_its_dates(
    mart: Mart, tmp_path: Path
) -> None:
    # measuring a campaign needs its start date: a later file gives it
    load(mart, "campaigns", write(tmp_path / "a.csv", "campaign_id,name\nk1,Spring\nk2,\n"))
    later = "campaign_id,name,start_date,cost_per_contact\nk1,Spring sale,2024-03-10,0.2\n"
    result = load(mart, "campaigns", write(tmp_path / "b.csv", later))
    assert result.reconciles and (result.rows_loaded, result.rows_duplicate) == (1, 0)
    assert result.written.get("campaigns updated") == 1
    rows = mart.table("campaigns").execute().set_index("campaign_id")
    assert str(rows.loc["k1", "start_date"])[:10] == "2024-03-10"
    assert rows.loc["k1", "cost_per_contact"] == 0.2
    assert rows.loc["k1", "name"] == "Spring"  # the mart's value is kept
    assert (
        "k1: Spring kept, the file says Spring sale"
        in {u.column: u.note for u in result.columns}["name"]
    )
    assert rows.loc["k2"].isna()[["start_date", "cost_per_contact"]].all()
