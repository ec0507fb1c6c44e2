"""The ``segmint refresh`` command: stored segmentations brought to the new date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd

import segmint
from segmint.segmentation import store

from .conftest import Segmint


def _orders(path: Path, rows: list[tuple[str, str, str]], ingest_id: int) -> None:
    with segmint.connect(path) as mart:
        frame = pd.DataFrame(
            {
                "order_id": [r[0] for r in rows],
                "customer_id": [r[1] for r in rows],
                "order_ts": pd.to_datetime([r[2] for r in rows]),
                "channel": ["web"] * len(rows),
                "status": ["completed"] * len(rows),
                "ingest_id": [ingest_id] * len(rows),
            }
        )
        mart.con.insert("orders", frame)


def test_refresh_stores_rfm_as_of_the_new_day(segmint_cli: Segmint) -> None:
    _orders(
        segmint_cli.mart,
        [
            ("a1", "a", "2024-01-02 10:00"),
            ("a2", "a", "2024-02-03 08:00"),
            ("b1", "b", "2024-02-01 09:00"),
        ],
        1,
    )
    assert segmint_cli("segment", "rfm").exit_code == 0
    _orders(segmint_cli.mart, [("c1", "c", "2024-02-05 09:00")], 2)
    result = segmint_cli("refresh", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["as_of"] == "2024-02-05"
    assert summary["segmentations"] == {"rfm": "rfm"}
    assert summary["customers"] == 3
    with segmint.connect(segmint_cli.mart) as mart:
        rows = store.assignments(mart, "rfm", dt.date(2024, 2, 5)).execute()
    assert sorted(rows.customer_id) == ["a", "b", "c"]


def test_refresh_names_a_bad_date(segmint_cli: Segmint) -> None:
    _orders(segmint_cli.mart, [("a1", "a", "2024-01-02 10:00")], 1)
    result = segmint_cli("refresh", "--as-of", "31/01/2024")
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_refresh_as_csv_keeps_a_hostile_name_in_one_safe_cell(segmint_cli: Segmint) -> None:
    _orders(segmint_cli.mart, [("a1", "a", "2024-01-02 10:00"), ("b1", "b", "2024-02-01 09:00")], 1)
    name = '=HYPERLINK("https://evil.example/"), rfm'
    assert segmint_cli("segment", "rfm", "--name", name).exit_code == 0
    result = segmint_cli("refresh", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["name", "kind", "status"]
    assert ["'" + name, "rfm", "refreshed"] in rows[1:]
