"""The mart seen through a set of customers: their rows of customer tables, other tables whole."""

from __future__ import annotations

import ibis

from segmint.mart import Mart
from segmint.mart.customers_of import CustomersOf


def test_customer_tables_hold_only_the_chosen_customers_and_others_stay_whole(shop: Mart) -> None:
    chosen = shop.create_table("chosen", ibis.memtable({"customer_id": ["c1", "c3"]}))
    only = CustomersOf(shop, chosen)
    assert sorted(only.table("customers").customer_id.execute()) == ["c1", "c3"]
    assert only.table("orders").order_id.execute().tolist() == ["o1"]  # c1's order
    assert only.table("products").count().execute() == 1  # no customers: whole
    assert only.read_only and shop.table("customers").count().execute() == 3
    nobody = CustomersOf(shop, chosen.filter(chosen.customer_id == "c2"))
    assert nobody.table("orders").count().execute() == 0
