"""Fitting from the mart reproduces the published CDNOW estimates; refusals name the fix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import ConvergenceError, InputError
from segmint.features.btyd_split import CalibrationHoldout, calibration_holdout
from segmint.mart import Mart
from segmint.models import GammaGamma
from segmint.models.boundary import BoundaryFit
from segmint.scoring import clv_fit
from segmint.scoring.clv_fit import (
    COVARIATE,
    check_model,
    fit_clv,
    spend_inputs,
)
from segmint.workflows.clv import purchase_calendar


def test_bgnbd_and_gamma_gamma_match_the_published_estimates(
    cdnow_split: CalibrationHoldout,
) -> None:
    fit = fit_clv(cdnow_split.frame, "bgnbd")
    params = fit.transactions.params_
    # Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL -9582.4
    assert params["r"] == pytest.approx(0.243, abs=5e-4)
    assert params["alpha"] == pytest.approx(4.414, abs=5e-4)
    assert params["a"] == pytest.approx(0.793, abs=5e-4)
    assert params["b"] == pytest.approx(2.426, abs=5e-4)
    assert fit.transactions.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    # Fader & Hardie (2013), note 025: p = 6.25, q = 3.74, gamma = 15.44 on 946 repeat buyers
    assert fit.n_repeat_buyers == 946
    spend = fit.spend.params_
    assert spend["p"] == pytest.approx(6.25, abs=5e-3)
    assert spend["q"] == pytest.approx(3.74, abs=5e-3)
    assert spend["gamma"] == pytest.approx(15.44, abs=1e-2)
    assert fit.model_name == "bgnbd+gammagamma"


def test_pareto_nbd_matches_the_published_estimates(cdnow_split: CalibrationHoldout) -> None:
    params = fit_clv(cdnow_split.frame, "paretonbd").transactions
    # r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL -9595.0; beta is poorly
    # identified (SE 6.2), and the published full-precision values differ by 0.015 there
    assert params.params_["r"] == pytest.approx(0.553, abs=5e-4)
    assert params.params_["alpha"] == pytest.approx(10.578, abs=5e-3)
    assert params.params_["s"] == pytest.approx(0.606, abs=5e-4)
    assert params.params_["beta"] == pytest.approx(11.669, abs=0.02)
    assert params.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


def test_unknown_models_are_named_with_the_choices() -> None:
    with pytest.raises(InputError, match="unknown CLV model 'lifetimes'; choose one of bgnbd"):
        check_model("lifetimes")
    with pytest.raises(InputError, match="choose one of auto, bgnbd"):
        check_model("x", allow_auto=True)
    assert check_model(" BGNBD ") == "bgnbd"


def test_no_repeat_buyers_is_a_clear_error() -> None:
    one_timers = pd.DataFrame(
        {"frequency": [0, 0], "recency": [0.0, 0.0], "T": [5.0, 9.0], "monetary_value": [0.0, 0.0]}
    )
    with pytest.raises(ConvergenceError, match="none of the 2 customers made a repeat purchase"):
        fit_clv(one_timers, "bgnbd")


def no_dropout_summary(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    """Poisson buyers with gamma rates who never leave (tests/models/test_boundary.py): the
    BG/NBD's maximum is on its boundary."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(10, 40, n)
    x = rng.poisson(rng.gamma(0.8, 1 / 3.0, n) * T)
    t_x = np.array([rng.uniform(0, t, k).max() if k else 0.0 for k, t in zip(x, T, strict=True)])
    return pd.DataFrame({"frequency": x.astype(np.float64), "recency": t_x, "T": T})


def test_strict_refuses_a_boundary_with_the_flags_that_go_past_it() -> None:
    summary = no_dropout_summary()
    spend = np.random.default_rng(2).gamma(5.0, 10.0, len(summary))
    summary["monetary_value"] = np.where(summary.frequency > 0, spend, 0.0)
    assert fit_clv(summary, "bgnbd").notes  # without strict: the limit, with a note
    with pytest.raises(ConvergenceError) as refused:
        fit_clv(summary, "bgnbd", strict=True)
    message = str(refused.value)
    assert message.startswith("BGNBD cannot be identified from these data")
    assert "Leave out --strict" in message and "--penalizer (e.g. 0.01)" in message
    assert "penalizer_coef" not in message  # a Python argument, which no command takes


def test_customers_whose_repeat_purchases_are_free_get_the_population_mean_spend(
    cdnow_split: CalibrationHoldout,
) -> None:
    frame = cdnow_split.frame.copy()
    free = frame.index[frame.frequency > 0][:3]
    frame.loc[free, "monetary_value"] = 0.0
    fit = fit_clv(frame, "bgnbd")
    p, q, gamma = (fit.spend.params_[k] for k in ("p", "q", "gamma"))
    assert fit.spend.n_customers_ == 946 - 3
    x, zbar = spend_inputs(frame)
    expected = fit.spend.expected_spend(x[free], zbar[free])
    np.testing.assert_allclose(expected, p * gamma / (q - 1))
    assert (x[frame.index.difference(free)] == frame.frequency.drop(free)).all()


def test_an_infinite_mean_spend_is_refused_naming_the_flag(
    cdnow_split: CalibrationHoldout, monkeypatch: pytest.MonkeyPatch
) -> None:
    heavy = GammaGamma()  # what a fit on heavy-tailed spends can give: q <= 1
    heavy.params_ = {"p": 6.0, "q": 0.9, "gamma": 15.0}
    with pytest.raises(ConvergenceError, match="penalizer_coef > 0"):  # to a Python caller
        heavy.mean_parameters()
    monkeypatch.setattr(clv_fit, "fit_spend", lambda *args, **kwargs: BoundaryFit(heavy, "", 0.0))
    with pytest.raises(ConvergenceError) as refused:
        fit_clv(cdnow_split.frame, "bgnbd")
    message = str(refused.value)
    assert message.startswith("GammaGamma fitted q = 0.9 <= 1")
    assert "set --penalizer > 0 and refit" in message and "penalizer_coef" not in message


def test_a_seasonal_fit_is_not_split_without_its_calendar(cdnow_mart: Mart) -> None:
    calibration_end = dt.date(1998, 1, 31)
    frame = calibration_holdout(cdnow_mart, calibration_end).frame
    calendar = purchase_calendar(cdnow_mart, calibration_end)
    fit = fit_clv(frame, "bgnbd-seasonal", calendar=calendar)
    grouped = frame.assign(**{COVARIATE: np.array(["web", "store"], dtype=object)[frame.index % 2]})
    with pytest.raises(InputError, match="splitting bgnbd-seasonal needs its calendar"):
        clv_fit.split_by(fit, grouped, "channel", None)
