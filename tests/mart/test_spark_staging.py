"""Loading files straight into a Spark mart writes what the same loads write into DuckDB.

One sequence of loads runs on a DuckDB mart and on an empty Spark warehouse: a synthetic
retailer's folder, a customers file that fills empty columns of existing customers (an
update, which Spark does by rewriting the table), a transactions file with returns booked
on orders already in the mart (another update), bad rows to quarantine and duplicates of
rows Spark already holds, events files without ids (derived from the rows' content), a
month's tiers loaded after the next month's (history rows added before the stored ones), and
the same file again. Every result and every mart table must
be the same on both engines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from segmint.mart import Mart, connect, spark_staging
from segmint.mart.ingest import IngestOptions, IngestResult, ingest
from segmint.mart.schema import TABLES
from segmint.mart.spark import connect_spark
from segmint.synth import synthesize
from segmint.workflows.load import load_folder

pytestmark = [pytest.mark.slow, pytest.mark.spark]

HEADER = "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
EVENTS = "User ID,Event Time,Event Name,Page\n"
EVENT_ROWS = (
    "z1,2024-01-02 10:00:00,page_view,/shoes\n",
    "z2,2024-01-03 09:00:00,search,hats\n",
    "z5,2024-01-04 09:00:00,page_view,/\n",
)
TIERS = "CustomerID,InvoiceDate,Total,Tier\n"
TIMES = ("started_at", "finished_at")  # when each load ran: differs between the two runs


def _steps(folder: Path) -> list[tuple[str, Path, IngestOptions]]:
    """The loads after the retailer's folder, each a file and its options."""
    files = {
        "tiers_february.csv": TIERS + "z7,2024-02-03,10,B\nz8,2024-02-04,10,gold\n",
        "tiers_january.csv": TIERS + "z7,2024-01-05,10,A\nz8,2024-01-06,10,gold\n",
        "customers_a.csv": "customer_id,country,city\nz1,,Leeds\nz2,UK,\nz3,,\n",
        "customers_b.csv": "customer_id,country,city\nz1,UK,York\nz2,FR,Paris\nz3,DE,\nz4,SE,\n",
        "events_a.csv": EVENTS + EVENT_ROWS[0] + EVENT_ROWS[1] + EVENT_ROWS[0],
        "events_b.csv": EVENTS + EVENT_ROWS[1] + EVENT_ROWS[2],  # overlaps events_a
        "sales.csv": HEADER + "S1,z1,2024-01-01,p1,2,5\nS2,z1,2024-01-10,p1,1,5\n",
        "returns.csv": HEADER
        + (
            "R1,z1,2024-01-25,p1,-1,5\n"  # booked on S2, an order the mart already holds
            "S2,z1,2024-01-10,p1,1,5\n"  # a line the mart already holds: a duplicate
            "S3,z2,not a date,p1,1,5\n"  # quarantined with its reason
            "S4,,2024-02-01,p1,1,5\n"  # no customer: quarantined
            "S5,z4,2024-02-02,p9,3,2.5\n"
        ),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    options = IngestOptions(create_customers=True)
    return [
        ("transactions", folder / "tiers_february.csv", options),
        ("transactions", folder / "tiers_january.csv", options),  # goes back in the history
        ("customers", folder / "customers_a.csv", options),
        ("customers", folder / "customers_b.csv", options),
        ("events", folder / "events_a.csv", options),  # no event ids: derived from the rows
        ("events", folder / "events_b.csv", options),
        ("transactions", folder / "sales.csv", options),
        ("transactions", folder / "returns.csv", options),
        ("transactions", folder / "returns.csv", options),  # the same file again
    ]


def _load_all(mart: Mart, data: Path, folder: Path) -> list[IngestResult]:
    results = load_folder(mart, data)
    for table, path, options in _steps(folder):
        results.append(ingest(mart, table, path, options))
    return results


def _table(mart: Mart, name: str) -> pd.DataFrame:
    frame: pd.DataFrame = mart.table(name).to_pandas()
    frame = frame.drop(columns=[c for c in TIMES if c in frame.columns])
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_loads_into_spark_write_what_they_write_into_duckdb(
    spark_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spark_staging, "BATCH_ROWS", 500)  # several appends per table
    data = tmp_path / "data"
    synthesize(data, 120, seed=5, start=pd.Timestamp("2024-01-01").date(), years=1)
    (data / "ground_truth.parquet").unlink()
    (data / "ground_truth_campaigns.parquet").unlink(missing_ok=True)
    (tmp_path / "files").mkdir()
    duck = connect(tmp_path / "mart.duckdb")
    spark = connect_spark(tmp_path / "warehouse", spark_session)
    on_duck = _load_all(duck, data, tmp_path / "files")
    on_spark = _load_all(spark, data, tmp_path / "files")
    assert on_spark == on_duck
    assert all(r.reconciles for r in on_spark)
    fills, returns, again = on_spark[-6], on_spark[-2], on_spark[-1]
    assert fills.written.get("customers updated") == 3  # z1 and z3: country; z2: city
    assert (returns.rows_duplicate, returns.rows_quarantined) == (1, 2)
    assert returns.written.get("orders updated") == 1  # S2 is now returned
    assert again.already_loaded and again.rows_loaded == 0
    first, overlapping = on_spark[-5], on_spark[-4]  # the events files without ids
    assert (first.rows_loaded, first.rows_duplicate) == (2, 1)  # a repeated row is one event
    assert (overlapping.rows_loaded, overlapping.rows_duplicate) == (1, 1)
    for name in TABLES:
        pd.testing.assert_frame_equal(_table(spark, name), _table(duck, name), obj=name)
    february, january = on_spark[-9], on_spark[-8]
    assert february.written.get("customer_attributes") == 2  # z7: B; z8: gold (new pairs)
    tiers = january.written.get("customer_attributes")
    assert tiers == 2  # loaded after February's: z7: A before B; z8: gold from January on
    customers = _table(spark, "customers").set_index("customer_id")
    assert customers.loc["z1", ["country", "city"]].tolist() == ["UK", "Leeds"]
    duck.close()
