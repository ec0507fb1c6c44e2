"""Assemble the customer feature table as of a date from the parts of its groups.

The columns come in groups (:mod:`segmint.features.groups`): purchases (with cadence,
windows, margins and the BTYD summary), categories, events, demographics, attributes.
Each group's part (:mod:`segmint.features.parts`) is left-joined onto the customers known
as of the day, and only the groups holding the columns asked for are built. The result is
a single Ibis expression: nothing is pulled into Python, so the engine plans the whole
table at once and another Ibis backend can run it unchanged. Definitions of every column:
``docs/features.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import ibis.expr.types as ir

from segmint.features.asof import AsOf, date_literal, resolve_as_of
from segmint.features.attributes import attribute_columns
from segmint.features.groups import ALL_GROUPS, PURCHASE_GROUPS, groups_for
from segmint.features.orders import CHANNELS, WINDOWS_DAYS
from segmint.features.parts import columns, other_part, purchase_part
from segmint.features.web import EVENT_COUNTS, WINDOW_COLUMNS
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
    *WINDOW_COLUMNS,
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
    *WINDOW_COLUMNS,
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
    "btyd_monetary",
)
"""The built-in feature columns, in table order; attribute columns follow them."""


def build_features(
    mart: Mart, as_of: AsOf | None = None, columns: Iterable[str] | None = None
) -> ir.Table:
    """The customer feature table as of ``as_of``, as an Ibis expression.

    One row per customer known as of the day, the columns of :data:`FEATURE_COLUMNS` then
    one column per customer attribute. Only data up to the end of the as-of day is used.

    Args:
        mart: the customer data mart.
        as_of: the day (``date``, ``datetime`` or ``YYYY-MM-DD``); default: the last day
            with orders (:func:`segmint.features.asof.default_as_of`).
        columns: the feature columns needed; only their groups are built, and the table
            holds ``customer_id``, ``as_of`` and those groups' columns. Default: all.

    Building the expression runs two small queries (the default date and the attribute
    names); the table itself is computed when the expression is executed or stored.
    """
    day = resolve_as_of(mart, as_of)
    return assemble(build_parts(mart, day, groups_for(columns)), day)


def build_parts(mart: Mart, day: dt.date, groups: Iterable[str]) -> dict[str, ir.Table]:
    """The parts of ``groups`` as of ``day`` as expressions (population always included);
    the purchase groups share one part, keyed under each of their names."""
    asked = set(groups)
    wanted = [g for g in ALL_GROUPS if g in asked or g == "population"]
    parts: dict[str, ir.Table] = {}
    purchases = [g for g in wanted if g in PURCHASE_GROUPS]
    if purchases:
        shared = purchase_part(mart, day, purchases)
        parts.update(dict.fromkeys(purchases, shared))
    for group in wanted:
        if group not in PURCHASE_GROUPS:
            attributes = (
                attribute_columns(mart, day, reserved=FEATURE_COLUMNS)
                if group == "attributes"
                else []
            )
            if group != "attributes" or attributes:
                parts[group] = other_part(mart, day, group, attributes)
    return parts


def assemble(parts: Mapping[str, ir.Table], day: dt.date) -> ir.Table:
    """The feature table as of ``day`` from the groups' ``parts`` (``population`` first).

    Each distinct part is left-joined once onto the population; counts and sums of
    customers a part does not cover are 0 (:data:`ZERO_WHEN_ABSENT`).
    """
    views: dict[int, ir.Table] = {}
    for part in parts.values():
        views.setdefault(id(part), _strip(part))
    population = views[id(parts["population"])]
    joined = population
    for i, view in enumerate(views.values()):
        if view is not population:
            joined = joined.left_join(view, "customer_id", rname=f"{{name}}_{i}")
    built: dict[str, ir.Value] = {"customer_id": joined.customer_id, "as_of": date_literal(day)}
    for group, part in parts.items():
        built.update(columns(joined, day, group, views[id(part)]))
    for name in ZERO_WHEN_ABSENT:
        if name in built:
            built[name] = built[name].fill_null(0)
    ordered = {name: built[name] for name in FEATURE_COLUMNS if name in built}
    extra = {name: value for name, value in built.items() if name not in ordered}
    return joined.select(**ordered, **extra)


def _strip(part: ir.Table) -> ir.Table:
    """``part`` without its stored ``as_of`` (a stored part carries its date), as a view:
    parts built from the same mart tables then join without mixing up their columns."""
    return (part.drop("as_of") if "as_of" in part.columns else part).view()
