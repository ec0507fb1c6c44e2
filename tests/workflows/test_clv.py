"""The CLV fit and backtest use cases on CDNOW: the fit chain, one model asked for, the
purchase calendar read only for the seasonal forms, backtests of every model."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.exceptions import InputError
from segmint.features.btyd import btyd_summary
from segmint.mart import Mart
from segmint.scoring.clv_fit import fit_clv
from segmint.scoring.clv_scores import latest_fit
from segmint.workflows import clv

AS_OF = dt.date(1998, 6, 30)


def test_fit_chooses_checks_fits_on_everything_and_stores(cdnow_mart: Mart) -> None:
    steps: list[str] = []
    run = clv.fit(cdnow_mart, AS_OF, clv.ClvFitOptions(holdout_weeks=39), on_step=steps.append)
    assert run.choice is not None and run.choice.chosen == run.final.name
    assert run.split.calibration_end == AS_OF - dt.timedelta(weeks=39)
    assert run.diagnostics.model == run.calibration.name
    assert set(run.holdout) >= {"mae_purchases", "brier_p_alive"}
    alone = fit_clv(btyd_summary(cdnow_mart, AS_OF).to_pandas(), run.final.name)
    assert run.final.transactions.params_ == pytest.approx(alone.transactions.params_)
    stored = latest_fit(cdnow_mart)
    assert stored is not None and stored[1] == AS_OF and stored[0].name == run.final.name
    assert steps[0].startswith("calibration to") and any("comparing" in s for s in steps)


def test_one_model_asked_for_is_fitted_without_a_comparison(cdnow_mart: Mart) -> None:
    run = clv.fit(cdnow_mart, AS_OF, clv.ClvFitOptions(model="paretonbd"))
    assert run.choice is None and run.final.name == "paretonbd"
    with pytest.raises(InputError, match="unknown spend model 'lognormal'"):
        clv.fit(cdnow_mart, AS_OF, clv.ClvFitOptions(spend="lognormal"))


def test_the_calendar_is_read_only_for_models_that_use_it(
    cdnow_mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[dt.date] = []
    calendar = clv.purchase_calendar
    monkeypatch.setattr(clv, "purchase_calendar", lambda m, d: read.append(d) or calendar(m, d))
    clv.fit(cdnow_mart, AS_OF, clv.ClvFitOptions(model="bgnbd"))
    clv.backtest(cdnow_mart, "1997-09-30", models=("paretonbd", "mbgnbd"))
    assert read == []
    clv.backtest(cdnow_mart, "1997-09-30", models=("bgnbd", "bgnbd-seasonal"))
    assert read == [dt.date(1997, 9, 30)]
    assert clv.calendar_for(cdnow_mart, ("auto",), AS_OF) is not None and len(read) == 2


def test_backtest_measures_every_model_by_default(cdnow_mart: Mart) -> None:
    result = clv.backtest(cdnow_mart, "1997-09-30", "1998-06-30")
    assert result.metrics.model.tolist() == [
        "bgnbd+gammagamma",
        "paretonbd+gammagamma",
        "mbgnbd+gammagamma",
        "bgnbd-seasonal+gammagamma",
        "paretonbd-seasonal+gammagamma",
        "mbgnbd-seasonal+gammagamma",
    ]
    seasonal = result.metrics.iloc[3:]  # 39 weeks of calibration: side by side, with the reason
    assert seasonal.mae_purchases.isna().all()
    assert seasonal.note.str.contains("needs a calibration period of at least a year").all()
    assert result.split.holdout_weeks == pytest.approx(39.0)
    with pytest.raises(InputError, match="unknown CLV model 'bgbb'"):
        clv.backtest(cdnow_mart, "1997-09-30", models=("bgbb",))
