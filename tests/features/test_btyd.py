"""BTYD summary columns: the fixture by hand, the published CDNOW calibration summary, and
the CLV models' summary read back from stored features, equal to the bit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow.parquet as pq
import pytest

import segmint
from segmint.features import build_features, load_features, store_features
from segmint.features.btyd import SUMMARY_COLUMNS, btyd_summary, summary_of_features
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest
from segmint.synth import generate

from .conftest import AS_OF, fill, fixture_tables, ts

Rows = dict[str, dict[str, Any]]

CDNOW_SUMMARY = "/work/shared/datasets/cdnow/cdnow_customers_summary.csv"


def test_customer_days_of_positive_purchases(rows: Rows) -> None:
    # c1 buys on 01-05, 03-10 and 03-31 (the 03-20 return is negative)
    c1 = rows["c1"]
    assert c1["btyd_frequency"] == 2
    assert c1["btyd_recency"] == pytest.approx(86 / 7)
    assert c1["btyd_T"] == pytest.approx(86 / 7)
    c8 = rows["c8"]  # two orders on one day are one transaction
    assert (c8["btyd_frequency"], c8["btyd_recency"]) == (0, 0.0)
    assert c8["btyd_T"] == pytest.approx(30 / 7)
    assert rows["c2"]["btyd_frequency"] is None


@pytest.mark.slow
def test_cdnow_calibration_summary(cdnow_mart: Mart) -> None:
    columns = ["customer_id", "btyd_frequency", "btyd_recency", "btyd_T"]
    ours = build_features(cdnow_mart, "1997-09-30").select(*columns).to_pandas()
    ours["ID"] = ours.customer_id.astype(int)
    published = pd.read_csv(CDNOW_SUMMARY)
    both = published.merge(ours, on="ID", how="outer", validate="one_to_one")
    assert len(both) == len(published) == 2357
    assert (both.frequency == both.btyd_frequency).all()
    assert (both.recency - both.btyd_recency).abs().max() < 0.01
    assert (both["T"] - both.btyd_T).abs().max() < 0.01
    assert both.btyd_frequency.sum() == 2457


def test_repeat_spend_by_hand(rows: Rows) -> None:
    # c1's repeat days are 03-10 (o2: 10 + 30) and 03-31 (o5: 5); 01-05 is the first day
    assert rows["c1"]["btyd_monetary"] == (40.0 + 5.0) / 2
    assert rows["c8"]["btyd_monetary"] == 0.0  # one customer-day: no repeat
    assert rows["c3"]["btyd_monetary"] == 0.0
    assert rows["c2"]["btyd_monetary"] is None  # a prospect


def exact(left: ibis.Table, right: ibis.Table) -> None:
    """``left`` and ``right`` hold the same rows, column types and values to the bit."""
    frames = [t.to_pandas().sort_values("customer_id", ignore_index=True) for t in (left, right)]
    pd.testing.assert_frame_equal(*frames, check_exact=True)


def test_the_stored_features_give_the_summary_to_the_bit() -> None:
    with segmint.connect(":memory:") as mart:
        fill(mart, fixture_tables())
        store_features(mart, AS_OF)
        summary = btyd_summary(mart, AS_OF)
        assert summary.columns == SUMMARY_COLUMNS
        exact(summary_of_features(load_features(mart, AS_OF)), summary)


@pytest.mark.slow
def test_the_stored_features_of_a_retailer_give_its_summary_to_the_bit(tmp_path: Path) -> None:
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        tables = generate(300, seed=11)
        for name in ("customers", "products", "orders", "order_lines"):
            pq.write_table(tables[name], tmp_path / f"{name}.parquet")
            ingest(mart, name, tmp_path / f"{name}.parquet", IngestOptions())
        day = store_features(mart).as_of
        summary = btyd_summary(mart, day)
        assert summary.filter(summary.frequency > 1).count().execute() > 100
        exact(summary_of_features(load_features(mart, day)), summary)


@pytest.mark.slow
def test_the_stored_features_of_cdnow_give_its_summary_to_the_bit(cdnow_mart: Mart) -> None:
    store_features(cdnow_mart, "1997-09-30")
    features = load_features(cdnow_mart, "1997-09-30")
    exact(summary_of_features(features), btyd_summary(cdnow_mart, "1997-09-30"))


@pytest.mark.parametrize("values", [(1e16, 1.0, 1.0), (1.0, 1.0, 1e16)])
def test_repeat_spend_does_not_depend_on_the_order_purchases_are_added(
    values: tuple[float, ...],
) -> None:
    # added in floating point, 1e16 + 1 + 1 is 1e16 one way and 1e16 + 2 the other
    first = {"order_id": "z0", "customer_id": "z", "order_ts": ts("2024-03-01 09:00")}
    repeat = [
        {"order_id": f"z{i}", "customer_id": "z", "order_ts": ts("2024-03-05 12:00")}
        for i in range(1, 4)
    ]
    lines = [
        {"order_id": f"z{i}", "line_no": 1, "quantity": 1.0, "unit_price": value}
        for i, value in enumerate((5.0, *values))
    ]
    with segmint.connect(":memory:") as mart:
        fill(mart, {"orders": [first, *repeat], "order_lines": lines})
        features = build_features(mart, AS_OF).execute()
        assert features.btyd_monetary.tolist() == [1e16 + 2]
        assert btyd_summary(mart, AS_OF).monetary_value.execute().tolist() == [1e16 + 2]
