"""Churn and intent models on the synthetic retailer: accuracy, calibration, no leakage, storage.

The retailer's ground truth says who is still alive at the end of the history (the last
day with orders, the default scoring date), so churn risk is checked against the truth
as well as against the observed labels of the time split.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

from segmint.mart import TABLES, Mart, connect, fetch
from segmint.mart.ingest import ingest
from segmint.models.propensity import PropensityClassifier, evaluate
from segmint.scoring.propensity import (
    SEASON_DAYS,
    PredictionError,
    labelled_set,
    plan_split,
    population,
    purchases_between,
    score_everyone,
    target_of,
)
from segmint.synth import generate
from segmint.workflows.predict import (
    PredictionRun,
    ScoreRefresh,
    refresh_scores,
    run_prediction,
    weak_model_note,
)

from .conftest import flag_for_refit

pytestmark = pytest.mark.slow

N_CUSTOMERS = 1_500
TABLE_NAMES = ("customers", "customer_attributes", "products", "orders", "order_lines", "events")
EARLIER = dt.date(2025, 9, 30)


def load(folder: Path, tables: dict[str, pa.Table]) -> Mart:
    mart = connect(folder / "mart.duckdb")
    for name in TABLE_NAMES:
        pq.write_table(tables[name], folder / f"{name}.parquet")
        ingest(mart, name, folder / f"{name}.parquet")
    return mart


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return generate(N_CUSTOMERS, seed=3)


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory, tables: dict[str, pa.Table]) -> Iterator[Mart]:
    with load(tmp_path_factory.mktemp("retailer"), tables) as m:
        yield m


@pytest.fixture(scope="module")
def refresh(mart: Mart) -> ScoreRefresh:
    """Churn and intent at the last day with orders, with their default horizons."""
    return refresh_scores(mart)


@pytest.fixture(scope="module")
def churn(refresh: ScoreRefresh) -> PredictionRun:
    return refresh.predictions[0]


@pytest.fixture(scope="module")
def earlier(mart: Mart) -> PredictionRun:
    return run_prediction(mart, "churn", EARLIER)


def stored(mart: Mart, as_of: dt.date, model: str) -> pd.Series:
    scores = mart.table("scores")
    rows = scores.filter(scores.as_of == as_of, scores.model == model).execute()
    return rows.set_index("customer_id")["value"].sort_index()


def test_churn_beats_chance_and_the_base_rate(churn: PredictionRun) -> None:
    # Measured on seed 3: validation AUC 0.890 with 1,500 customers (the BTYD baselines
    # 0.854 and 0.889 on the same split). 0.75 leaves room for sampling noise and
    # still fails a model that ranks only a little better than chance (0.5).
    metrics = churn.validation["churn_gbm"]
    assert metrics["auc"] > 0.75
    assert metrics["brier"] < 0.8 * metrics["brier_base_rate"]
    assert metrics["lift_top_decile"] > 1.3
    assert set(churn.validation) == {"churn_gbm", "btyd_p_alive", "btyd_any_purchase"}
    assert "recency_days" in set(churn.importance.feature.head(3))


def test_churn_risk_agrees_with_the_ground_truth(
    mart: Mart, churn: PredictionRun, tables: dict[str, pa.Table]
) -> None:
    truth = tables["ground_truth"].to_pandas().set_index("customer_id")
    risk = stored(mart, churn.as_of, "churn_gbm")
    dead = ~truth.loc[risk.index, "alive_at_end"].to_numpy()
    # the truth is who has dropped out for good, which a 90-day label only approximates;
    # measured 0.886 on this retailer (2026-12-06): the seasonal split's model learns
    # January to March, when many who are alive buy nothing; the consecutive split's 0.924
    # (docs/predictive.md, bench/churn_truth.py)
    assert roc_auc_score(dead, risk.to_numpy()) > 0.75
    assert risk.min() >= 0.0 and risk.max() <= 1.0


def test_refresh_trains_both_targets_and_intent_scores_prospects_too(
    mart: Mart, refresh: ScoreRefresh
) -> None:
    names = [run.target.score_name for run in refresh.predictions]
    assert names == ["churn_risk", "purchase_intent"]
    assert [run.horizon_days for run in refresh.predictions] == [90, 30]
    assert refresh.clv is None  # no CLV fit is stored in this mart
    run = refresh.predictions[1]
    metrics = run.validation["intent_gbm"]
    assert metrics["auc"] > 0.75
    assert metrics["brier"] < metrics["brier_base_rate"]
    assert set(run.validation) == {"intent_gbm", "btyd_any_purchase"}
    customers = int(mart.table("customers").count().execute())
    assert run.n_scored == customers == len(stored(mart, run.as_of, "intent_gbm"))


def runs_of(mart: Mart) -> int:
    return int(mart.table("model_runs").count().execute())


def test_scoring_again_applies_the_stored_models(mart: Mart, refresh: ScoreRefresh) -> None:
    before = runs_of(mart)
    churn_scores = stored(mart, refresh.as_of, "churn_gbm")
    mart.delete("scores", as_of=refresh.as_of, model="churn_gbm", score_name="churn_risk")
    again = refresh_scores(mart, refresh.as_of)
    assert [run.reused for run in again.predictions] == [True, True]
    assert [run.run_id for run in again.predictions] == [r.run_id for r in refresh.predictions]
    assert runs_of(mart) == before  # nothing trained
    pd.testing.assert_series_equal(stored(mart, refresh.as_of, "churn_gbm"), churn_scores)
    first = refresh.predictions[0]
    assert again.predictions[0].validation == first.validation
    assert again.predictions[0].split == first.split
    retrained = refresh_scores(mart, refresh.as_of, retrain=True)
    assert [run.reused for run in retrained.predictions] == [False, False]
    assert runs_of(mart) == before + 2


def test_a_model_older_than_its_horizon_or_flagged_by_an_erasure_is_trained_again(
    mart: Mart,
) -> None:
    trained = run_prediction(mart, "intent", "2025-11-10")  # intent looks 30 days ahead
    young = refresh_scores(mart, "2025-12-09").predictions[1]
    assert (young.reused, young.run_id) == (True, trained.run_id)
    assert len(stored(mart, dt.date(2025, 12, 9), "intent_gbm")) == young.n_scored
    old = refresh_scores(mart, "2025-12-10").predictions[1]  # 30 days on: trained again
    assert not old.reused and old.run_id > trained.run_id
    flag_for_refit(mart, old.run_id, dt.date(2025, 12, 10), "intent_gbm")
    after = refresh_scores(mart, "2025-12-10").predictions[1]
    assert not after.reused and after.run_id > old.run_id


@pytest.mark.parametrize("name", ["intent", "churn"])
def test_a_set_over_the_limit_is_the_customers_first_by_the_sha256_of_their_id(
    mart: Mart, name: str
) -> None:
    # against the whole base's features, built without the sample's restriction
    day, target = dt.date(2025, 6, 30), target_of(name)
    everyone = fetch.frame(population(mart, day, target)).set_index("customer_id").sort_index()
    bought = purchases_between(mart, day, day + dt.timedelta(days=45)).execute()
    did_buy = everyone.index.isin(bought.customer_id)
    labels = pd.Series((did_buy if target.positive_is_purchase else ~did_buy).astype(int))
    labels.index = everyone.index
    sample, sampled_labels = labelled_set(mart, day, 45, target, rows=200)
    assert len(everyone) > 600
    key = {c: hashlib.sha256(f"0:{c}".encode()).hexdigest()[:16] for c in everyone.index}
    first = sorted(everyone.index, key=lambda c: (key[c], c))[:200]
    assert list(sample.index) == sorted(first)
    pd.testing.assert_frame_equal(sample, everyone.loc[sample.index, sample.columns])
    assert set(everyone.columns) - set(sample.columns) <= {
        c for c in everyone.columns if everyone.loc[sample.index, c].isna().all()
    }  # an attribute none of the sample has is the only column it may lack
    np.testing.assert_array_equal(sampled_labels, labels.loc[sample.index].to_numpy())
    assert 0 < sampled_labels.sum() < 200


def test_scoring_in_chunks_gives_every_customer_what_scoring_at_once_gives(
    mart: Mart, churn: PredictionRun, monkeypatch: pytest.MonkeyPatch, batch_memory: Any
) -> None:
    target = target_of("churn")
    model = PropensityClassifier(random_state=0).fit(*labelled_set(mart, EARLIER, 90, target))
    table = population(mart, churn.as_of, target)
    at_once = fetch.frame(table).set_index("customer_id")
    expected = pd.Series(model.predict_proba(at_once)[:, 1], index=at_once.index)
    sizes: list[int] = []
    predict = model.predict_proba
    monkeypatch.setattr(model, "predict_proba", lambda X: sizes.append(len(X)) or predict(X))
    batch_memory.watch(mart, monkeypatch)
    ids, values = score_everyone(mart, model, table, rows=128)
    assert len(sizes) >= 4 and max(sizes) <= 128  # several chunks, none larger than asked
    assert batch_memory.ranges and not batch_memory.shared_by(ids)  # no batch kept alive
    chunked = pd.Series(values, index=pd.Index(ids.to_pylist(), name="customer_id"))
    pd.testing.assert_series_equal(chunked.sort_index(), expected.sort_index())
    nobody = score_everyone(mart, model, table.filter(ibis.literal(False)))
    assert len(nobody[0]) == len(nobody[1]) == 0


def test_a_model_trained_on_a_sample_still_scores_every_customer(
    tmp_path: Path, tables: dict[str, pa.Table]
) -> None:
    with load(tmp_path, tables) as own:  # its own mart: the module's keeps its stored models
        run = run_prediction(own, "churn", EARLIER, training_rows=300)
        buyers = population(own, EARLIER, target_of("churn")).count().execute()
        assert run.n_train == 300 < buyers == run.n_scored
        assert run.validation["churn_gbm"]["n"] == 300
        assert len(stored(own, EARLIER, "churn_gbm")) == buyers


def test_labels_come_from_the_horizon_after_the_feature_date(
    mart: Mart, tables: dict[str, pa.Table]
) -> None:
    day, horizon = dt.date(2025, 6, 30), 45
    frame, labels = labelled_set(mart, day, horizon, target_of("intent"))
    orders = tables["orders"].to_pandas()
    lines = tables["order_lines"].to_pandas()
    value = (lines.quantity * lines.unit_price - lines.discount.fillna(0)).groupby(lines.order_id)
    orders["net"] = orders.order_id.map(value.sum()).fillna(0.0)
    start = pd.Timestamp(day + dt.timedelta(days=1))
    end = start + pd.Timedelta(days=horizon)
    window = orders[
        (orders.order_ts >= start)
        & (orders.order_ts < end)
        & (orders.status != "cancelled")
        & (orders.net >= 0)
    ]
    expected = frame.index.isin(window.customer_id).astype(int)
    np.testing.assert_array_equal(labels, expected)
    assert 0 < labels.sum() < len(labels)


def without_orders_after(tables: dict[str, pa.Table], day: dt.date) -> dict[str, pa.Table]:
    orders = tables["orders"]
    end = pa.scalar(
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), orders["order_ts"].type
    )
    kept = orders.filter(pc.less(orders["order_ts"], end))
    lines = tables["order_lines"]
    events = tables["events"]
    return {
        **tables,
        "orders": kept,
        "order_lines": lines.filter(pc.is_in(lines["order_id"], value_set=kept["order_id"])),
        "events": events.filter(pc.less(events["event_ts"], end)),
    }


def test_nothing_after_the_scoring_date_changes_anything(
    mart: Mart, earlier: PredictionRun, tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    with load(tmp_path, without_orders_after(tables, EARLIER)) as cut:
        truncated = run_prediction(cut, "churn", EARLIER)
        pd.testing.assert_series_equal(
            stored(mart, EARLIER, "churn_gbm"), stored(cut, EARLIER, "churn_gbm")
        )
    assert truncated.validation == earlier.validation
    # Permutation importance shuffles columns whose sums the engine adds in parallel, in
    # an order that may differ between the two marts: equal up to that rounding.
    pd.testing.assert_frame_equal(truncated.importance, earlier.importance, rtol=0, atol=1e-4)


def test_scores_are_replaced_on_rerun_and_every_run_is_kept(
    mart: Mart, earlier: PredictionRun
) -> None:
    first = earlier
    second = run_prediction(mart, "churn", EARLIER)
    scores = stored(mart, EARLIER, "churn_gbm")
    assert len(scores) == second.n_scored == first.n_scored
    assert scores.index.is_unique
    runs = mart.table("model_runs").execute().set_index("run_id")
    assert second.run_id == first.run_id + 1
    row = runs.loc[second.run_id]
    assert (row.model, row.kind) == ("churn_gbm", "churn")
    model = pickle.loads(row.model_blob)
    assert list(model.feature_names_in_) == json.loads(row.params)["features"]
    assert json.loads(row.params)["validation_as_of"] == "2025-07-02"
    assert json.loads(row.metrics)["validation"] == second.validation


def test_too_little_history_is_an_error(mart: Mart) -> None:
    with pytest.raises(
        PredictionError, match=r"too little history\. Use --horizon-days 54\d or less"
    ):
        run_prediction(mart, "churn", horizon_days=600)
    with pytest.raises(PredictionError, match="--horizon-days must be at least 1; got 0"):
        run_prediction(mart, "intent", horizon_days=0)
    with pytest.raises(PredictionError, match="unknown prediction target 'ltv'"):
        run_prediction(mart, "ltv")


def insert(mart: Mart, name: str, rows: list[dict[str, Any]]) -> None:
    schema = TABLES[name].ibis_schema()
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    frame["ingest_id"] = 1
    mart.con.insert(name, ibis.memtable(frame).cast(schema))


def test_a_label_with_one_class_is_an_error(tmp_path: Path) -> None:
    # every customer buys every ten days: nobody ever goes 90 days without a purchase
    start = dt.datetime(2024, 1, 1, 12)
    orders = [
        {
            "order_id": f"o{c}-{k}",
            "customer_id": f"c{c}",
            "order_ts": start + dt.timedelta(days=10 * k),
            "status": "completed",
        }
        for c in range(20)
        for k in range(37)
    ]
    with connect(tmp_path / "steady.duckdb") as m:
        insert(m, "orders", orders)
        with pytest.raises(
            PredictionError,
            match=r"churn labels after 2024-07-04 \(90 days\) have a single class \(0 positive of 20\)",
        ):
            run_prediction(m, "churn", "2024-12-31")


def test_a_model_no_better_than_a_btyd_baseline_is_said_to_be(cdnow_mart: Mart) -> None:
    # CDNOW is one cohort, new in 1997's first quarter: the seasonal split learns from
    # customers a few months old and predicts the spring of 1998 worse than the BTYD
    # baseline (measured: Brier 0.0964 against 0.0844; without the master id the file
    # carries as an attribute, 0.1181, worse than the base rate's 0.1108 too).
    run = run_prediction(cdnow_mart, "churn")
    metrics = run.validation
    assert run.split.kind == "seasonal"
    assert metrics["churn_gbm"]["brier"] > metrics["btyd_any_purchase"]["brier"]
    [note] = run.notes
    assert note.startswith(
        "churn_gbm predicted the evaluation window after 1998-04-01 worse than "
        "btyd_any_purchase (Brier 0.0844): Brier 0.09"
    )
    assert "its churn_risk scores are stored all the same" in note
    assert note.endswith(
        "`segmint predict churn --split consecutive` learns from the window just before."
    )
    # scoring again with the stored model (score, refresh) says the same
    again = refresh_scores(cdnow_mart, run.as_of)
    [reused] = [p for p in again.predictions if p.target == run.target]
    assert reused.reused and reused.notes == (note,)


def test_a_model_better_than_the_base_rate_and_the_baselines_adds_no_note(
    churn: PredictionRun,
) -> None:
    assert weak_model_note(churn.validation, churn.target, churn.split) is None
    worse = {**churn.validation["churn_gbm"], "brier": 0.2, "brier_base_rate": 0.1}
    consecutive = replace(churn.split, kind="consecutive")
    note = weak_model_note({"churn_gbm": worse}, churn.target, consecutive)
    assert note is not None and "the same rate for everyone (Brier 0.1000)" in note
    assert "--split" not in note  # the window before is what it learnt from already


def test_the_default_split_trains_on_the_same_weeks_a_year_earlier(churn: PredictionRun) -> None:
    # orders from 2023-01-01 to 2025-12-31: a year before the evaluated window is in the history
    year = dt.timedelta(days=SEASON_DAYS)
    assert churn.split.kind == "seasonal"
    assert churn.validation_as_of == churn.as_of - dt.timedelta(days=90)
    assert churn.train_as_of == churn.validation_as_of - year
    assert churn.split.refit_day == churn.as_of - year  # the weeks a year before those scored
    assert (churn.train_as_of.weekday(), churn.split.refit_day.weekday()) == (
        churn.validation_as_of.weekday(),
        churn.as_of.weekday(),
    )


def test_a_history_shorter_than_a_year_and_the_horizon_uses_the_window_before(mart: Mart) -> None:
    day = dt.date(2023, 12, 31)  # the history starts on 2023-01-01
    plan = plan_split(mart, target_of("churn"), day, 90)
    assert (plan.kind, plan.train_day, plan.validation_day, plan.refit_day) == (
        "consecutive",
        dt.date(2023, 7, 4),
        dt.date(2023, 10, 2),
        dt.date(2023, 10, 2),
    )
    with pytest.raises(PredictionError, match=r"a seasonal split .* first purchase is on 2023-01"):
        plan_split(mart, target_of("churn"), day, 90, "seasonal")
    with pytest.raises(PredictionError, match="the horizon is over 364 days"):
        plan_split(mart, target_of("churn"), dt.date(2025, 12, 31), 400, "seasonal")
    forced = plan_split(mart, target_of("churn"), dt.date(2025, 12, 31), 90, "consecutive")
    assert (forced.kind, forced.train_day) == ("consecutive", dt.date(2025, 7, 4))


@pytest.fixture(scope="module")
def retailer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    """The synthetic retailer of the calibration target: 20,000 customers, seed 1."""
    with load(tmp_path_factory.mktemp("calibration"), generate(20_000, seed=1)) as m:
        yield m


def test_churn_is_calibrated_on_the_later_window(retailer: Mart) -> None:
    # the target: expected calibration error under 0.03 on the later time split
    run = run_prediction(retailer, "churn")
    assert run.split.kind == "seasonal"
    seasonal = run.validation["churn_gbm"]
    assert seasonal["ece"] < 0.03
    assert seasonal["auc"] > 0.9
    # beside it, the same model trained on the window just before (what a consecutive split
    # evaluates): the season of that window differs, and so does its calibration
    target = target_of("churn")
    train = labelled_set(retailer, run.validation_as_of - dt.timedelta(days=90), 90, target)
    X_val, y_val = labelled_set(retailer, run.validation_as_of, 90, target)
    model = PropensityClassifier(random_state=0).fit(*train)
    consecutive = evaluate(y_val, model.predict_proba(X_val)[:, 1])
    assert consecutive["ece"] > 3 * seasonal["ece"]
