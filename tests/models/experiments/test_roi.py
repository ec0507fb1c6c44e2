"""Incremental money, contact costs and ROI, and the reach of each group."""

from __future__ import annotations

import numpy as np
import pytest

from segmint.exceptions import ModelInputError
from segmint.models.experiments import campaign_return, intention_to_treat, welch_difference


def _lift(shift: float, n_target: int = 900, n_control: int = 100):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    return welch_difference(rng.normal(5 + shift, 1, n_target), rng.normal(5, 1, n_control))


def test_money_scales_the_lift_by_the_target_group() -> None:
    revenue, margin = _lift(1.0), _lift(0.4)
    result = campaign_return(revenue, 0.05, margin=margin)
    assert result.n_contacted == 900 and result.contact_cost == pytest.approx(45.0)
    assert result.incremental_revenue == pytest.approx(revenue.absolute * 900)
    assert result.incremental_revenue_ci == pytest.approx(
        (revenue.ci[0] * 900, revenue.ci[1] * 900)
    )
    assert result.basis == "margin"
    assert result.net_return == pytest.approx(margin.absolute * 900 - 45.0)
    assert result.roi == pytest.approx(result.net_return / 45.0)
    assert result.roi_ci is not None and result.roi_ci[0] < result.roi < result.roi_ci[1]


def test_without_margins_the_return_is_on_revenue_and_says_so() -> None:
    result = campaign_return(_lift(1.0), 0.05)
    assert result.basis == "revenue" and result.incremental_margin is None


def test_free_contacts_have_no_roi() -> None:
    result = campaign_return(_lift(1.0), 0.0)
    assert result.roi is None and result.net_return == pytest.approx(result.incremental_revenue)


def test_negative_costs_are_refused() -> None:
    with pytest.raises(ModelInputError, match="cost_per_contact must be a non-negative"):
        campaign_return(_lift(1.0), -1.0)


def test_contamination_and_the_effect_on_the_reached() -> None:
    lift = _lift(1.0)
    reached_t = np.r_[np.ones(720, bool), np.zeros(180, bool)]  # 80 % reached
    reached_c = np.r_[np.ones(10, bool), np.zeros(90, bool)]  # 10 % contaminated
    result = intention_to_treat(lift, reached_t, reached_c)
    assert result.reach_rate == pytest.approx(0.8)
    assert result.contamination_rate == pytest.approx(0.1)
    assert result.itt_effect == lift.absolute
    assert result.complier_effect == pytest.approx(lift.absolute / 0.7)
    nobody = intention_to_treat(lift, np.zeros(900, bool), np.zeros(100, bool))
    assert nobody.complier_effect is None
