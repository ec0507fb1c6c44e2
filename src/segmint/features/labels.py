"""What a marketer reads for a column name: ``recency_days`` is "Days since last order".

One mapping from the names of the feature table, the customer profile and the stored
scores to labels, used by the pages, the report and the command line wherever they show
a name to people (the API and the files keep the column names: programs read those). A
name the mapping does not know, such as a customer attribute a user loaded, falls back to
a tidied name: underscores become spaces, the first letter is capitalised and known
abbreviations are upper case (``crm_stage`` → "CRM stage").

The same names have a kind (:data:`KINDS`): a count or a number of days reads as a whole
number, money with two decimals, a share as a percentage. The pages and the report format
a value by its kind (:func:`segmint.views.formatting.shown`), so ``5.0`` orders read "5"
wherever a feature or a score is shown, not "5.00".

Example:
    >>> label("p_alive"), label("loyalty_tier"), label("crm_stage")
    ('Probability still active', 'Loyalty tier', 'CRM stage')
    >>> kind("frequency"), kind("spend_365d"), kind("p_alive"), kind("crm_stage")
    ('count', 'money', 'share', 'number')
    >>> segment_label("unassigned", "value"), segment_label("unassigned", "rules")
    ('no CLV score (no purchase yet)', 'unassigned')
    >>> value_text("age_band", "45-54")
    '45–54'
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["count", "days", "weeks", "money", "share", "year", "number"]
"""What a number measures, which says how people read it: ``count`` and ``days`` are whole
numbers (a mean of days keeps one decimal), ``weeks`` keep one decimal, ``money`` two,
``share`` is a fraction shown as a percentage, ``year`` has no thousands separator and
``number`` is anything else (whole numbers whole, others with two decimals)."""

LABELS: dict[str, str] = {
    # the customer (customers table and demographics features)
    "customer_id": "Customer",
    "as_of": "As of",
    "signup_date": "Signup date",
    "birth_year": "Birth year",
    "age": "Age",
    "age_band": "Age band",
    "gender": "Gender",
    "country": "Country",
    "region": "Region",
    "city": "City",
    "postcode": "Postcode",
    "acquisition_channel": "Acquisition channel",
    "email": "E-mail",
    # purchases
    "recency_days": "Days since last order",
    "frequency": "Orders",
    "repeat_orders": "Repeat orders",
    "monetary_total": "Total spend",
    "monetary_avg": "Average order value",
    "tenure_days": "Days as a customer",
    "first_order_date": "First order",
    "last_order_date": "Last order",
    "interpurchase_mean_days": "Days between orders",
    "interpurchase_std_days": "Spread of days between orders",
    "previous_gap_days": "Days between the last two orders",
    "prior_cadence_days": "Days between orders before the last",
    "orders_30d": "Orders, last 30 days",
    "orders_90d": "Orders, last 90 days",
    "orders_365d": "Orders, last 365 days",
    "spend_30d": "Spend, last 30 days",
    "spend_90d": "Spend, last 90 days",
    "spend_365d": "Spend, last 365 days",
    "n_categories": "Categories bought",
    "top_category": "Top category",
    "top_category_share": "Top category's share of spend",
    "discount_share": "Share of spend discounted",
    "gross_margin": "Gross margin",
    "margin_rate": "Margin rate",
    "returns_count": "Returns",
    "return_rate": "Return rate",
    "share_web": "Share of orders on the web",
    "share_app": "Share of orders in the app",
    "share_store": "Share of orders in store",
    "share_phone": "Share of orders by phone",
    "share_other": "Share of orders in other channels",
    # the site
    "sessions": "Site visits",
    "page_views": "Page views",
    "searches": "Searches",
    "product_views": "Product views",
    "cart_adds": "Added to cart",
    "cart_adds_without_purchase": "Carts left without buying",
    "ad_impressions": "Ads seen",
    "ad_clicks": "Ad clicks",
    "email_opens": "E-mails opened",
    "email_clicks": "E-mail clicks",
    "sessions_30d": "Site visits, last 30 days",
    "cart_adds_30d": "Added to cart, last 30 days",
    "cart_adds_without_purchase_30d": "Carts left without buying, last 30 days",
    "days_since_last_visit": "Days since last visit",
    # the CLV models' summary
    "btyd_frequency": "Repeat purchase days",
    "btyd_recency": "Weeks from first to last purchase",
    "btyd_T": "Weeks since first purchase",
    "btyd_monetary": "Average repeat purchase value",
    # stored scores
    "clv": "Predicted lifetime value",
    "p_alive": "Probability still active",
    "churn_risk": "Churn risk",
    "expected_purchases": "Expected purchases",
    "expected_spend": "Expected spend per purchase",
    "purchase_intent": "Purchase intent",
}
"""Column or score name → label, for every name segmint itself writes."""

KINDS: dict[str, Kind] = {
    "birth_year": "year",
    "age": "count",
    "recency_days": "days",
    "frequency": "count",
    "repeat_orders": "count",
    "monetary_total": "money",
    "monetary_avg": "money",
    "tenure_days": "days",
    "interpurchase_mean_days": "days",
    "interpurchase_std_days": "days",
    "previous_gap_days": "days",
    "prior_cadence_days": "days",
    "orders_30d": "count",
    "orders_90d": "count",
    "orders_365d": "count",
    "spend_30d": "money",
    "spend_90d": "money",
    "spend_365d": "money",
    "n_categories": "count",
    "top_category_share": "share",
    "discount_share": "share",
    "gross_margin": "money",
    "margin_rate": "share",
    "returns_count": "count",
    "return_rate": "share",
    "share_web": "share",
    "share_app": "share",
    "share_store": "share",
    "share_phone": "share",
    "share_other": "share",
    "sessions": "count",
    "page_views": "count",
    "searches": "count",
    "product_views": "count",
    "cart_adds": "count",
    "cart_adds_without_purchase": "count",
    "sessions_30d": "count",
    "cart_adds_30d": "count",
    "cart_adds_without_purchase_30d": "count",
    "ad_impressions": "count",
    "ad_clicks": "count",
    "email_opens": "count",
    "email_clicks": "count",
    "days_since_last_visit": "days",
    "btyd_frequency": "count",
    "btyd_recency": "weeks",
    "btyd_T": "weeks",
    "btyd_monetary": "money",
    "clv": "money",
    "p_alive": "share",
    "churn_risk": "share",
    "expected_purchases": "number",
    "expected_spend": "money",
    "purchase_intent": "share",
}
"""Column or score name → :data:`Kind`, for every numeric name segmint itself writes."""

NO_CLV_SCORE = "no CLV score (no purchase yet)"
"""What the value tiers' ``unassigned`` customers are: the tiers rank the stored ``clv``
score, and the CLV models score every customer from their first purchase on (one-time
buyers too), so those without a score are the prospects, who have bought nothing yet
(:func:`segmint.segmentation.value.value_tiers`)."""

SEGMENT_LABELS: dict[str, dict[str, str]] = {"value": {"unassigned": NO_CLV_SCORE}}
"""Segmentation kind → stored segment → what people read for it. The stored values stay
(exports, the API and rules read them); only what the pages and tables show changes."""

ABBREVIATIONS = frozenset(
    {"aov", "clv", "crm", "id", "ltv", "nps", "rfm", "roi", "sku", "sms", "url", "utm", "vip"}
)
"""Words a tidied name writes in capitals (``crm_stage`` → "CRM stage")."""

_WINDOW = re.compile(r"clv_m(\d+)_(\d+)")
"""A CLV window score, ``clv_m<a>_<b>`` (``segmint clv score --window a-b``)."""

_RANGE = re.compile(r"(?<=\d)-(?=\d)")


def label(name: str) -> str:
    """The label of column or score ``name``: from :data:`LABELS`, else a tidied name."""
    known = LABELS.get(name)
    if known is not None:
        return known
    window = _WINDOW.fullmatch(name)
    if window is not None:
        return f"Predicted value, months {window.group(1)}–{window.group(2)}"
    return tidy(name)


def kind(name: str) -> Kind:
    """The :data:`Kind` of column or score ``name``: from :data:`KINDS` (a CLV window score
    is money), else ``number``."""
    known = KINDS.get(name)
    if known is not None:
        return known
    return "money" if _WINDOW.fullmatch(name) else "number"


def segment_label(segment: object, kind: str | None = None) -> str:
    """What people read for ``segment`` of a segmentation of ``kind``
    (:data:`SEGMENT_LABELS`), else the segment as stored."""
    return SEGMENT_LABELS.get(kind or "", {}).get(str(segment), str(segment))


def tidy(name: str) -> str:
    """``name`` for people: underscores as spaces, known abbreviations in capitals, the
    first letter capitalised (``survey_satisfaction`` → "Survey satisfaction")."""
    words = [
        word.upper() if word.lower() in ABBREVIATIONS else word
        for word in name.replace("_", " ").split()
    ]
    if not words:
        return name
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def value_text(name: str, value: object) -> str:
    """``value`` of column ``name`` as people write it: a range of numbers with an en dash
    (an age band ``45-54`` reads "45–54")."""
    return _RANGE.sub("–", str(value)) if name == "age_band" else str(value)


def labelled(name: str, value: object) -> str:
    """``name`` and ``value`` as a phrase: ``age_band``, ``45-54`` → "Age band 45–54"."""
    return f"{label(name)} {value_text(name, value)}"
