"""Backtest metrics on CDNOW, one model recomputed independently from the raw file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmint.features.btyd_split import CalibrationHoldout, calibration_holdout
from segmint.mart import Mart
from segmint.scoring import clv_fit
from segmint.scoring.clv_backtest import (
    METRICS,
    backtest,
    expected_calibration_error,
    top_decile_share,
)
from segmint.scoring.clv_fit import COVARIATE, fit_clv
from segmint.workflows.clv import purchase_calendar

CDNOW_DIR = Path(__file__).parents[2] / ".." / "shared" / "datasets" / "cdnow"


def test_every_model_gets_every_metric_in_a_sane_range(cdnow_split: CalibrationHoldout) -> None:
    frame = backtest(cdnow_split, ("bgnbd", "paretonbd", "mbgnbd")).set_index("model")
    assert list(frame.index) == ["bgnbd+gammagamma", "paretonbd+gammagamma", "mbgnbd+gammagamma"]
    assert list(frame.columns) == [*METRICS, "note"]
    assert (frame.note == "").all()  # CDNOW's maxima are inside: plain fits
    assert frame[list(METRICS)].notna().all().all()
    assert frame.mae_purchases.between(0.5, 1.0).all()  # mean holdout purchases: 0.8
    assert (frame.rmse_purchases >= frame.mae_purchases).all()
    assert frame.spearman_purchases.between(0.3, 0.7).all()
    assert frame.total_purchases_error.abs().lt(0.25).all()
    assert frame.decile_lift.between(0.3, 0.8).all()  # far above the 0.1 of a random tenth
    assert frame.brier_p_alive.between(0, 1).all()
    assert frame.ece_p_alive.between(0, 1).all()


def test_bgnbd_metrics_recomputed_from_the_raw_file(cdnow_split: CalibrationHoldout) -> None:
    """Actuals from the raw text file with pandas, metrics written out here."""
    raw = pd.read_csv(
        CDNOW_DIR / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "id", "date", "cds", "dollars"],
    )
    days = raw.groupby(["id", "date"], as_index=False).dollars.sum()
    later = (
        days[days.date > 19970930].groupby("id").agg(n=("date", "size"), spend=("dollars", "sum"))
    )
    published = pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")
    data = published.set_index("ID").join(later).fillna({"n": 0.0, "spend": 0.0})
    fit = fit_clv(
        pd.DataFrame(
            {
                "frequency": data.x,
                "recency": data.t_x,
                "T": data["T"],
                "monetary_value": data.zbar,
            }
        ),
        "bgnbd",
    )
    r, alpha, a, b = (fit.transactions.params_[k] for k in ("r", "alpha", "a", "b"))
    p, q, gamma = (fit.spend.params_[k] for k in ("p", "q", "gamma"))
    x, t_x, T, t = data.x.to_numpy(), data.t_x.to_numpy(), data["T"].to_numpy(), 39.0
    # P(alive) and E[Y(t)] of FHL (2005), equation (10), summing the Gaussian
    # hypergeometric series term by term
    p_alive = 1 / (
        1 + (x > 0) * a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    )
    z = t / (alpha + T + t)
    term, series = np.ones_like(z), np.ones_like(z)
    for k in range(2000):
        term = term * (r + x + k) * (b + x + k) / (a + b + x - 1 + k) / (k + 1) * z
        series = series + term
    predicted = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * series)
        * p_alive
    )
    spend_per = (p * gamma + p * x * data.zbar.to_numpy()) / (p * x + q - 1)
    predicted_spend = predicted * spend_per
    actual, actual_spend = data.n.to_numpy(), data.spend.to_numpy()
    bought = (actual > 0).astype(float)
    top = pd.Series(predicted_spend).rank(ascending=False, method="first") <= np.ceil(
        len(data) / 10
    )
    # ten bins [0, .1), ..., [.9, 1], the last one closed
    bins = pd.cut(np.minimum(p_alive, 0.999999), np.linspace(0, 1, 11), right=False)
    by_bin = pd.DataFrame({"p": p_alive, "y": bought, "bin": bins}).groupby("bin", observed=True)
    ece = (by_bin.size() / len(data) * (by_bin.p.mean() - by_bin.y.mean()).abs()).sum()
    expected = {
        "mae_purchases": np.mean(np.abs(predicted - actual)),
        "rmse_purchases": np.sqrt(np.mean((predicted - actual) ** 2)),
        "spearman_purchases": pd.Series(predicted).corr(pd.Series(actual), method="spearman"),
        "total_purchases_error": predicted.sum() / 1882 - 1,
        "mae_spend": np.mean(np.abs(predicted_spend - actual_spend)),
        "rmse_spend": np.sqrt(np.mean((predicted_spend - actual_spend) ** 2)),
        "spearman_spend": pd.Series(predicted_spend).corr(
            pd.Series(actual_spend), method="spearman"
        ),
        "decile_lift": actual_spend[top.to_numpy()].sum() / actual_spend.sum(),
        "brier_p_alive": np.mean((p_alive - bought) ** 2),
        "ece_p_alive": ece,
    }
    ours = backtest(cdnow_split, ("bgnbd",)).iloc[0]
    for metric, value in expected.items():
        # the summary file rounds t_x, T and zbar to two decimals
        assert ours[metric] == pytest.approx(value, rel=2e-3, abs=1e-3), metric


def test_expected_calibration_error_by_hand() -> None:
    probability = np.array([0.05, 0.05, 0.95, 0.95, 0.55])
    outcome = np.array([0.0, 1.0, 1.0, 1.0, 1.0])
    # bins: [0, .1): mean p .05, share .5 -> .45 x 2/5; [.9, 1]: .95 vs 1 -> .05 x 2/5;
    # [.5, .6): .55 vs 1 -> .45 x 1/5
    assert expected_calibration_error(probability, outcome) == pytest.approx(
        0.45 * 0.4 + 0.05 * 0.4 + 0.45 * 0.2
    )
    assert expected_calibration_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0


def test_top_decile_share_by_hand() -> None:
    predicted = np.arange(20, dtype=float)  # the top tenth: rows 19 and 18
    actual = np.ones(20)
    actual[[18, 19]] = 9.0
    assert top_decile_share(predicted, actual) == pytest.approx(18 / 36)
    assert top_decile_share(np.ones(3), np.array([5.0, 0.0, 0.0])) == pytest.approx(1.0)
    assert np.isnan(top_decile_share(predicted, np.zeros(20)))


def test_a_seasonal_form_split_by_a_covariate_reuses_its_own_index(
    cdnow_mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The joint seasonal fit is the costly one: once per model, not again for its split."""
    calibration_end = dt.date(1998, 1, 31)
    split = calibration_holdout(cdnow_mart, calibration_end)
    frame = split.frame.assign(
        **{COVARIATE: np.array(["web", "store"], dtype=object)[split.frame.index % 2]}
    )
    calls: list[int] = []
    fit_seasonal = clv_fit.fit_seasonal
    monkeypatch.setattr(
        clv_fit, "fit_seasonal", lambda *a, **k: calls.append(1) or fit_seasonal(*a, **k)
    )
    metrics = backtest(
        dataclasses.replace(split, frame=frame),
        ("bgnbd-seasonal",),
        calendar=purchase_calendar(cdnow_mart, calibration_end),
        covariate="channel",
    )
    assert metrics.model.tolist() == [
        "bgnbd-seasonal+gammagamma",
        "bgnbd-seasonal by channel+gammagamma",
    ]
    assert metrics.mae_purchases.notna().all() and len(calls) == 1


def test_a_split_that_cannot_be_identified_is_a_note_naming_the_commands_penalizer(
    cdnow_split: CalibrationHoldout,
) -> None:
    # A group of customers without repeat purchases: its purchase rate runs off to 0.
    frame = cdnow_split.frame
    groups = np.where(frame.frequency > 0, "repeat", "one-off").astype(object)
    split = dataclasses.replace(cdnow_split, frame=frame.assign(**{COVARIATE: groups}))
    metrics = backtest(split, ("bgnbd",), covariate="kind").set_index("model")
    note = metrics.loc["bgnbd by kind+gammagamma", "note"]
    assert "cannot be identified from these data" in note
    assert note.endswith("or set --penalizer (e.g. 0.01) to regularise.")
    assert np.isnan(metrics.loc["bgnbd by kind+gammagamma", "mae_purchases"])
