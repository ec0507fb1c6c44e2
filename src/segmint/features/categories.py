"""Product categories: breadth of what a customer buys and where their money goes.

Spend per category is the net value of the customer's lines in that category (returns
subtract). ``n_categories`` counts categories with at least one line bought (positive
quantity); ``top_category`` is the category with the highest positive spend (ties go to
the alphabetically first name) and ``top_category_share`` its share of the spend over
categories with positive spend. Lines whose product has no category are ignored; a
customer with no categorised purchase has 0 categories and null top category.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.mart import Mart


def coded_products(mart: Mart) -> ir.Table:
    """Products with ``category_code``: the category's rank by name (null without one).

    Lines carry this small integer instead of the category text, so the big per-customer,
    per-category aggregate hashes integers; codes sort like the names, so the smallest
    code among tied categories is the alphabetically first.
    """
    products = mart.table("products")
    rank = ibis.dense_rank().over(order_by=products.category)
    code = ibis.ifelse(products.category.isnull(), ibis.null("int64"), rank.cast("int64"))
    return products.select("product_id", "category", "unit_cost", category_code=code)


def category_features(mart: Mart, lines: ir.Table) -> ir.Table:
    """``n_categories``, ``top_category`` and ``top_category_share`` per customer.

    Args:
        mart: the mart holding ``products``, for the category names.
        lines: purchase lines from :func:`segmint.features.orders.purchase_lines`.
    """
    known = lines.filter(lines.category_code.notnull())
    per_category = known.group_by("customer_id", "category_code").aggregate(
        spend=known.net.sum(), bought=known.count(where=known.quantity > 0)
    )
    positive = per_category.spend > 0
    # min of (-spend, code): the highest spend, ties to the first name
    top = ibis.struct({"neg_spend": -per_category.spend, "code": per_category.category_code})
    summary = per_category.group_by("customer_id").aggregate(
        n_categories=per_category.count(where=per_category.bought > 0),
        positive_spend=per_category.spend.sum(where=positive),
        top=top.min(where=positive),
    )
    names = coded_products(mart).select("category", "category_code").distinct()
    named = summary.left_join(names, summary.top["code"] == names.category_code)
    return named.select(
        "customer_id",
        "n_categories",
        top_category=named.category,
        top_category_share=-named.top["neg_spend"] / named.positive_spend,
    )
