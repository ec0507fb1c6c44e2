"""Product categories: breadth of what a customer buys and where their money goes.

Spend per category is the net value of the customer's lines in that category (returns
subtract). ``n_categories`` counts categories with at least one line bought (positive
quantity); ``top_category`` is the category with the highest positive spend (ties go to
the alphabetically first name) and ``top_category_share`` its share of the spend over
categories with positive spend. Lines whose product has no category are ignored; a
customer with no categorised purchase has 0 categories and null top category.
"""

from __future__ import annotations

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
    summary = per_category.group_by("customer_id").aggregate(
        n_categories=per_category.count(where=per_category.bought > 0),
        positive_spend=per_category.spend.sum(where=per_category.spend > 0),
        top_spend=per_category.spend.max(),
    )
    tops = per_category.join(summary, "customer_id").filter(
        lambda t: (t.spend == t.top_spend) & (t.spend > 0)
    )
    top = tops.group_by("customer_id").aggregate(top_category=tops.category.min())
    joined = summary.left_join(top, "customer_id")
    return joined.select(
        "customer_id",
        "n_categories",
        "top_category",
        top_category_share=joined.top_spend.nullif(0.0) / joined.positive_spend,
    )
