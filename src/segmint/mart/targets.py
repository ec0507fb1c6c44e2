"""The tables a file can be loaded into, by name: the schema's loadable tables in the order
``segmint load DIR`` loads them, and ``transactions`` (a flat file of order lines, split into
orders and order lines).

Spelled here rather than derived from :data:`segmint.mart.schema.TABLES`, which needs Ibis,
so that ``segmint ingest --help`` names them without loading the engine;
``tests/mart/test_targets.py`` checks they are exactly the schema's loadable tables.
"""

from __future__ import annotations

LOAD_ORDER: tuple[str, ...] = (
    "customers",
    "customer_pii",
    "customer_attributes",
    "consents",
    "products",
    "orders",
    "order_lines",
    "events",
    "campaigns",
    "campaign_members",
)
"""Loadable tables, parents before children, the order ``segmint load DIR`` uses."""

INGEST_TARGETS: tuple[str, ...] = (*LOAD_ORDER, "transactions")
"""Every table ``segmint ingest`` loads a file into."""
