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


def category_features(lines: ir.Table) -> ir.Table:
    """``n_categories``, ``top_category`` and ``top_category_share`` per customer.

    Args:
        lines: purchase lines from :func:`segmint.features.orders.purchase_lines`.
    """
    known = lines.filter(lines.category.notnull())
    per_category = known.group_by("customer_id", "category").aggregate(
        spend=known.net.sum(), bought=known.count(where=known.quantity > 0)
    )
    positive = per_category.spend > 0
    # min of (-spend, category): the highest spend, ties to the first name
    top = ibis.struct({"neg_spend": -per_category.spend, "category": per_category.category})
    summary = per_category.group_by("customer_id").aggregate(
        n_categories=per_category.count(where=per_category.bought > 0),
        positive_spend=per_category.spend.sum(where=positive),
        top=top.min(where=positive),
    )
    return summary.select(
        "customer_id",
        "n_categories",
        top_category=summary.top["category"],
        top_category_share=-summary.top["neg_spend"] / summary.positive_spend,
    )
