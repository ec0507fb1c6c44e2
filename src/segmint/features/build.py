"""Assemble the customer feature table as of a date: a handful of group-bys joined on id.

Each grain is one aggregate per customer: purchases (with cadence and the BTYD summary),
categories, events, demographics, attributes; they are left-joined onto the customers known
as of the day (:mod:`segmint.features.population`). The result is a single Ibis
expression: nothing is pulled into Python, so the engine plans the whole table at once
and another Ibis backend can run it unchanged. Definitions of every column:
``docs/features.md``.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.features.asof import AsOf, date_literal, resolve_as_of
from segmint.features.attributes import attribute_columns, attribute_features
from segmint.features.categories import category_features
from segmint.features.demographics import demographic_features
from segmint.features.orders import (
    CHANNELS,
    WINDOWS_DAYS,
    order_values,
    purchase_lines,
    purchase_orders,
)
from segmint.features.population import population
from segmint.features.purchases import purchase_features
from segmint.features.web import EVENT_COUNTS, web_features
from segmint.mart import Mart

ZERO_WHEN_ABSENT = (
    "frequency",
    "monetary_total",
    *(f"orders_{d}d" for d in WINDOWS_DAYS),
    *(f"spend_{d}d" for d in WINDOWS_DAYS),
    "n_categories",
    "returns_count",
    "sessions",
    *EVENT_COUNTS,
    "cart_adds_without_purchase",
)
"""Counts and sums that are 0, not null, for a customer with nothing to count."""

FEATURE_COLUMNS = (
    "customer_id",
    "as_of",
    "recency_days",
    "frequency",
    "repeat_orders",
    "monetary_total",
    "monetary_avg",
    "tenure_days",
    "first_order_date",
    "last_order_date",
    "interpurchase_mean_days",
    "interpurchase_std_days",
    "previous_gap_days",
    "prior_cadence_days",
    *(f"orders_{d}d" for d in WINDOWS_DAYS),
    *(f"spend_{d}d" for d in WINDOWS_DAYS),
    "n_categories",
    "top_category",
    "top_category_share",
    "discount_share",
    "gross_margin",
    "margin_rate",
    "returns_count",
    "return_rate",
    *(f"share_{c}" for c in CHANNELS),
    "share_other",
    "sessions",
    "page_views",
    "searches",
    "product_views",
    "cart_adds",
    "cart_adds_without_purchase",
    "ad_impressions",
    "ad_clicks",
    "email_opens",
    "email_clicks",
    "days_since_last_visit",
    "age",
    "age_band",
    "gender",
    "country",
    "region",
    "city",
    "acquisition_channel",
    "btyd_frequency",
    "btyd_recency",
    "btyd_T",
)
"""The built-in feature columns, in table order; attribute columns follow them."""


def build_features(mart: Mart, as_of: AsOf | None = None) -> ir.Table:
    """The customer feature table as of ``as_of``, as an Ibis expression.

    One row per customer known as of the day, the columns of :data:`FEATURE_COLUMNS` then
    one column per customer attribute. Only data up to the end of the as-of day is used.

    Args:
        mart: the customer data mart.
        as_of: the day (``date``, ``datetime`` or ``YYYY-MM-DD``); default: the last day
            with orders (:func:`segmint.features.asof.default_as_of`).

    Building the expression runs two small queries (the default date and the attribute
    names); the table itself is computed when the expression is executed or stored.
    """
    day = resolve_as_of(mart, as_of)
    lines = purchase_lines(mart, day)
    orders = order_values(mart, day)
    parts = [
        purchase_features(orders, day),
        category_features(mart, lines),
        web_features(mart, day, purchase_orders(mart, day)),
        demographic_features(mart, day),
    ]
    attributes = attribute_columns(mart, day, reserved=FEATURE_COLUMNS)
    if attributes:
        parts.append(attribute_features(mart, day, attributes))

    joined = population(mart, day)
    for i, part in enumerate(parts):
        joined = joined.left_join(part, "customer_id", rname=f"{{name}}_{i}")
    return joined.select(
        **_assemble(joined, day), **{a.column: joined[a.column] for a in attributes}
    )


def _assemble(joined: ir.Table, day: dt.date) -> dict[str, ir.Value]:
    """The built-in columns from the joined parts: zeros filled, derived columns added."""
    columns: dict[str, ir.Value] = {}
    for name in FEATURE_COLUMNS:
        if name in ZERO_WHEN_ABSENT:
            columns[name] = joined[name].fill_null(0)
        elif name not in ("as_of", "repeat_orders", "tenure_days"):
            columns[name] = joined[name]
    start = ibis.least(joined.first_order_date, joined.signup_date)
    columns["as_of"] = date_literal(day)
    columns["repeat_orders"] = ibis.greatest(columns["frequency"] - 1, 0)
    columns["tenure_days"] = date_literal(day).delta(start, unit="day")
    return {name: columns[name] for name in FEATURE_COLUMNS}
