"""Scoring in the engine and in chunks: the same numbers as one pass, stored once per date,
model and score."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import MartError
from segmint.features.btyd import btyd_summary
from segmint.mart import Mart
from segmint.models import customer_lifetime_value
from segmint.scoring import clv_scores
from segmint.scoring.clv_fit import ClvFit, fit_clv
from segmint.scoring.clv_scores import (
    WEEKS_PER_MONTH,
    latest_fit,
    monthly_rate,
    score_customers,
    score_frame,
    store_fit,
)

AS_OF = dt.date(1997, 9, 30)


def stored_scores(mart: Mart) -> pd.DataFrame:
    frame = mart.table("scores").to_pandas()
    return frame.pivot_table(
        index=["customer_id", "model"], columns="score_name", values="value"
    ).reset_index()


@pytest.fixture
def fit(cdnow_mart: Mart) -> ClvFit:
    return fit_clv(btyd_summary(cdnow_mart, AS_OF).to_pandas(), "bgnbd")


@pytest.fixture(params=["engine", "chunks"])
def where(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where the BG/NBD is scored: in the engine as it is by default, or here in chunks as
    the models the engine cannot score are."""
    if request.param == "chunks":
        monkeypatch.setattr(clv_scores, "in_engine", lambda fit: False)
    return str(request.param)


@pytest.mark.parametrize("insert_rows", [2_000_000, 7_000])  # one write; one per 3 chunks
def test_scores_equal_the_clv_function_in_one_pass(
    cdnow_mart: Mart, fit: ClvFit, insert_rows: int, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clv_scores, "INSERT_ROWS", insert_rows)
    run = score_customers(
        cdnow_mart, fit, AS_OF, chunk_size=500, windows=((0, 12), (12, 36)), horizon_weeks=52
    )
    assert run.n_customers == 2357
    assert cdnow_mart.count("scores") == 2357 * 6  # each customer's six scores, once
    ours = stored_scores(cdnow_mart).set_index("customer_id")
    summary = btyd_summary(cdnow_mart, AS_OF).to_pandas().set_index("customer_id")
    summary = summary.loc[ours.index]
    x, t_x, T, zbar = (summary[c] for c in ("frequency", "recency", "T", "monetary_value"))
    expected_clv = customer_lifetime_value(
        fit.transactions,
        fit.spend,
        x,
        t_x,
        T,
        monetary_value=zbar,
        horizon_end=52,
        period_length=52 / 12,
        discount_rate=1.1 ** (1 / 12) - 1,
    )
    np.testing.assert_allclose(ours.clv, expected_clv, rtol=1e-10)
    np.testing.assert_allclose(ours.p_alive, fit.transactions.probability_alive(x, t_x, T))
    np.testing.assert_allclose(
        ours.expected_purchases, fit.transactions.predict_purchases(52, x, t_x, T)
    )
    np.testing.assert_allclose(ours.expected_spend, fit.spend.expected_spend(x, zbar))
    assert run.totals["clv"] == pytest.approx(expected_clv.sum())
    assert ours.p_alive.between(0, 1).all()
    # the first year equals the 52-week horizon; windows add up to months 0-36
    np.testing.assert_allclose(ours.clv_m0_12, ours.clv)
    three_years = score_frame(fit, summary.reset_index(), horizon_weeks=36 * WEEKS_PER_MONTH)
    np.testing.assert_allclose(
        ours.clv_m0_12 + ours.clv_m12_36, three_years.clv.to_numpy(), rtol=1e-9
    )


def test_a_run_names_its_steps_and_ends_with_everything_scored(
    cdnow_mart: Mart, fit: ClvFit, where: str
) -> None:
    said: list[str] = []
    shares: list[float] = []
    score_customers(
        cdnow_mart, fit, AS_OF, chunk_size=1_000, on_step=said.append, on_progress=shares.append
    )
    assert said[0] == "each customer's purchases summarised"
    if where == "engine":
        assert said[1:] == [
            "values if alive of each distinct (frequency, age)",
            "scores computed and stored by the engine",
        ]
        assert shares == [1.0]
    else:
        assert said[1:] == ["2,357 customers scored 1,000 at a time"]
        assert shares == pytest.approx([1_000 / 2357, 2_000 / 2357, 1.0, 1.0])


