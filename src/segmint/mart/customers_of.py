"""The mart seen through a set of customers, so features can be built for a sample alone.

A churn or intent model trains on a sample of customers (:mod:`segmint.scoring.propensity`).
Building every customer's features and keeping the sample's rows would cost what the whole
base costs, and at ten million customers the one query that joins every feature group did
not fit the engine's default memory. Through :class:`CustomersOf` every table with a
``customer_id`` holds only the sample's rows (a semi-join in the engine), so the same feature
expressions read a few percent of the orders, lines and events. Tables without customers
(products, campaigns) are whole. Per-customer features come out the same; a test compares
them with the whole base's rows for the same customers.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.mart.connection import Mart


class CustomersOf(Mart):
    """``mart``, read-only, with every customer table restricted to ``customers``' ids.

    Args:
        mart: the mart to read (DuckDB or Spark: only its connection and database are used).
        customers: a table with a ``customer_id`` column, best a small stored one.
    """

    def __init__(self, mart: Mart, customers: ir.Table) -> None:
        super().__init__(mart.con, mart.path, read_only=True)
        self.database = mart.database
        self.customers = customers

    def table(self, name: str) -> ibis.Table:
        """Table ``name``, only the rows of :attr:`customers` when it has a ``customer_id``."""
        table = super().table(name)
        if "customer_id" not in table.columns:
            return table
        return table.filter(table.customer_id.isin(self.customers.customer_id))
