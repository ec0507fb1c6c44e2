"""The overview page's numbers: KPIs from the profile and features, the 24-month buyer trend."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from segmint.features import stored_dates
from segmint.insight import profile
from segmint.mart import Mart
from segmint.views.overview import (
    SEGMENT_COLUMNS,
    TREND_MONTHS,
    base_figures,
    buyer_trend,
    overview,
)
from segmint.views.scores import NO_CLV


def test_overview_kpis_come_from_the_profile_and_features(mart: Mart) -> None:
    day = stored_dates(mart)[-1]
    result = profile(mart, "rfm", day)
    view = overview(mart, result)
    assert view.as_of == day and view.segmentation == "rfm"
    assert view.customers == int(result.money.portfolio["members"])
    assert view.revenue == pytest.approx(float(result.money.portfolio["revenue"]))
    active = mart.raw.execute(
        "SELECT count(*) FROM features WHERE as_of = $1 AND orders_365d > 0", [day]
    ).fetchone()
    assert active is not None and view.active == active[0]
    assert 0 < view.active <= view.customers
    assert list(view.segments.columns) == SEGMENT_COLUMNS
    assert list(view.segments.index) == list(range(len(view.segments)))
    assert len(view.trend) == TREND_MONTHS


def test_the_base_figures_given_give_the_same_overview_for_any_segmentation(mart: Mart) -> None:
    day = stored_dates(mart)[-1]
    base = base_figures(mart, day)
    result = profile(mart, "rfm", day)
    alone, given = overview(mart, result), overview(mart, result, base)
    assert (alone.active, alone.average_clv, alone.messages) == (
        given.active,
        given.average_clv,
        given.messages,
    )
    pd.testing.assert_frame_equal(alone.trend, given.trend)
    other = overview(mart, profile(mart, "lifecycle", day), base)
    assert other.active == alone.active and other.segmentation == "lifecycle"


def test_without_clv_scores_the_average_is_none_and_the_page_says_why(mart: Mart) -> None:
    day = stored_dates(mart)[-1]
    result = profile(mart, "rfm", day)
    mart.raw.execute("CREATE TEMP TABLE _kept AS SELECT * FROM scores WHERE score_name = 'clv'")
    mart.raw.execute("DELETE FROM scores WHERE score_name = 'clv'")
    try:
        view = overview(mart, result)
        assert view.average_clv is None
        assert view.messages == [NO_CLV]
    finally:
        mart.raw.execute("INSERT INTO scores SELECT * FROM _kept")
        mart.raw.execute("DROP TABLE _kept")


def test_buyer_trend_has_every_month_and_counts_distinct_buyers(mart: Mart) -> None:
    day = stored_dates(mart)[-1]
    trend = buyer_trend(mart, day, months=6)
    assert len(trend) == 6
    months = list(trend.month)
    assert months[-1] == pd.Timestamp(day.replace(day=1))
    assert months == list(pd.date_range(months[0], periods=6, freq="MS"))
    assert trend.buyers.dtype == "int64"
    assert (trend.buyers >= 0).all()


def test_buyer_trend_starts_at_the_first_purchase_month(mart: Mart) -> None:
    orders = mart.table("orders")
    first = pd.Timestamp(orders.order_ts.min().execute())
    day = (first + pd.Timedelta(days=70)).date()  # three months of data at most
    trend = buyer_trend(mart, day, months=24)
    months = list(trend.month)
    assert months[0] == first.to_period("M").to_timestamp()  # no months before the data
    assert months[-1] == pd.Timestamp(day.replace(day=1))
    assert months == list(pd.date_range(months[0], periods=len(months), freq="MS"))
    assert trend.buyers.iloc[0] > 0


def test_buyer_trend_before_any_order_is_all_zero(mart: Mart) -> None:
    trend = buyer_trend(mart, dt.date(1990, 6, 15), months=3)
    assert list(trend.month) == list(pd.date_range("1990-04-01", periods=3, freq="MS"))
    assert list(trend.buyers) == [0, 0, 0]
