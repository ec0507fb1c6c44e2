"""The customer data mart: schema, connection, ingestion, validation and quarantine."""

from segmint.mart.connection import Mart, connect
from segmint.mart.schema import DECLARED_TABLES, LOAD_ORDER, TABLES, Column, Table

__all__ = ["DECLARED_TABLES", "LOAD_ORDER", "TABLES", "Column", "Mart", "Table", "connect"]
