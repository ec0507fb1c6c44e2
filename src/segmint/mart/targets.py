"""The tables a file can be loaded into, by name: the schema's loadable tables, in its
order, and ``transactions`` (a flat file of order lines, split into orders and order lines).

Spelled here rather than derived from :data:`segmint.mart.schema.TABLES`, which needs Ibis,
so that ``segmint ingest --help`` names them without loading the engine;
``tests/mart/test_targets.py`` checks they are exactly the schema's loadable tables.
"""

from __future__ import annotations

INGEST_TARGETS = (
    "customers",
    "customer_attributes",
    "customer_pii",
    "consents",
    "products",
    "orders",
    "order_lines",
    "events",
    "campaigns",
    "campaign_members",
    "transactions",
)
