"""CLV scores computed by the engine equal the scores computed here, from one row per pair."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from numpy.typing import ArrayLike

from segmint.exceptions import ConvergenceError
from segmint.features.btyd import btyd_summary
from segmint.mart import Mart
from segmint.models import BGNBD, MBGNBD, NBD, ParetoNBD
from segmint.models.seasonal import SeasonalModel
from segmint.scoring.clv_expression import (
    CLOCK_TABLE,
    PAIRS_TABLE,
    in_engine,
    scores_in_engine,
)
from segmint.scoring.clv_fit import COVARIATE, ClvFit, fit_clv
from segmint.scoring.clv_scores import WEEKS_PER_MONTH, monthly_rate, score_frame
from segmint.workflows.clv import purchase_calendar

AS_OF = dt.date(1997, 9, 30)
WINDOWS = ((0.0, 12.0), (12.0, 36.0))


def engine_frame(mart: Mart, fit: ClvFit, summary_name: str) -> pd.DataFrame:
    """The engine's scores of the summary stored as ``summary_name``, by customer."""
    values = {"clv": (0.0, 52.0)}
    values |= {f"clv_m{a:g}_{b:g}": (a * WEEKS_PER_MONTH, b * WEEKS_PER_MONTH) for a, b in WINDOWS}
    with scores_in_engine(
        mart,
        fit,
        mart.table(summary_name),
        horizon_weeks=52.0,
        values=values,
        period_weeks=WEEKS_PER_MONTH,
        discount=monthly_rate(0.10),
    ) as wide:
        frame = wide.to_pandas()
    assert not mart.has_table(PAIRS_TABLE)
    return frame.set_index("customer_id").sort_index()


def assert_same_scores(ours: pd.DataFrame, summary: pd.DataFrame, fit: ClvFit) -> None:
    """``ours`` equals :func:`score_frame` on ``summary`` (rounding apart)."""
    expected = score_frame(fit, summary, horizon_weeks=52.0, windows=WINDOWS)
    expected.index = summary["customer_id"]
    expected = expected.sort_index()
    assert list(ours.index) == list(expected.index)
    for name in expected.columns:
        np.testing.assert_allclose(ours[name], expected[name], rtol=1e-12, atol=1e-300)


@pytest.fixture
def cdnow(cdnow_mart: Mart) -> tuple[Mart, pd.DataFrame]:
    """The CDNOW mart with its summary as of the calibration end stored as ``summary``."""
    cdnow_mart.create_table("summary", btyd_summary(cdnow_mart, AS_OF))
    summary = cdnow_mart.table("summary").to_pandas()
    return cdnow_mart, summary


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd"])
def test_each_model_scores_the_same_in_the_engine(
    cdnow: tuple[Mart, pd.DataFrame], name: str
) -> None:
    mart, summary = cdnow
    fit = fit_clv(summary, name)
    assert in_engine(fit)
    ours = engine_frame(mart, fit, "summary")
    assert_same_scores(ours, summary, fit)
    assert ours.p_alive.min() < 0.2 < 0.9 < ours.p_alive.max()  # the range is covered


def test_the_no_dropout_limit_scores_the_same_in_the_engine(
    cdnow: tuple[Mart, pd.DataFrame],
) -> None:
    mart, summary = cdnow
    fit = fit_clv(summary, "bgnbd")
    nbd = NBD().fit(summary["frequency"], summary["recency"], summary["T"])
    limit = dataclasses.replace(fit, transactions=nbd)
    ours = engine_frame(mart, limit, "summary")
    assert (ours.p_alive == 1.0).all()
    assert_same_scores(ours, summary, limit)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd"])
def test_a_covariate_model_scores_each_group_with_its_parameters(
    cdnow: tuple[Mart, pd.DataFrame], name: str
) -> None:
    mart, summary = cdnow
    channel = np.array(["web", "store", "phone", None], dtype=object)
    summary[COVARIATE] = channel[summary.index % 4]
    fit = fit_clv(summary, name, covariate="channel")
    assert in_engine(fit) and len(fit.transactions.levels) == 4  # (missing) is a group
    # scored later with a channel the fit never saw: the reference group's parameters
    summary.loc[summary.index % 10 == 0, COVARIATE] = "kiosk"
    mart.create_table("grouped", pa.Table.from_pandas(summary, preserve_index=False))
    ours = engine_frame(mart, fit, "grouped")
    assert_same_scores(ours, summary, fit)
    by_group = ours.p_alive.groupby(summary.set_index("customer_id")[COVARIATE]).mean()
    assert by_group.nunique() == len(by_group) == 4  # the groups' parameters differ


