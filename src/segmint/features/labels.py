"""What a marketer reads for a column name: ``recency_days`` is "Days since last order".

One mapping from the names of the feature table, the customer profile and the stored
scores to labels, used by the pages, the report and the command line wherever they show
a name to people (the API and the files keep the column names: programs read those). A
name the mapping does not know, such as a customer attribute a user loaded, falls back to
a tidied name: underscores become spaces, the first letter is capitalised and known
abbreviations are upper case (``crm_stage`` → "CRM stage").

Example:
    >>> label("p_alive"), label("loyalty_tier"), label("crm_stage")
    ('Probability still active', 'Loyalty tier', 'CRM stage')
    >>> value_text("age_band", "45-54")
    '45–54'
"""

from __future__ import annotations

import re

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
