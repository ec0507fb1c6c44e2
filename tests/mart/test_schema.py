"""The schema: tables created as declared, consistent keys and references, and documented."""

from __future__ import annotations

import re
from pathlib import Path

import ibis.expr.datatypes as dt

import segmint
from segmint.mart import DECLARED_TABLES, TABLES
from segmint.mart.schema import SUPPRESSION
from segmint.mart.targets import LOAD_ORDER
from segmint.scoring.campaigns import SUPPRESSIONS_TABLE

from .conftest import CUSTOMERS_CSV, PROJECT_ROOT, load, write

DATA_MODEL_DOC = PROJECT_ROOT / "docs" / "data-model.md"


def test_connect_creates_every_table_with_its_declared_columns_and_types(tmp_path: Path) -> None:
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        assert mart.is_initialised()
        for name, table in TABLES.items():
            actual, declared = mart.con.get_schema(name), table.ibis_schema()
            assert list(actual.names) == list(declared.names), name
            for column in declared.names:
                assert _same_type(actual[column], declared[column]), (name, column)


def _same_type(actual: dt.DataType, declared: dt.DataType) -> bool:
    """Equal types; a declared timestamp matches the engine's (microsecond) timestamp."""
    if declared.is_timestamp():
        return bool(actual.is_timestamp() and actual.timezone == declared.timezone)
    return bool(actual == declared)


def test_loadable_tables_get_ingest_id_after_their_declared_columns() -> None:
    for table in TABLES.values():
        names = list(table.ibis_schema().names)
        assert ("ingest_id" in names) == (
            table.loadable or table.name in {"ingests", "quarantine", "quarantine_resolved"}
        )
        assert names[: len(table.columns)] == table.column_names


def test_init_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    with segmint.connect(path) as mart:
        load(mart, "customers", write(tmp_path / "customers.csv", CUSTOMERS_CSV))
        assert mart.init() == []
    with segmint.connect(path) as again:
        assert again.init() == []
        assert again.count("customers") == 3
        assert again.count("ingests") == 1


def test_init_creates_only_missing_tables(tmp_path: Path) -> None:
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        mart.con.drop_table("events")
        assert not mart.is_initialised()
        assert mart.init() == ["events"]
        assert mart.is_initialised()


def test_keys_and_required_columns_are_declared_columns() -> None:
    for table in TABLES.values():
        for name in table.key:
            assert name in table.column_names, (table.name, name)
            if table.loadable:
                assert table.column(name).required, (table.name, name)


def test_references_point_at_the_key_of_a_loadable_parent() -> None:
    for table in TABLES.values():
        for column, parent in table.references.items():
            assert column in table.column_names
            assert TABLES[parent].loadable
            assert len(TABLES[parent].key) == 1
            assert table.column(column).type == TABLES[parent].column(TABLES[parent].key[0]).type


def test_load_order_lists_every_loadable_table_once_parents_first() -> None:
    loadable = [name for name, table in TABLES.items() if table.loadable]
    assert sorted(LOAD_ORDER) == sorted(loadable)
    for position, name in enumerate(LOAD_ORDER):
        for parent in TABLES[name].references.values():
            assert LOAD_ORDER.index(parent) < position, (name, parent)


def _doc_sections(text: str) -> dict[str, str]:
    """Second-level sections of the data-model page, by the table name in their heading."""
    sections: dict[str, str] = {}
    for block in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        heading, _, body = block.partition("\n")
        match = re.search(r"`([a-z_]+)`", heading)
        if match:
            sections[match.group(1)] = body
    return sections


def _documented_columns(section: str) -> dict[str, str]:
    """Column name → type from the markdown table rows ``| `name` | type | …``."""
    rows = re.findall(r"^\|\s*`([a-z_]+)`\s*\|\s*([a-z0-9]+)\s*\|", section, flags=re.MULTILINE)
    return dict(rows)


def test_data_model_doc_lists_every_column() -> None:
    sections = _doc_sections(DATA_MODEL_DOC.read_text(encoding="utf-8"))
    missing_tables = sorted(set(DECLARED_TABLES) - set(sections))
    assert not missing_tables, f"tables missing from {DATA_MODEL_DOC.name}: {missing_tables}"
    for name, table in DECLARED_TABLES.items():
        documented = _documented_columns(sections[name])
        schema = table.ibis_schema()
        expected = {col: str(schema[col]).removeprefix("!") for col in schema.names}
        missing = sorted(set(expected) - set(documented))
        assert not missing, f"{name}: columns missing from {DATA_MODEL_DOC.name}: {missing}"
        wrong = {c: (documented[c], t) for c, t in expected.items() if documented[c] != t}
        assert not wrong, f"{name}: documented type differs from schema.py: {wrong}"
        extra = sorted(set(documented) - set(expected))
        assert not extra, (
            f"{name}: {DATA_MODEL_DOC.name} documents columns schema.py lacks: {extra}"
        )


def test_the_campaigns_suppressions_are_documented_apart_from_the_privacy_list() -> None:
    """``suppressions``, which campaigns read when a mart has one, is documented with the
    columns they read, and it and ``suppression`` (forgotten people) each name the other."""
    sections = _doc_sections(DATA_MODEL_DOC.read_text(encoding="utf-8"))
    assert SUPPRESSIONS_TABLE not in DECLARED_TABLES and SUPPRESSION.name in DECLARED_TABLES
    ours = sections[SUPPRESSIONS_TABLE]
    assert _documented_columns(ours) == {"customer_id": "string", "channel": "string"}
    assert f"[`{SUPPRESSION.name}`](#{SUPPRESSION.name})" in ours
    assert f"`{SUPPRESSIONS_TABLE}` table (plural)" in sections[SUPPRESSION.name]


def test_derived_tables_are_declared_in_the_schema() -> None:
    """Tables segmint writes (features, cluster models, tokens) are declared like the rest,
    so the data-model page is checked against them too."""
    assert {"features", "cluster_models", "api_tokens"} <= set(DECLARED_TABLES)
    assert "features" not in TABLES  # its writer creates it: one column per feature


def test_data_model_overview_lists_every_table_with_its_key() -> None:
    text = DATA_MODEL_DOC.read_text(encoding="utf-8")
    overview = text.partition("## Overview")[2].partition("\n## ")[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| ([^|]*) \|", overview, flags=re.MULTILINE)
    keys = {name: tuple(re.findall(r"`([a-z_]+)`", key)) for name, key in rows}
    assert sorted(keys) == sorted(DECLARED_TABLES), f"{DATA_MODEL_DOC.name}'s overview"
    for name, table in DECLARED_TABLES.items():
        assert keys[name] == table.key, name