@pytest.mark.parametrize("name", ["bgnbd-seasonal", "mbgnbd-seasonal"])
def test_a_seasonal_model_scores_the_same_on_the_calendars_clock(
    cdnow_mart: Mart, name: str
) -> None:
    # CDNOW to its last day spans 18 months; fitted a quarter earlier and moved to the day
    # scored, as `clv score` moves a stored fit
    fitted_on, scored_on = dt.date(1998, 3, 31), dt.date(1998, 6, 30)
    history = btyd_summary(cdnow_mart, fitted_on).to_pandas()
    fit = fit_clv(history, name, calendar=purchase_calendar(cdnow_mart, fitted_on))
    assert isinstance(fit.transactions, SeasonalModel) and in_engine(fit)
    assert max(fit.transactions.multipliers) > 1.05 * min(fit.transactions.multipliers)
    fit = dataclasses.replace(fit, transactions=fit.transactions.at(scored_on))
    cdnow_mart.create_table("later", btyd_summary(cdnow_mart, scored_on))
    summary = cdnow_mart.table("later").to_pandas()
    ours = engine_frame(cdnow_mart, fit, "later")
    assert_same_scores(ours, summary, fit)
    assert not cdnow_mart.has_table(CLOCK_TABLE)
    plain = fit_clv(history, name.removesuffix("-seasonal"))
    assert not np.allclose(ours.p_alive, engine_frame(cdnow_mart, plain, "later").p_alive)


def test_a_seasonal_model_split_by_a_covariate_scores_each_group_on_the_clock(
    cdnow_mart: Mart,
) -> None:
    fitted_on = dt.date(1998, 3, 31)
    history = btyd_summary(cdnow_mart, fitted_on).to_pandas()
    channel = np.array(["web", "store", None], dtype=object)
    history[COVARIATE] = channel[history.index % 3]
    calendar = purchase_calendar(cdnow_mart, fitted_on)
    fit = fit_clv(history, "bgnbd-seasonal", calendar=calendar, covariate="channel")
    assert isinstance(fit.transactions, SeasonalModel) and in_engine(fit)
    assert fit.grouped is not None and len(fit.grouped.levels) == 3
    assert fit.label == "bgnbd-seasonal by channel"
    cdnow_mart.create_table("grouped", pa.Table.from_pandas(history, preserve_index=False))
    ours = engine_frame(cdnow_mart, fit, "grouped")
    assert_same_scores(ours, history, fit)
    by_group = ours.p_alive.groupby(history.set_index("customer_id")[COVARIATE], dropna=False)
    by_group = by_group.mean()
    assert by_group.nunique() == len(by_group) == 3  # the groups' parameters differ
    seasonal = fit_clv(history.drop(columns=COVARIATE), "bgnbd-seasonal", calendar=calendar)
    np.testing.assert_allclose(fit.transactions.multipliers, seasonal.transactions.multipliers)


def test_only_one_row_per_distinct_pair_is_computed_here(
    cdnow: tuple[Mart, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    mart, summary = cdnow
    fit = fit_clv(summary, "bgnbd")
    sizes: list[int] = []
    grid = BGNBD.expected_if_alive_grid

    def counted(self: BGNBD, horizons: ArrayLike, frequency: ArrayLike, T: ArrayLike) -> object:
        sizes.append(np.size(frequency))
        return grid(self, horizons, frequency, T)

    monkeypatch.setattr(BGNBD, "expected_if_alive_grid", counted)
    engine_frame(mart, fit, "summary")
    pairs = len(summary[["frequency", "T"]].drop_duplicates())
    assert sizes and set(sizes) == {pairs}
    assert pairs < len(summary) / 2


def test_extreme_histories_stay_finite_and_equal(cdnow: tuple[Mart, pd.DataFrame]) -> None:
    # hundreds of purchases long ago (P(alive) underflows towards 0), a first purchase
    # today, a repeat buyer whose repeats were worth nothing (the population mean spend)
    mart, summary = cdnow
    fit = fit_clv(summary, "bgnbd")
    odd = pd.DataFrame(
        {
            "customer_id": ["gone", "new", "free", "steady"],
            "frequency": [400, 0, 3, 400],
            "recency": [1.0, 0.0, 20.0, 499.0],
            "T": [500.0, 0.0, 30.0, 500.0],
            "monetary_value": [25.0, 0.0, 0.0, 25.0],
        }
    )
    mart.create_table("odd", pa.Table.from_pandas(odd, preserve_index=False))
    ours = engine_frame(mart, fit, "odd")
    assert np.isfinite(ours.to_numpy()).all()
    assert ours.p_alive["gone"] < 1e-100 and ours.p_alive["steady"] > 0.5
    assert ours.p_alive["new"] == 1.0
    assert ours.expected_spend["free"] == pytest.approx(ours.expected_spend["new"])
    assert_same_scores(ours, odd, fit)


def test_models_the_formula_does_not_allow_are_left_to_batches(
    cdnow: tuple[Mart, pd.DataFrame],
) -> None:
    mart, summary = cdnow
    fit = fit_clv(summary, "bgnbd")
    pareto = dataclasses.replace(fit, transactions=ParetoNBD())
    assert not in_engine(pareto)
    assert in_engine(dataclasses.replace(fit, transactions=MBGNBD()))
    with pytest.raises(ValueError, match="scored in batches"):
        engine_frame(mart, pareto, "summary")


def test_an_infinite_mean_spend_is_refused_before_anything_is_written(
    cdnow: tuple[Mart, pd.DataFrame],
) -> None:
    mart, summary = cdnow
    fit = fit_clv(summary, "bgnbd")
    fit.spend.params_ = {**fit.spend.params_, "q": 0.9}
    with pytest.raises(ConvergenceError, match=r"q = 0\.9"):
        engine_frame(mart, fit, "summary")
    assert not mart.has_table(PAIRS_TABLE)
