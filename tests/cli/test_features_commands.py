"""The ``segmint features`` command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

import segmint
from segmint.cli.main import app
from segmint.features import load_features

runner = CliRunner()


def _mart_with_orders(path: Path) -> None:
    with segmint.connect(path) as mart:
        orders = pd.DataFrame(
            {
                "order_id": ["a1", "a2", "b1"],
                "customer_id": ["a", "a", "b"],
                "order_ts": pd.to_datetime(
                    ["2024-01-02 10:00", "2024-02-03 11:00", "2024-02-01 09:00"]
                ),
                "channel": ["web", "web", "store"],
                "status": ["completed"] * 3,
                "ingest_id": [1, 1, 1],
            }
        )
        mart.con.insert("orders", orders)


def test_features_stores_the_table_and_prints_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    _mart_with_orders(path)
    result = runner.invoke(app, ["features", "--mart", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["as_of"] == "2024-02-03"  # the last day with orders
    assert summary["rows"] == 2
    assert summary["columns"] > 50
    with segmint.connect(path) as mart:
        assert load_features(mart).count().execute() == 2


def test_features_as_of_a_date_in_a_table(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    _mart_with_orders(path)
    result = runner.invoke(app, ["features", "--mart", str(path), "--as-of", "2024-01-31"])
    assert result.exit_code == 0, result.output
    assert "2024-01-31" in result.stdout
    with segmint.connect(path) as mart:
        assert load_features(mart, dt.date(2024, 1, 31)).count().execute() == 1


def test_features_errors_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    _mart_with_orders(path)
    result = runner.invoke(app, ["features", "--mart", str(path), "--as-of", "soon"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD; got 'soon'" in result.output
    empty = runner.invoke(app, ["features", "--mart", str(tmp_path / "none.duckdb")])
    assert empty.exit_code == 2
    assert "no mart at" in empty.output
