"""One customer's stored list: the latest date only, with product names, best first."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from segmint.mart import TABLES, Mart
from segmint.serving.recommendation_lookup import customer_recommendations


def _store(mart: Mart, day: dt.date, customer: str, products: list[str]) -> None:
    rows = pd.DataFrame(
        {
            "customer_id": customer,
            "rank": range(1, len(products) + 1),
            "product_id": products,
            "score": 1.0,
            "method": "popularity",
            "reason": "a best seller of the last 30 days",
            "as_of": day,
        }
    )
    schema = TABLES["recommendations"].ibis_schema()
    mart.con.insert("recommendations", ibis.memtable(rows, schema=schema))


def test_the_latest_list_with_product_names(mart: Mart) -> None:
    customer = str(mart.table("customers").customer_id.min().execute())
    mart.raw.execute("DELETE FROM recommendations")
    product = str(mart.table("products").product_id.min().execute())
    name = mart.table("products").filter(ibis._.product_id == product).name.execute()[0]
    _store(mart, dt.date(2020, 1, 1), customer, ["old"])
    _store(mart, dt.date(2020, 2, 1), customer, ["unknown", product][::-1])
    found = customer_recommendations(mart, customer)
    assert [(r["rank"], r["product_id"], r["product_name"]) for r in found] == [
        (1, product, name),
        (2, "unknown", None),
    ]
    assert found[0]["as_of"] == "2020-02-01"
    assert customer_recommendations(mart, "nobody") == []


def test_a_mart_without_the_table_has_no_lists(mart: Mart) -> None:
    mart.raw.execute("ALTER TABLE recommendations RENAME TO recommendations_later")
    try:
        assert customer_recommendations(mart, "anyone") == []
    finally:
        mart.raw.execute("ALTER TABLE recommendations_later RENAME TO recommendations")
