"""The same expressions on DuckDB and on Spark give the same answers.

One synthetic retailer is loaded into a DuckDB mart as a user would (``load_folder``),
copied to a Spark mart with :func:`segmint.mart.spark.copy_mart`, and every step below is
run on both from the same code: features (equal to 1e-9), RFM and lifecycle assignments
(identical), campaign groups (identical), CLV scores computed by each engine (equal to
1e-12), and the CLV fit on CDNOW loaded through Spark (the same parameters). Spark runs
locally on two cores (``local[2]``); it needs Java, which ``.ci/setup-java.sh`` installs.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from segmint.exceptions import MartError
from segmint.features.btyd import btyd_summary
from segmint.features.btyd_covariate import with_covariate
from segmint.features.btyd_split import calibration_holdout
from segmint.features.build import build_features
from segmint.insight.sales_periods import with_segments
from segmint.mart import Mart, connect
from segmint.mart import spark as engine
from segmint.mart.connection import MartBusyError
from segmint.mart.plan import Update
from segmint.mart.privacy import latest_consent, pseudonymise_column
from segmint.mart.privacy.do_not_contact import SUPPRESSIONS_TABLE, do_not_contact
from segmint.mart.privacy.keys import ENV_KEY
from segmint.mart.privacy.spelling import other_spellings
from segmint.mart.scratch import scratch_scope
from segmint.mart.spark import SparkMart, connect_spark, copy_mart
from segmint.mart.updates import rewrite
from segmint.models.bgnbd import BGNBD
from segmint.scoring.campaigns.assignment import assign
from segmint.scoring.clv_fit import fit_clv
from segmint.scoring.clv_scores import score_customers
from segmint.scoring.propensity import labelled_set, target_of
from segmint.segmentation import store
from segmint.segmentation.lifecycle import default_thresholds, lifecycle_stages
from segmint.segmentation.rfm import rfm_segments
from segmint.synth import synthesize
from segmint.workflows.clv import purchase_calendar
from segmint.workflows.features import current
from segmint.workflows.load import load_folder

from .conftest import held_elsewhere, other_process_can_lock

pytestmark = [pytest.mark.slow, pytest.mark.spark]

AS_OF = "2025-06-30"
CALIBRATION_END, HOLDOUT_END = "1997-09-30", "1998-06-30"  # CDNOW as published


@pytest.fixture(scope="module")
def marts(
    spark_session: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Mart, SparkMart]]:
    folder = tmp_path_factory.mktemp("parity")
    synthesize(folder / "data", 300, seed=3, start=pd.Timestamp("2023-01-01").date(), years=3)
    (folder / "data" / "ground_truth.parquet").unlink()
    (folder / "data" / "ground_truth_campaigns.parquet").unlink(missing_ok=True)
    duck = connect(folder / "mart.duckdb")
    load_folder(duck, folder / "data")
    spark = connect_spark(folder / "warehouse", spark_session)
    copy_mart(duck, spark)
    yield duck, spark
    duck.close()


def _frame(table: Any) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas()
    return frame.sort_values("customer_id").reset_index(drop=True)


def _assert_same(spark: pd.DataFrame, duck: pd.DataFrame) -> None:
    assert list(spark.columns) == list(duck.columns)
    assert len(spark) == len(duck)
    for column in duck.columns:
        left, right = spark[column], duck[column]
        if pd.api.types.is_numeric_dtype(right) and not pd.api.types.is_bool_dtype(right):
            np.testing.assert_allclose(
                left.astype("float64"),
                right.astype("float64"),
                rtol=1e-9,
                atol=1e-9,
                err_msg=column,
            )
        else:
            pd.testing.assert_series_equal(left, right, check_dtype=False, obj=column)


def test_a_configured_session_keeps_its_settings_but_runs_in_utc(
    spark_session: SparkSession,
) -> None:
    # a cluster's or spark-submit's session: its partitions stay; the time zone is pinned so
    # an as-of date cuts at the same instant as on DuckDB
    spark_session.conf.set("spark.sql.session.timeZone", "Europe/Berlin")
    assert engine.spark_session() is spark_session
    assert spark_session.conf.get("spark.sql.shuffle.partitions") == "4"  # the fixture's
    assert spark_session.conf.get("spark.sql.session.timeZone") == "UTC"


def test_the_test_session_has_the_driver_heap_its_fixture_asks_for(
    spark_session: SparkSession,
) -> None:
    # Spark's default 1 GB heap ran out once while a task spilled; the heap is fixed when
    # the JVM starts, so the setting must have reached it, not only the session's conf
    assert spark_session.conf.get("spark.driver.memory") == "2g"  # the fixture's
    jvm = spark_session.sparkContext._jvm
    assert jvm is not None
    assert jvm.java.lang.Runtime.getRuntime().maxMemory() > 1.5 * 2**30


def test_scratch_tables_a_killed_command_left_are_removed_on_open(
    spark_session: SparkSession, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    connect_spark(warehouse, spark_session)
    stale, running = warehouse / "_assignments_killed", warehouse / "_campaign_running"
    for folder in (stale, running):
        folder.mkdir()
        pq.write_table(pa.table({"customer_id": ["c1"]}), folder / "part-0.parquet")
    day_and_a_bit = time.time() - engine.STALE_SCRATCH_SECONDS - 60
    os.utime(stale, (day_and_a_bit, day_and_a_bit))
    reopened = connect_spark(warehouse, spark_session)
    assert not stale.exists() and running.is_dir()
    assert reopened.table("_campaign_running").count().execute() == 1


def test_a_rewrite_a_crash_interrupted_is_rolled_back_on_open(
    spark_session: SparkSession, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    mart = connect_spark(warehouse, spark_session)
    mart.write("customers", pa.table({"customer_id": ["c1", "c2"]}), overwrite=True)
    assert sorted(p.name for p in warehouse.iterdir() if p.name.startswith(".")) == [
        ".segmint.lock"
    ]
    # the crash: the table moved aside, the new folder half written, the rename not done
    (warehouse / "customers").rename(warehouse / ".customers.old")
    (warehouse / ".customers.new").mkdir()
    reopened = connect_spark(warehouse, spark_session)
    assert reopened.count("customers") == 2
    assert not (warehouse / ".customers.old").exists()
    assert not (warehouse / ".customers.new").exists()


def test_a_warehouse_another_process_writes_is_refused_and_closing_frees_it(
    spark_session: SparkSession, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    mart = connect_spark(warehouse, spark_session)
    assert not other_process_can_lock(warehouse)
    mart.close()
    assert other_process_can_lock(warehouse)
    with held_elsewhere(warehouse), pytest.raises(MartBusyError, match="is writing the Spark"):
        connect_spark(warehouse, spark_session)
    assert connect_spark(warehouse, spark_session, read_only=True).count("customers") == 0


def test_a_read_only_open_stores_nothing_it_computes(
    marts: tuple[Mart, SparkMart], spark_session: SparkSession
) -> None:
    """A command that only reads builds the features it needs without storing them: it holds
    no write lock, so a write could meet another process's."""
    _, spark = marts
    reader = connect_spark(spark.warehouse, spark_session, read_only=True)
    assert reader.read_only
    before = sorted(p.name for p in spark.warehouse.iterdir())
    _, features = current(reader, None, ["recency_days", "frequency", "monetary_total"])
    assert int(features.count().execute()) > 0
    assert sorted(p.name for p in spark.warehouse.iterdir()) == before


