"""The customer data mart: schema, connection, ingestion, validation and quarantine.

``connect``, ``Mart`` and the schema's names load on first use (module ``__getattr__``, as
:mod:`segmint` does), so a module of the package that needs neither Ibis nor DuckDB (the
token roles, the export presets, the names of the tables a file loads into) imports without
the engine: ``segmint <command> --help`` builds its options from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segmint.mart.connection import Mart, connect
    from segmint.mart.schema import DECLARED_TABLES, TABLES, Column, Table

__all__ = ["DECLARED_TABLES", "TABLES", "Column", "Mart", "Table", "connect"]

_LAZY = {
    "Mart": "segmint.mart.connection",
    "connect": "segmint.mart.connection",
    **dict.fromkeys(("DECLARED_TABLES", "TABLES", "Column", "Table"), "segmint.mart.schema"),
}


def __getattr__(name: str) -> Any:
    """The names of :data:`__all__`, imported when first asked for."""
    if name in _LAZY:
        from importlib import import_module

        found = getattr(import_module(_LAZY[name]), name)
        globals()[name] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
