"""Parquet timestamps with a time zone load as the clock time of their zone, as text with a
UTC offset does, whatever the machine's own zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart

from .conftest import load, write

PARIS = ["2025-03-01 23:30", "2025-03-02 00:30"]
"""Two orders on either side of midnight on the shop's clock in Paris (UTC+1)."""


def orders(zone: str) -> pd.DataFrame:
    stamps = pd.to_datetime(PARIS).tz_localize(zone)
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["c1", "c2"],
            "order_ts": stamps,
            "product_id": ["p1", "p2"],
            "quantity": [1, 1],
            "unit_price": [10.0, 20.0],
        }
    )


def times(mart: Mart) -> list[dt.datetime]:
    t = mart.table("orders").order_by("order_id")
    return [pd.Timestamp(v).to_pydatetime() for v in t.order_ts.execute()]


CLOCK = [dt.datetime(2025, 3, 1, 23, 30), dt.datetime(2025, 3, 2, 0, 30)]


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "Asia/Kolkata"])
def test_a_zoned_parquet_column_loads_as_its_zones_clock(
    mart: Mart, tmp_path: Path, zone: str
) -> None:
    path = tmp_path / "transactions.parquet"
    orders(zone).to_parquet(path)
    load(mart, "transactions", path)
    assert times(mart) == CLOCK


def test_parquet_and_text_with_offsets_put_an_order_on_the_same_day(
    mart: Mart, tmp_path: Path
) -> None:
    """o2 is placed at 00:30 on 2 March in Paris: 23:30 on 1 March in UTC."""
    frame = orders("Europe/Paris")
    text = frame.assign(order_ts=[t.isoformat() for t in frame.order_ts])
    assert text.order_ts[1] == "2025-03-02T00:30:00+01:00"
    csv = write(tmp_path / "transactions.csv", text.to_csv(index=False))
    load(mart, "transactions", csv)
    from_text = times(mart)
    frame.assign(order_id=["o3", "o4"]).to_parquet(tmp_path / "transactions.parquet")
    load(mart, "transactions", tmp_path / "transactions.parquet")
    assert times(mart) == from_text + from_text == CLOCK + CLOCK


def test_a_fixed_offset_zone_loads_as_its_clock(mart: Mart, tmp_path: Path) -> None:
    frame = orders("UTC")
    instants = pd.to_datetime(["2025-03-01 18:00", "2025-03-01 19:00"]).tz_localize("UTC")
    zoned = pa.array(instants, type=pa.timestamp("us", tz="+05:30"))
    table = pa.Table.from_pandas(frame).set_column(2, "order_ts", zoned)
    pq.write_table(table, tmp_path / "transactions.parquet")
    load(mart, "transactions", tmp_path / "transactions.parquet")
    assert times(mart) == CLOCK


def test_a_zone_the_engine_does_not_know_is_refused_with_the_column(
    mart: Mart, tmp_path: Path
) -> None:
    zoned = pa.array([0, 1], type=pa.timestamp("us", tz="Mars/Olympus"))
    table = pa.Table.from_pandas(orders("UTC")).set_column(2, "order_ts", zoned)
    pq.write_table(table, tmp_path / "transactions.parquet")
    with pytest.raises(InputError, match=r"'order_ts'.*'Mars/Olympus'"):
        load(mart, "transactions", tmp_path / "transactions.parquet")
    assert mart.count("orders") == 0


def test_the_engines_session_zone_changes_nothing(mart: Mart, tmp_path: Path) -> None:
    """A timestamp with a zone cast by the engine would take the session's zone (the
    machine's, by default): the clock is the file's zone's, not the machine's."""
    mart.raw.execute("SET TimeZone = 'America/New_York'")
    orders("Europe/Paris").to_parquet(tmp_path / "transactions.parquet")
    load(mart, "transactions", tmp_path / "transactions.parquet")
    assert times(mart) == CLOCK