def test_a_command_leaves_no_spark_folder_where_it_ran(tmp_path: Path) -> None:
    here, warehouse = tmp_path / "here", tmp_path / "warehouse"
    here.mkdir()
    segmint = Path(sys.executable).with_name("segmint")
    command = [str(segmint), "--engine", "pyspark", "init", "--mart", str(warehouse)]
    env = {k: v for k, v in os.environ.items() if k not in ("SEGMINT_ENGINE", "SEGMINT_MART")}
    done = subprocess.run(command, cwd=here, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (warehouse / "orders").is_dir()
    assert list(here.iterdir()) == []  # no spark-warehouse/ (nor metastore_db/)


def test_a_rewrite_refuses_an_update_that_holds_a_key_twice(
    spark_session: SparkSession, tmp_path: Path
) -> None:
    mart = connect_spark(tmp_path / "warehouse", spark_session)
    mart.write(
        "customers",
        pa.table({"customer_id": ["c1"], "country": pa.array([None], pa.string())}),
        overwrite=True,
    )
    twice = ibis.memtable({"customer_id": ["c1", "c1"], "country": ["FR", "DE"]})
    with pytest.raises(MartError, match="2 rows for 1 values of customer_id"):
        rewrite(mart, Update("customers", "customer_id", ("country",), twice))
    assert mart.table("customers").to_pyarrow().to_pylist() == [
        {"customer_id": "c1", "country": None}
    ]
    once = ibis.memtable({"customer_id": ["c1"], "country": ["FR"]})
    assert rewrite(mart, Update("customers", "customer_id", ("country",), once)) == 1
    assert mart.table("customers").country.execute().tolist() == ["FR"]


def test_copy_mart_copies_every_row(marts: tuple[Mart, SparkMart]) -> None:
    duck, spark = marts
    for name in ("customers", "orders", "order_lines", "events", "consents"):
        assert spark.count(name) == duck.count(name) > 0


def test_a_spark_mart_reopens_with_its_tables(
    marts: tuple[Mart, SparkMart], spark_session: SparkSession
) -> None:
    duck, spark = marts
    again = connect_spark(spark.warehouse, spark_session)
    assert again.init() == []
    assert again.count("orders") == duck.count("orders")


def test_features_are_equal(marts: tuple[Mart, SparkMart]) -> None:
    duck, spark = marts
    _assert_same(_frame(build_features(spark, AS_OF)), _frame(build_features(duck, AS_OF)))


def test_rfm_and_lifecycle_assign_the_same_segments(marts: tuple[Mart, SparkMart]) -> None:
    duck, spark = marts
    frames = {}
    for name, mart in (("duck", duck), ("spark", spark)):
        features = build_features(mart, AS_OF)
        if isinstance(mart, SparkMart):
            mart.write("features_parity", features, overwrite=True)
            features = mart.table("features_parity")
        rfm = _frame(rfm_segments(features, 5))
        stages = _frame(lifecycle_stages(features, default_thresholds(features)))
        frames[name] = (rfm, stages)
    _assert_same(frames["spark"][0], frames["duck"][0])
    _assert_same(frames["spark"][1], frames["duck"][1])
    assert frames["duck"][0].segment.nunique() > 3  # the comparison covers several segments


def test_campaign_groups_are_the_same(marts: tuple[Mart, SparkMart]) -> None:
    duck, spark = marts
    groups = {}
    for name, mart in (("duck", duck), ("spark", spark)):
        customers = mart.table("customers")
        members = customers.select("customer_id", stratum=customers.country)
        groups[name] = _frame(assign(members, 0.2, random_state=11))[["customer_id", "group"]]
    pd.testing.assert_frame_equal(groups["spark"], groups["duck"])
    assert (groups["duck"].group == "control").mean() == pytest.approx(0.2, abs=0.05)


def test_pseudonyms_are_the_same_and_their_lookup_is_dropped(
    marts: tuple[Mart, SparkMart], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a pseudonymised export on a Spark warehouse: the lookup is a table of the warehouse
    # there, dropped at the end of the scope like the DuckDB scratch table
    monkeypatch.setenv(ENV_KEY, "spark-parity-privacy-key-0123456789abcdefghij")
    found = {}
    for name, mart in (("duck", marts[0]), ("spark", marts[1])):
        before = mart.table_names()
        with scratch_scope(mart):
            out = pseudonymise_column(mart, mart.table("customers").select("customer_id"))
            found[name] = sorted(out.to_pyarrow().column("customer_id").to_pylist())
        assert mart.table_names() == before
    assert found["spark"] == found["duck"] and len(found["duck"]) == 300
    assert all(value.startswith("p_") for value in found["duck"])


def test_the_do_not_contact_list_is_read_the_same(marts: tuple[Mart, SparkMart]) -> None:
    # channels that start or end with v or f, which Spark's TRIM of a strip would eat
    ids = _frame(marts[0].table("customers").select("customer_id")).customer_id[:4].tolist()
    rows = pa.table({"customer_id": ids, "channel": [" Voice", "fax\t", "vip", None]})
    found = {}
    for name, mart in (("duck", marts[0]), ("spark", marts[1])):
        mart.create_table(SUPPRESSIONS_TABLE, rows)
        try:
            found[name] = {
                channel: sorted(_frame(do_not_contact(mart, channel)).customer_id)  # type: ignore[arg-type]
                for channel in ("voice", "fax", "vip", "email")
            }
        finally:
            mart.drop_table(SUPPRESSIONS_TABLE)
    assert found["spark"] == found["duck"]
    assert found["duck"] == {
        c: sorted([ids[i], ids[3]]) for i, c in enumerate(("voice", "fax", "vip"))
    } | {"email": [ids[3]]}


def test_an_id_held_in_another_spelling_is_found_on_spark(
    spark_session: SparkSession, tmp_path: Path
) -> None:
    # ids that start or end with v or f, which Spark's TRIM of a strip would eat
    mart = connect_spark(tmp_path / "warehouse", spark_session)
    try:
        held = ["F-1042", "v77 ", "13085", "\u3000X-9\u00a0", "20417.00 "]
        mart.create_table("customers", pa.table({"customer_id": held}))
        found = other_spellings(mart, ["f-1042", "V77", "13085.0", "x-9", "20417"])
    finally:
        mart.close()
    assert found == {
        "f-1042": ["F-1042"],
        "V77": ["v77 "],
        "13085.0": ["13085"],
        "x-9": ["\u3000X-9\u00a0"],  # Unicode spaces around it, as Python's strip drops
        "20417": ["20417.00 "],  # a float's spelling, found by the scan's fold
    }


def test_segments_at_purchase_are_the_same(marts: tuple[Mart, SparkMart]) -> None:
    # the times each stored date's segments hold are window expressions on both engines
    ids = _frame(marts[0].table("customers").select("customer_id")).customer_id.tolist()
    days = {dt.date(2024, 6, 30): "first", dt.date(2025, 1, 31): "second"}
    found = {}
    for name, mart in (("duck", marts[0]), ("spark", marts[1])):
        for day, label in days.items():
            members = ibis.memtable({"customer_id": ids, "segment": [label] * len(ids)})
            store.save(mart, "parity_tiers", "rules", {"v": 1}, day, members)
        orders = mart.table("orders").select("order_id", "customer_id", "order_ts")
        labelled, used = with_segments(mart, orders, "parity_tiers", "at_purchase")
        found[name] = _frame(labelled).sort_values("order_id").reset_index(drop=True)
        assert used.as_of == tuple(days)
    pd.testing.assert_frame_equal(found["spark"], found["duck"], check_dtype=False)
    assert set(found["duck"].segment) == set(days.values())


def test_a_sampled_training_set_is_the_same(marts: tuple[Mart, SparkMart]) -> None:
    # the sha256 key picks the same 80 of the ~280 buyers on both engines, labels alike
    day = pd.Timestamp(AS_OF).date()
    sets = [labelled_set(m, day, 90, target_of("churn"), rows=80) for m in marts]
    assert len(sets[0][0]) == 80
    _assert_same(sets[1][0].reset_index(), sets[0][0].reset_index())
    np.testing.assert_array_equal(sets[1][1], sets[0][1])
    assert 0 < sets[0][1].sum() < 80


def test_batches_come_from_a_scratch_table_one_hash_bucket_at_a_time(
    marts: tuple[Mart, SparkMart],
) -> None:
    duck, spark = marts
    parts = list(spark.batches(spark.table("customers"), rows=50))
    assert 3 <= len(parts) <= 6 and all(p.num_rows > 0 for p in parts)  # about 300 / 50
    ids = [i for p in parts for i in p.column("customer_id").to_pylist()]
    assert sorted(ids) == sorted(_frame(duck.table("customers")).customer_id)  # each once
    assert not [t for t in spark.table_names() if t.startswith("_segmint_batches")]


def test_the_latest_consents_are_the_same(marts: tuple[Mart, SparkMart]) -> None:
    # one aggregation: the latest time of any row and of a withdrawal per customer
    names = ("duck", "spark")
    latest = {n: _frame(latest_consent(m, "email")) for n, m in zip(names, marts, strict=True)}
    pd.testing.assert_frame_equal(latest["spark"], latest["duck"], check_dtype=False)
    assert 0 < latest["duck"].granted.sum() < len(latest["duck"])  # both answers occur


def test_clv_scores_are_the_same(marts: tuple[Mart, SparkMart]) -> None:
    # P(alive), spend and the join to the (x, T) pairs' values run in each engine; the
    # MBG/NBD is split by acquisition channel (each channel's parameters joined too), the
    # seasonal BG/NBD reads its clock from a second table
    day = pd.Timestamp(AS_OF).date()
    summary = btyd_summary(marts[0], day)
    calendar = purchase_calendar(marts[0], day)
    fits = [
        fit_clv(summary.to_pandas(), "bgnbd"),
        fit_clv(summary.to_pandas(), "bgnbd-seasonal", calendar=calendar),
        fit_clv(
            with_covariate(marts[0], summary, "acquisition_channel", day).to_pandas(),
            "mbgnbd",
            covariate="acquisition_channel",
        ),
    ]
    scores = []
    for mart in marts:
        for fit in fits:
            score_customers(mart, fit, day, windows=((12, 36),))
        frame = mart.table("scores").to_pandas()
        scores.append(frame.sort_values(["customer_id", "model", "score_name"], ignore_index=True))
    duck, spark = scores
    assert len(duck) == summary.count().execute() * 3 * 5 and duck.score_name.nunique() == 5
    pd.testing.assert_frame_equal(spark.drop(columns="value"), duck.drop(columns="value"))
    np.testing.assert_allclose(spark.value, duck.value, rtol=1e-12)


def test_cdnow_fits_the_same_bgnbd_through_spark(
    spark_session: SparkSession, tmp_path: Path, cdnow_file: Path
) -> None:
    copy = tmp_path / "cdnow.duckdb"
    shutil.copy(cdnow_file, copy)
    duck = connect(copy)
    spark = connect_spark(tmp_path / "warehouse", spark_session)
    copy_mart(duck, spark)
    params = []
    for mart in (duck, spark):
        split = calibration_holdout(mart, CALIBRATION_END, HOLDOUT_END)
        frame = split.frame.sort_values("customer_id")
        model = BGNBD().fit(frame["frequency"], frame["recency"], frame["T"])
        params.append(np.array(list(model.params_.values()), dtype=float))
    duck.close()
    np.testing.assert_allclose(params[1], params[0], rtol=1e-9)


def test_two_marts_in_one_session_keep_their_own_tables(
    marts: tuple[Mart, SparkMart], spark_session: SparkSession, tmp_path: Path, cdnow_file: Path
) -> None:
    duck, first = marts
    second = connect_spark(tmp_path / "other", spark_session)
    with connect(cdnow_file, create=False, read_only=True) as cdnow:
        copied = copy_mart(cdnow, second)
    assert second.count("customers") == copied["customers"]
    assert first.count("customers") == duck.count("customers") != copied["customers"]
    reopened = connect_spark(first.warehouse, spark_session)
    assert reopened.count("orders") == duck.count("orders")


def test_python_rows_written_leave_no_temporary_view(
    marts: tuple[Mart, SparkMart], spark_session: SparkSession
) -> None:
    spark = marts[1]

    def views() -> list[str]:
        return sorted(t.name for t in spark_session.catalog.listTables() if t.isTemporary)

    before = views()
    try:
        for n in range(3):
            rows = ibis.memtable({"n": [n, n + 10]}).mutate(text=ibis.literal("x"))
            if n == 0:
                spark.create_table("memtable_notes", rows)
            else:
                spark.insert("memtable_notes", rows.filter(rows.n < 10))
        assert views() == before
        assert spark.count("memtable_notes") == 4
    finally:
        spark.drop_table("memtable_notes")


def test_python_rows_read_leave_no_temporary_view(
    marts: tuple[Mart, SparkMart], spark_session: SparkSession
) -> None:
    spark = marts[1]
    first = sorted(spark.table("customers").customer_id.to_pyarrow().to_pylist())[:2]

    def views() -> list[str]:
        return sorted(t.name for t in spark_session.catalog.listTables() if t.isTemporary)

    before = views()
    for _ in range(3):
        wanted = ibis.memtable({"customer_id": first})
        mine = spark.table("customers").semi_join(wanted, "customer_id")
        with spark.reading(mine):
            assert mine.count().to_pyarrow().as_py() == 2
    assert views() == before
