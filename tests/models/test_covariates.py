"""BTYD models with a time-invariant covariate: known group effects are recovered, the
derivatives are right, and predictions are each group's model's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import ModelInputError
from segmint.models import BGNBD, MBGNBD, ParetoNBD, simulate_bgnbd, simulate_pareto_nbd
from segmint.models._base import Histories
from segmint.models.covariates import (
    CovariateModel,
    _GroupedLikelihood,
    encode_groups,
    fit_covariate,
)

BASE = {"r": 0.8, "alpha": 6.0, "a": 0.8, "b": 3.0}
PAID = {"alpha": 0.5, "a": 1.5, "b": 0.7}  # the paid group's multipliers on each scale


def two_groups(n_organic: int = 4000, n_paid: int = 2000, seed: int = 3) -> pd.DataFrame:
    """BG/NBD customers of two channels: paid ones buy twice as often and drop out sooner."""
    ages = np.random.default_rng(seed).uniform(20, 78, n_organic + n_paid)
    paid = {k: v * PAID.get(k, 1.0) for k, v in BASE.items()}
    frames = [
        simulate_bgnbd(BASE, ages[:n_organic], random_state=seed + 1),
        simulate_bgnbd(paid, ages[n_organic:], random_state=seed + 2),
    ]
    frame = pd.concat(frames, ignore_index=True)
    frame["channel"] = ["organic"] * n_organic + ["paid"] * n_paid
    return frame


def fit(frame: pd.DataFrame, model: type = BGNBD) -> CovariateModel:
    base = model().fit(frame.frequency, frame.recency, frame["T"])
    groups = encode_groups(frame.channel.to_numpy(object))
    return fit_covariate(base, frame.frequency, frame.recency, frame["T"], groups)


def test_known_group_multipliers_are_recovered_within_their_errors() -> None:
    frame = two_groups()
    model = fit(frame)
    assert model.levels == ("organic", "paid")
    for name, truth in PAID.items():
        estimate, error = model.params_[f"{name}[paid]"], model.standard_errors_[f"{name}[paid]"]
        assert abs(estimate - truth) < 3 * error, (name, estimate, error)
    assert model.params_["alpha[paid]"] < 0.6  # clearly not 1: the effect is found
    assert model.rate_ratios()["paid"] == pytest.approx(1 / model.params_["alpha[paid]"])
    pooled = BGNBD().fit(frame.frequency, frame.recency, frame["T"])
    assert model.log_likelihood_ > pooled.log_likelihood_ + 50


def test_pareto_nbd_groups_scale_alpha_and_beta() -> None:
    ages = np.random.default_rng(5).uniform(20, 78, 6000)
    base = {"r": 0.8, "alpha": 6.0, "s": 0.8, "beta": 10.0}
    paid = {**base, "alpha": 3.0, "beta": 5.0}
    frame = pd.concat(
        [
            simulate_pareto_nbd(base, ages[:4000], random_state=1),
            simulate_pareto_nbd(paid, ages[4000:], random_state=2),
        ],
        ignore_index=True,
    )
    frame["channel"] = ["organic"] * 4000 + ["paid"] * 2000
    model = fit(frame, ParetoNBD)
    assert model.scales == ("alpha", "beta")
    for name in ("alpha", "beta"):
        estimate, error = model.params_[f"{name}[paid]"], model.standard_errors_[f"{name}[paid]"]
        assert abs(estimate - 0.5) < 3.5 * error, (name, estimate, error)


def test_a_covariate_without_effect_gives_multipliers_near_one() -> None:
    frame = two_groups()
    frame["channel"] = np.random.default_rng(0).choice(["email", "search"], len(frame))
    model = fit(frame)
    for name in PAID:
        key = f"{name}[{model.levels[1]}]"
        assert abs(model.params_[key] - 1.0) < 3 * model.standard_errors_[key]


def test_gradient_and_hessian_match_finite_differences() -> None:
    frame = two_groups(800, 400)
    groups = encode_groups(frame.channel.to_numpy(object))
    columns = [frame[c].to_numpy() for c in ("frequency", "recency", "T")]
    data = [Histories.of_customers(*(c[groups.codes == g] for c in columns), None) for g in (0, 1)]
    likelihood = _GroupedLikelihood(BGNBD(), data, 4, [1, 2, 3])
    theta = np.array([0.7, 5.0, 0.9, 2.5, 0.6, 1.3, 0.8])
    ll, grad, hessian = likelihood.curvature(theta)
    assert likelihood.value(theta)[0] == pytest.approx(ll, rel=1e-12)
    steps = np.eye(theta.size) * 1e-6
    numeric_grad = [
        (likelihood.value(theta + e)[0] - likelihood.value(theta - e)[0]) / 2e-6 for e in steps
    ]
    numeric_hessian = [
        (likelihood.value(theta + e)[1] - likelihood.value(theta - e)[1]) / 2e-6  # type: ignore[operator]
        for e in steps
    ]
    np.testing.assert_allclose(grad, numeric_grad, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(hessian, np.array(numeric_hessian), rtol=1e-5, atol=1e-2)


def test_predictions_are_each_groups_base_model() -> None:
    frame = two_groups(1500, 800)
    model = fit(frame, MBGNBD)
    bound = model.bind(frame.channel.to_numpy(object))
    args = (frame.frequency.to_numpy(), frame.recency.to_numpy(), frame["T"].to_numpy())
    paid = frame.channel.to_numpy() == "paid"
    for level, rows in (("organic", ~paid), ("paid", paid)):
        alone = model.level_model(level)
        assert isinstance(alone, MBGNBD) and alone.params_ == model.level_params(level)
        part = tuple(a[rows] for a in args)
        np.testing.assert_allclose(
            bound.predict_purchases(10.0, *args)[rows], alone.predict_purchases(10.0, *part)
        )
        np.testing.assert_allclose(
            bound.probability_alive(*args)[rows], alone.probability_alive(*part)
        )
        grid = bound.predict_purchases_grid([5.0, 26.0], *args)[rows]
        np.testing.assert_allclose(grid, alone.predict_purchases_grid([5.0, 26.0], *part))
    share = paid.mean()
    mixed = (1 - share) * model.level_model("organic").expected_purchases_new_customer(20.0)
    mixed += share * model.level_model("paid").expected_purchases_new_customer(20.0)
    assert bound.expected_purchases_new_customer(20.0) == pytest.approx(mixed)
    with pytest.raises(ModelInputError, match="bound to"):
        bound.probability_alive(*(a[:10] for a in args))


def test_groups_are_coded_largest_first_with_missing_and_rare_values_named() -> None:
    rare = ["fax"] * 20 + ["tv"] * 15  # each under 30 customers, 35 together
    values = ["search"] * 50 + ["social"] * 80 + [None] * 40 + ["", float("nan"), *rare]
    groups = encode_groups(np.array(values, dtype=object))
    assert groups.levels == ("social", "search", "unknown", "other")
    assert groups.codes[:3].tolist() == [1, 1, 1]
    assert (groups.codes == 2).sum() == 42  # None, "" and NaN
    assert (groups.codes == 3).sum() == 35
    few = encode_groups(np.array(["search"] * 50 + ["social"] * 80 + ["fax"] * 3, dtype=object))
    assert few.levels == ("social", "search") and (few.codes == 0).sum() == 83  # too few: largest
    with pytest.raises(ModelInputError, match="cannot tell customers apart"):
        encode_groups(np.array(["search"] * 100 + ["fax"] * 3, dtype=object))


def test_unseen_values_count_as_other_or_the_reference_group() -> None:
    frame = two_groups(1000, 500)
    model = fit(frame)
    assert model.codes(np.array(["paid", "tv", None], dtype=object)).tolist() == [1, 0, 0]
    model.levels = ("organic", "paid", "other")
    assert model.codes(np.array(["tv"], dtype=object)).tolist() == [2]


def test_a_group_with_no_sign_of_dropout_keeps_only_the_rate_multiplier() -> None:
    frame = two_groups(3000, 300)
    rows = frame.channel == "paid"  # paid customers: never drop out, so a, b are unidentified
    ages = frame.loc[rows, "T"].to_numpy()
    rate = np.random.default_rng(9).gamma(0.8, 1 / 3.0, ages.size)
    x = np.random.default_rng(10).poisson(rate * ages).astype(float)
    frame.loc[rows, "frequency"] = x
    frame.loc[rows, "recency"] = np.where(x > 0, ages * (1 - 0.5 / (x + 1)), 0.0)
    model = fit(frame)
    assert model.scales == ("alpha",)
    assert set(model.params_) == {"r", "alpha", "a", "b", "alpha[paid]"}
    assert np.isfinite(model.log_likelihood_)
