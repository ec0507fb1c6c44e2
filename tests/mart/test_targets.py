"""The tables a file loads into, as the commands' help names them, are the schema's."""

from __future__ import annotations

from segmint.mart import TABLES
from segmint.mart.targets import INGEST_TARGETS


def test_the_targets_are_the_schemas_loadable_tables_and_transactions() -> None:
    loadable = [name for name, table in TABLES.items() if table.loadable]
    assert sorted(INGEST_TARGETS) == sorted([*loadable, "transactions"])
