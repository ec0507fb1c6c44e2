"""The keys of stored feature groups change with every load that writes a source table,
including a load that only fills empty columns of rows already there."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import segmint
from segmint.features.build import build_features
from segmint.features.keys import TableKey, dump, load, source_keys
from segmint.mart.ingest import ingest


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_that_only_fills_columns_is_seen_by_the_next_command(tmp_path: Path) -> None:
    sales = "customer_id,order_ts,amount\nc1,2024-01-01,10\nc2,2024-01-03,5\n"
    people = "customer_id,country\nc1,UK\nc2,FR\n"  # no new customer: fills only
    day = dt.date(2024, 2, 1)
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        ingest(mart, "transactions", _write(tmp_path / "sales.csv", sales))
        before = build_features(mart, day, ["country"]).to_pandas()
        assert before.country.isna().all()
        keys = source_keys(mart, ["customers"])
        filled = ingest(mart, "customers", _write(tmp_path / "people.csv", people))
        assert filled.written["customers updated"] == 2 and filled.written["customers"] == 0
        assert source_keys(mart, ["customers"]) != keys
        after = build_features(mart, day, ["country"]).to_pandas()
    assert dict(zip(after.customer_id, after.country, strict=True)) == {"c1": "UK", "c2": "FR"}


def test_an_unrelated_load_keeps_the_key(tmp_path: Path) -> None:
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        ingest(mart, "customers", _write(tmp_path / "people.csv", "customer_id\nc1\n"))
        keys = source_keys(mart, ["customers"])
        ingest(mart, "products", _write(tmp_path / "products.csv", "product_id,name\np1,Tea\n"))
        assert source_keys(mart, ["customers"]) == keys


def test_keys_stored_before_the_fills_were_counted_still_load() -> None:
    assert load('{"orders": [3, 10]}') == {"orders": TableKey(3, 10)}
    assert load(dump({"orders": TableKey(3, 10, 4)})) == {"orders": TableKey(3, 10, 4)}