def test_storing_again_replaces_the_same_date_model_and_score(
    cdnow_mart: Mart, fit: ClvFit, where: str
) -> None:
    score_customers(cdnow_mart, fit, AS_OF)
    score_customers(cdnow_mart, fit, AS_OF, horizon_weeks=26)
    scores = cdnow_mart.table("scores").to_pandas()
    assert len(scores) == 2357 * 4
    assert not scores.duplicated(["customer_id", "as_of", "model", "score_name"]).any()
    later = dt.date(1998, 6, 30)
    score_customers(cdnow_mart, fit, later)
    other = fit_clv(btyd_summary(cdnow_mart, AS_OF).to_pandas(), "mbgnbd")
    score_customers(cdnow_mart, other, AS_OF)
    counts = cdnow_mart.table("scores").to_pandas().groupby(["as_of", "model"]).size()
    assert counts.to_dict() == {
        (pd.Timestamp(AS_OF), "bgnbd+gammagamma"): 2357 * 4,
        (pd.Timestamp(AS_OF), "mbgnbd+gammagamma"): 2357 * 4,
        (pd.Timestamp(later), "bgnbd+gammagamma"): 2357 * 4,
    }


@pytest.mark.parametrize("insert_rows", [2_000_000, 7_000])  # one write; one per 3 chunks
def test_each_score_is_stored_in_customer_order(
    cdnow_mart: Mart, fit: ClvFit, insert_rows: int, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read of a range of customers then skips the rest of the table (zone maps): every
    write holds each score's rows in id order, one score after another."""
    monkeypatch.setattr(clv_scores, "INSERT_ROWS", insert_rows)
    writes: list[str] = []
    insert = cdnow_mart.insert

    def counted(name: str, data: Any) -> None:
        writes.append(name)
        insert(name, data)

    monkeypatch.setattr(cdnow_mart, "insert", counted)
    score_customers(cdnow_mart, fit, AS_OF, chunk_size=500)
    rows = cdnow_mart.raw.execute(
        "SELECT score_name, customer_id FROM scores ORDER BY rowid"
    ).fetchall()
    restarts = sum(1 for before, row in itertools.pairwise(rows) if row < before)
    assert restarts == writes.count("scores") - 1  # sorted within each write
    assert len(rows) == 2357 * 4


def test_a_failed_run_leaves_the_stored_scores_alone(
    cdnow_mart: Mart, fit: ClvFit, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    score_customers(cdnow_mart, fit, AS_OF)
    before = stored_scores(cdnow_mart)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(cdnow_mart, "insert", broken)  # after the old scores are deleted
    with pytest.raises(RuntimeError, match="disk full"):
        score_customers(cdnow_mart, fit, AS_OF, horizon_weeks=10)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(stored_scores(cdnow_mart), before)
    scratch = {"_segmint_clv_summary", "_segmint_clv_pairs", "_segmint_clv_wide"}
    every = cdnow_mart.raw.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    assert not scratch & {row[0] for row in every}  # temporary tables too


def test_fits_round_trip_through_model_runs(cdnow_mart: Mart, fit: ClvFit) -> None:
    assert latest_fit(cdnow_mart) is None
    first = store_fit(cdnow_mart, fit, AS_OF, {"holdout": {"mae_purchases": 0.78}})
    second = store_fit(cdnow_mart, fit, AS_OF)
    assert second[0] > first[0] and second[1] > first[1]
    loaded = latest_fit(cdnow_mart)
    assert loaded is not None
    again, day = loaded
    assert day == AS_OF
    assert again.name == "bgnbd" and again.n_repeat_buyers == fit.n_repeat_buyers
    assert again.transactions.params_ == fit.transactions.params_
    assert again.spend.params_ == fit.spend.params_
    runs = cdnow_mart.table("model_runs").to_pandas().set_index("run_id")
    row = runs.loc[first[0]]
    assert (row.model, row.kind) == ("bgnbd", "clv")
    assert json.loads(row.params)["params"] == pytest.approx(fit.transactions.params_)
    assert json.loads(row.metrics)["holdout"] == {"mae_purchases": 0.78}
    assert runs.loc[first[1]].kind == "spend"


def test_scoring_before_any_purchase_is_an_error(cdnow_mart: Mart, fit: ClvFit) -> None:
    with pytest.raises(MartError, match="no customer has a purchase up to 1996-12-31"):
        score_customers(cdnow_mart, fit, dt.date(1996, 12, 31))


def test_monthly_rate_compounds_to_the_yearly_rate() -> None:
    assert (1 + monthly_rate(0.1)) ** 12 == pytest.approx(1.1)
    assert monthly_rate(0.0) == 0.0
