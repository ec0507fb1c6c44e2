"""The seasonal BTYD models: a known December multiplier is recovered, the holdout follows it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.special import logsumexp

from segmint.exceptions import ModelInputError
from segmint.models import BGNBD, ParetoNBD
from segmint.models import seasonal as seasonal_module
from segmint.models._optimize import IterationLimitWarning
from segmint.models.covariates import encode_groups
from segmint.models.latent_class import LatentClassModel
from segmint.models.seasonal import SeasonalInputs, SeasonalModel, fit_seasonal, with_covariate
from segmint.models.seasonal_calendar import MONTH_WEIGHTS, day_number, month_of_day

pytestmark = pytest.mark.slow  # joint fits with numeric gradients: tens of seconds each

AS_OF = dt.date(2024, 12, 31)
HOLDOUT_DAYS = 91  # January to March: after a December peak a flat model over-predicts


def simulate(
    n: int, december: float, seed: int, years: int = 2, alpha: np.ndarray | float = 5.0
) -> dict[str, np.ndarray]:
    """BG/NBD customers whose purchase rate is ``december`` times higher in December
    (``alpha``: the scale of the rates' gamma, per customer or for all).

    Purchases are drawn on the operational clock (exponential gaps) and mapped back to
    calendar days through the cumulative daily intensity (the time-rescaling theorem).
    """
    rng = np.random.default_rng(seed)
    ratios = np.ones(12)
    ratios[11] = december
    index = ratios / (MONTH_WEIGHTS @ ratios)
    end = day_number(AS_OF) + 1
    first = end - 1 - rng.integers(30, 365 * years, n)
    rate = rng.gamma(0.5, 1 / np.broadcast_to(alpha, n)) / 7.0  # per day; r = 0.5, in weeks
    dropout = rng.beta(0.8, 3.0, n)
    days = np.arange(first.min(), end + HOLDOUT_DAYS)
    clock = np.concatenate([[0.0], np.cumsum(index[month_of_day(days)])])
    x, last, holdout, months = np.zeros(n), first.copy(), np.zeros(n), np.zeros(12)
    for i in range(n):
        operational = clock[first[i] + 1 - days[0]]
        while True:
            operational += rng.exponential(1 / rate[i])
            day = int(np.searchsorted(clock, operational)) - 1 + int(days[0])
            if day >= end + HOLDOUT_DAYS:
                break
            if day < end:
                x[i], last[i] = x[i] + 1, day
                months[month_of_day(np.array([day]))[0]] += 1
            else:
                holdout[i] += 1
            if rng.random() < dropout[i]:
                break
    T = (end - 1 - first) / 7.0
    return {"x": x, "t_x": (last - first) / 7.0, "T": T, "months": months, "holdout": holdout}


@pytest.fixture(scope="module")
def peak() -> dict[str, np.ndarray]:
    return simulate(3000, december=2.5, seed=0)


@pytest.fixture(scope="module")
def seasonal(peak: dict[str, np.ndarray]) -> SeasonalModel:
    base = BGNBD().fit(peak["x"], peak["t_x"], peak["T"])
    return fit_seasonal(
        base, peak["x"], peak["t_x"], peak["T"], SeasonalInputs(AS_OF, peak["months"])
    )


def test_the_december_multiplier_is_recovered_within_its_confidence_interval(
    seasonal: SeasonalModel,
) -> None:
    estimate, error = seasonal.params_["dec"], seasonal.standard_errors_["dec"]
    assert estimate - 1.96 * error <= 2.5 <= estimate + 1.96 * error
    assert error < 0.5  # an interval that says something
    others = np.array([seasonal.params_[m] for m in ("feb", "jun", "sep", "nov")])
    assert np.all(np.abs(others - 1.0) < 0.2)
    assert MONTH_WEIGHTS @ seasonal.multipliers == pytest.approx(1.0)


def test_holdout_total_is_within_5_percent_and_the_flat_model_is_not(
    peak: dict[str, np.ndarray], seasonal: SeasonalModel
) -> None:
    args = (HOLDOUT_DAYS / 7.0, peak["x"], peak["t_x"], peak["T"])
    actual = peak["holdout"].sum()
    seasonal_error = seasonal.predict_purchases(*args).sum() / actual - 1
    flat = BGNBD().fit(peak["x"], peak["t_x"], peak["T"])
    flat_error = flat.predict_purchases(*args).sum() / actual - 1
    assert abs(seasonal_error) < 0.05
    assert flat_error > 0.15  # the flat model spreads December's rate over January-March


def test_above_the_joint_limit_the_index_comes_from_a_sample_and_the_rest_from_all(
    peak: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A base too large for the joint fit: the index from 1,000 customers still holds the
    December multiplier and the holdout; the base parameters are the base model's own fit
    of every customer on that index's clock."""
    monkeypatch.setattr(seasonal_module, "JOINT_CUSTOMERS", 1000)
    base = BGNBD().fit(peak["x"], peak["t_x"], peak["T"])
    inputs = SeasonalInputs(AS_OF, peak["months"])
    model = fit_seasonal(base, peak["x"], peak["t_x"], peak["T"], inputs)
    assert "random 1,000 of the 3,000 customers" in model.note
    estimate, error = model.params_["dec"], model.standard_errors_["dec"]
    assert estimate - 1.96 * error <= 2.5 <= estimate + 1.96 * error
    args = (HOLDOUT_DAYS / 7.0, peak["x"], peak["t_x"], peak["T"])
    assert abs(model.predict_purchases(*args).sum() / peak["holdout"].sum() - 1) < 0.05
    op_recency, op_age = model._clock(peak["t_x"], peak["T"])
    direct = BGNBD().fit(peak["x"], op_recency, op_age)
    for name in BGNBD().param_names:
        assert model.params_[name] == pytest.approx(direct.params_[name], rel=1e-9)
    assert model.base.params_ == {n: model.params_[n] for n in BGNBD().param_names}


def test_seasonal_predictions_are_the_base_model_on_the_operational_clock(
    peak: dict[str, np.ndarray], seasonal: SeasonalModel
) -> None:
    x, t_x, T = peak["x"][:50], peak["t_x"][:50], peak["T"][:50]
    horizon = seasonal.operational_horizon(13.0)
    # 13 weeks after 2024-12-31: January, February (2025 is common), March and 1 April
    days = np.array([31, 28, 31, 1])
    assert horizon == pytest.approx(days / 7.0 @ seasonal.multipliers[:4])
    assert seasonal.multipliers[0] < 1 < seasonal.multipliers[11]  # December is the peak
    grid = seasonal.predict_purchases_grid([4.0, 13.0], x, t_x, T)
    np.testing.assert_allclose(grid[:, 1], seasonal.predict_purchases(13.0, x, t_x, T))
    alive = seasonal.probability_alive(x, t_x, T)
    assert np.all((alive > 0) & (alive <= 1))
    later = seasonal.at(dt.date(2025, 6, 30))
    assert later.operational_horizon(13.0) != pytest.approx(horizon)


def test_predictions_factor_into_alive_and_a_function_of_x_and_age(
    peak: dict[str, np.ndarray], seasonal: SeasonalModel
) -> None:
    x, t_x, T = peak["x"][:200], peak["t_x"][:200], peak["T"][:200]
    if_alive = seasonal.expected_if_alive_grid([4.0, 13.0], x, T)
    alive = seasonal.probability_alive(x, t_x, T)
    expected = seasonal.predict_purchases_grid([4.0, 13.0], x, t_x, T)
    np.testing.assert_allclose(if_alive * alive[:, None], expected, rtol=1e-13)
    # the operational age of T weeks is the clock over the T * 7 days up to the as-of day
    days = np.rint(T * 7).astype(np.int64)
    weeks = np.array([month_of_day(day_number(AS_OF) - np.arange(k)) for k in days[:3]], object)
    by_hand = [np.bincount(w, minlength=12) / 7.0 @ seasonal.multipliers for w in weeks]
    np.testing.assert_allclose(seasonal.operational_age(T[:3]), by_hand, rtol=1e-12)


def test_without_seasonality_the_index_stays_flat() -> None:
    flat = simulate(2000, december=1.0, seed=3)
    base = ParetoNBD().fit(flat["x"], flat["t_x"], flat["T"])
    model = fit_seasonal(
        base, flat["x"], flat["t_x"], flat["T"], SeasonalInputs(AS_OF, flat["months"])
    )
    estimate, error = model.params_["dec"], model.standard_errors_["dec"]
    assert estimate - 1.96 * error <= 1.0 <= estimate + 1.96 * error


def test_a_covariate_splits_the_base_on_the_seasonal_clock() -> None:
    """Two channels, the second buying twice as fast (alpha halved), both with the December
    peak: the split keeps the index, finds the channel's multiplier within its errors, and
    predicts each customer with their channel's base model on the index's clock."""
    paid = np.arange(3000) >= 2000
    data = simulate(3000, december=2.5, seed=4, alpha=np.where(paid, 2.5, 5.0))
    columns = (data["x"], data["t_x"], data["T"])
    base = BGNBD().fit(*columns)
    pooled = fit_seasonal(base, *columns, SeasonalInputs(AS_OF, data["months"]))
    channel = np.where(paid, "paid", "organic").astype(object)
    groups = encode_groups(channel)
    split = with_covariate(pooled, *columns, groups, SeasonalInputs(AS_OF, data["months"]))
    estimate, error = split.params_["alpha[paid]"], split.standard_errors_["alpha[paid]"]
    assert abs(estimate - 0.5) < 3 * error and error < 0.1
    assert split.params_["dec"] == pooled.params_["dec"]
    np.testing.assert_allclose(split.multipliers, pooled.multipliers)
    assert split.log_likelihood_ > pooled.log_likelihood_ + 10
    assert "the seasonal index estimated without the covariate" in split.note
    bound = split.with_base(split.base.bind(channel))
    predicted = bound.predict_purchases(HOLDOUT_DAYS / 7.0, *columns)
    op_recency, op_age = split._clock(data["t_x"], data["T"])
    horizon = split.operational_horizon(HOLDOUT_DAYS / 7.0)
    for level, rows in (("paid", paid), ("organic", ~paid)):
        own = split.base.level_model(level)  # the group's BG/NBD on the seasonal clock
        expected = own.predict_purchases(horizon, data["x"][rows], op_recency[rows], op_age[rows])
        np.testing.assert_allclose(predicted[rows], expected, rtol=1e-12)


def test_less_than_a_year_of_history_is_refused_with_the_reason(
    peak: dict[str, np.ndarray],
) -> None:
    young = peak["T"] < 40
    base = BGNBD().fit(peak["x"][young], peak["t_x"][young], peak["T"][young])
    with pytest.raises(ModelInputError, match="at least a year"):
        fit_seasonal(
            base,
            peak["x"][young],
            peak["t_x"][young],
            peak["T"][young],
            SeasonalInputs(AS_OF, peak["months"]),
        )
    with pytest.raises(ModelInputError, match="12 non-negative counts"):
        fit_seasonal(base, peak["x"], peak["t_x"], peak["T"], SeasonalInputs(AS_OF, np.ones(3)))


def test_the_joint_fit_keeps_the_base_models_iteration_limit() -> None:
    small = simulate(400, december=2.5, seed=1)
    base = BGNBD().fit(small["x"], small["t_x"], small["T"]).set_params(max_iter=3)
    with pytest.warns(IterationLimitWarning, match=r"seasonal BGNBD stopped at its limit of 3 "):
        fit_seasonal(
            base, small["x"], small["t_x"], small["T"], SeasonalInputs(AS_OF, small["months"])
        )


FAST = np.arange(3000) >= 1500


@pytest.fixture(scope="module")
def two_kinds() -> dict[str, np.ndarray]:
    """Two kinds of customers, the second buying twenty times as fast (alpha / 20)."""
    return simulate(3000, december=2.5, seed=5, alpha=np.where(FAST, 0.5, 10.0))


def test_latent_classes_chosen_by_bic_sit_on_the_one_class_index(
    two_kinds: dict[str, np.ndarray],
) -> None:
    """BIC takes two classes on the index of the one-class fit, whose multipliers are kept,
    and the predictions are the mixture's on that clock."""
    data, fast = two_kinds, FAST
    columns = (data["x"], data["t_x"], data["T"])
    base = BGNBD().fit(*columns)
    model = fit_seasonal(base, *columns, SeasonalInputs(AS_OF, data["months"]))
    assert isinstance(model.base, LatentClassModel)
    assert model.note.startswith("2 latent classes chosen by BIC")
    estimate, error = model.params_["dec"], model.standard_errors_["dec"]
    assert estimate - 1.96 * error <= 2.5 <= estimate + 1.96 * error
    op_recency, op_age = model._clock(data["t_x"], data["T"])
    one_class = BGNBD().fit(data["x"], op_recency, op_age)  # on the same clock
    month_term = float(data["months"] @ np.log(model.multipliers))
    assert model.log_likelihood_ > one_class.log_likelihood_ + month_term + 50
    horizon = model.operational_horizon(HOLDOUT_DAYS / 7.0)
    np.testing.assert_allclose(
        model.predict_purchases(HOLDOUT_DAYS / 7.0, *columns),
        model.base.predict_purchases(horizon, data["x"], op_recency, op_age),
        rtol=1e-12,
    )
    split = with_covariate(
        model, *columns, encode_groups(fast.astype(object)), SeasonalInputs(AS_OF, data["months"])
    )
    assert "the groups split the one-class model" in split.note


def test_above_the_joint_limit_the_classes_are_fitted_on_the_index_sample(
    two_kinds: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seasonal_module, "JOINT_CUSTOMERS", 1500)
    columns = (two_kinds["x"], two_kinds["t_x"], two_kinds["T"])
    base = BGNBD().fit(*columns)
    model = fit_seasonal(base, *columns, SeasonalInputs(AS_OF, two_kinds["months"]))
    assert isinstance(model.base, LatentClassModel)
    assert "random 1,500 of the 3,000 customers" in model.note
    assert "2 latent classes chosen by BIC" in model.note and "index and sample" in model.note
    predicted = model.predict_purchases(HOLDOUT_DAYS / 7.0, *columns)
    assert np.all(np.isfinite(predicted))
    assert abs(predicted.sum() / two_kinds["holdout"].sum() - 1) < 0.1
    # the log-likelihood is the mixture's on every customer, like the one-class model's
    op_recency, op_age = model._clock(two_kinds["t_x"], two_kinds["T"])
    joint = model.base.class_log_likelihoods(two_kinds["x"], op_recency, op_age)
    month_term = float(two_kinds["months"] @ np.log(model.multipliers))
    every = float(logsumexp(joint, axis=1).sum()) + month_term
    assert model.log_likelihood_ == pytest.approx(every, rel=1e-9)
