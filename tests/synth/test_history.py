"""Seasonality keeps the yearly mean rate and peaks where it should."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from segmint.synth.history import (
    SEASONALITY_PROFILES,
    History,
    december_peak_intensity,
    seasonal_intensity,
)

YEAR = np.arange(365)


@pytest.mark.parametrize("profile", SEASONALITY_PROFILES)
def test_intensity_averages_one_over_a_year(profile: str) -> None:
    assert seasonal_intensity(profile, YEAR).mean() == pytest.approx(1.0)
    assert seasonal_intensity(profile, YEAR).min() > 0


def test_gift_profile_concentrates_on_the_weeks_before_christmas() -> None:
    gift = seasonal_intensity("gift", YEAR)
    november_december = YEAR >= 304
    assert gift[november_december].sum() / gift.sum() > 0.6
    retail = seasonal_intensity("retail", YEAR)
    assert 0.25 < retail[YEAR >= 273].sum() / retail.sum() < 0.45


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown seasonality profile 'summer'"):
        seasonal_intensity("summer", YEAR)


@pytest.mark.parametrize("profile", SEASONALITY_PROFILES)
def test_operational_time_inverts_and_whole_years_keep_their_length(profile: str) -> None:
    history = History.of_years(dt.date(2022, 3, 1), 2)
    days = np.linspace(0, history.n_days, 101)
    back = history.to_calendar(profile, history.to_operational(profile, days))
    np.testing.assert_allclose(back, days, atol=1e-6)
    total = history.to_operational(profile, np.array([history.n_days]))[0]
    assert total == pytest.approx(history.n_days, rel=0.01)


def test_history_spans_whole_years() -> None:
    history = History.of_years(dt.date(2024, 1, 1), 1)
    assert history.n_days == 366
    assert history.end == dt.date(2025, 1, 1)


def test_december_peak_is_a_known_step_multiplier_averaging_one() -> None:
    history = History.of_years(dt.date(2023, 1, 1), 2, december_peak=2.5)
    year = np.arange(365)
    december = (np.datetime64("2023-01-01") + year.astype("timedelta64[D]")).astype(
        "datetime64[M]"
    ).astype(np.int64) % 12 == 11
    intensity = december_peak_intensity(2.5, december)
    assert intensity.mean() == pytest.approx(1.0)
    assert intensity[december][0] / intensity[~december][0] == pytest.approx(2.5)
    # in the leap year 2024 the peak starts on 1 December too (day 335), not on 30 November
    nov_30, dec_1 = (
        (dt.date(2024, 11, 30) - history.start).days,
        (dt.date(2024, 12, 1) - history.start).days,
    )
    rate = np.diff(history.to_operational("retail", np.array([nov_30, nov_30 + 1, dec_1 + 1])))
    assert rate[1] / rate[0] == pytest.approx(2.5)
    gift = history.to_operational("gift", np.array([100.0]))
    assert gift == pytest.approx(history.to_operational("retail", np.array([100.0])))
