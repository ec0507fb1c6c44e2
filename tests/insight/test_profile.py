"""Profiles of the hand-made mart: features against the base, mix, small segments, errors."""

from __future__ import annotations

import datetime as dt
from typing import cast
from unittest.mock import patch

import ibis
import pandas as pd
import pytest

import segmint
from segmint.exceptions import MartError, SegmintError
from segmint.insight import SegmentProfile, profile
from segmint.insight.profile import _charged, period_text, top_features
from segmint.mart import Mart
from segmint.segmentation import store

from .conftest import AS_OF, EARLIER, EARLIER_TIERS, TIERS, fill, save


def cell(frame: pd.DataFrame, segment: str, feature: str, column: str) -> float:
    row = frame[(frame.segment == segment) & (frame.feature == feature)]
    return float(row[column].iloc[0])


def test_feature_means_and_index_against_the_base(tiers_profile: SegmentProfile) -> None:
    features = tiers_profile.features
    # spend_365d per customer: a1 45, a2 90, b1 20, b2 0, b3 0, c1 10; base mean 165 / 6.
    assert cell(features, "Gold", "spend_365d", "mean") == pytest.approx(67.5)
    assert cell(features, "Gold", "spend_365d", "base_mean") == pytest.approx(27.5)
    assert cell(features, "Gold", "spend_365d", "index") == pytest.approx(100 * 67.5 / 27.5)
    spread = pd.Series([45, 90, 20, 0, 0, 10]).std()
    assert cell(features, "Silver", "spend_365d", "smd") == pytest.approx((20 / 3 - 27.5) / spread)


def test_overview_carries_behaviour_and_is_ordered_by_value(tiers_profile: SegmentProfile) -> None:
    overview = tiers_profile.overview.set_index("segment")
    assert list(overview.index) == ["Gold", "Bronze", "Silver"]
    assert overview.loc["Gold", "frequency"] == pytest.approx(1.5)  # a1 has o1 and o2
    assert overview.loc["Bronze", "recency_days"] == pytest.approx(364)
    # members with two orders or more: a1 of Gold, b2 of Silver (a purchase and its
    # return; b1's second order was cancelled), nobody in Bronze
    assert overview.repeat_share.to_dict() == pytest.approx(
        {"Gold": 0.5, "Bronze": 0.0, "Silver": 1 / 3}
    )
    order = tiers_profile.distinguishing.segment.drop_duplicates().tolist()
    assert order == ["Gold", "Bronze", "Silver"]


def test_distinguishing_features_are_the_largest_absolute_smd() -> None:
    means = pd.DataFrame(
        {
            "segment": ["A"] * 3,
            "feature": ["x", "y", "z"],
            "mean": [1.0, 2.0, 3.0],
            "base_mean": [1.0, 1.0, 1.0],
            "index": [100.0, 200.0, 300.0],
            "smd": [0.1, -2.0, 1.0],
        }
    )
    top = top_features(means, n=2)
    assert top.feature.tolist() == ["y", "z"]
    assert top["rank"].tolist() == [1, 2]


def test_features_of_the_same_smd_but_for_rounding_are_ranked_by_name() -> None:
    means = pd.DataFrame(
        {
            "segment": ["A"] * 3,
            "feature": ["b", "a", "c"],
            # 0.1 + 0.2 is 0.30000000000000004: the same SMD summed in another order
            "smd": [0.1 + 0.2, -0.3, 0.2],
        }
    )
    assert top_features(means, n=3).feature.tolist() == ["a", "b", "c"]


def test_mix_shows_demographics_categories_and_channels(tiers_profile: SegmentProfile) -> None:
    mix = tiers_profile.mix
    gold = mix[mix.segment == "Gold"].set_index(["dimension", "value"])
    assert gold.loc[("category", "games"), "amount"] == 115.0  # 25 in o1 + 90 in o3
    assert gold.loc[("category", "games"), "share"] == pytest.approx(115 / 135)
    assert gold.loc[("channel", "app"), "amount"] == 1
    assert gold.loc[("gender", "M"), "share"] == 0.5
    bronze = mix[mix.segment == "Bronze"].set_index(["dimension", "value"])
    assert bronze.loc[("region", "unknown"), "amount"] == 1
    shares = mix.groupby(["segment", "dimension"]).share.sum()
    assert shares.to_numpy() == pytest.approx(1.0)


def test_small_segments_are_flagged_with_the_reason(mart: Mart) -> None:
    result = profile(mart, "tiers", AS_OF, min_share=0.2, min_members=2)
    small = result.small.set_index("segment")
    assert list(small.index) == ["Bronze"]
    assert small.loc["Bronze", "reason"] == (
        "16.7% of the base is below 20.0%; 1 members is below 2"
    )
    assert result.overview.set_index("segment").too_small.to_dict() == {
        "Gold": False,
        "Bronze": True,
        "Silver": False,
    }


def test_statistics_cover_the_features_and_say_whether_sampled(
    tiers_profile: SegmentProfile,
) -> None:
    stats = tiers_profile.statistics
    assert {"spend_365d", "region", "gender"} <= set(stats.feature)
    assert tiers_profile.n_base == 6
    assert not tiers_profile.sampled


def test_a_year_the_orders_start_within_names_their_first_day(mart: Mart) -> None:
    # the orders run from 2023-07-01: the year to 2024-03-31 holds 275 days of them
    full = profile(mart, "tiers", AS_OF)  # the year to 2024-06-30
    assert full.history_start is None and full.history_days is None
    short = profile(mart, "tiers", EARLIER)
    assert short.history_start == dt.date(2023, 7, 1) and short.history_days == 275


def test_the_cost_to_serve_of_a_year_of_a_few_months_of_orders_is_charged_for_those_days(
    mart: Mart,
) -> None:
    # 275 days of orders carry 275/365 of a year's cost to serve, as their margin is 275 days'
    short = profile(mart, "tiers", EARLIER, cost_to_serve=365.0)
    portfolio = short.money.portfolio
    members = int(portfolio["members"])
    assert short.money.cost_to_serve == 365.0  # the rate per member per year, as given
    assert portfolio["cost_to_serve"] == pytest.approx(275.0 * members)
    assert portfolio["profit"] == pytest.approx(portfolio["gross_margin"] - 275.0 * members)
    full = profile(mart, "tiers", AS_OF, cost_to_serve=365.0).money.portfolio
    assert full["cost_to_serve"] == pytest.approx(365.0 * int(full["members"]))


def test_a_profile_dated_before_the_first_order_is_charged_no_cost_to_serve() -> None:
    # an erasure can leave a segmentation dated before the orders that remain
    first = dt.date(2024, 3, 1)
    for day in (dt.date(2024, 2, 1), dt.date(2024, 2, 29)):
        with patch("segmint.insight.profile.order_span", return_value=(first, first)):
            assert _charged(365.0, cast(Mart, None), day) == (first, (365.0, 0.0))
    with patch("segmint.insight.profile.order_span", return_value=(first, first)):
        assert _charged(365.0, cast(Mart, None), first) == (first, (365.0, 1.0))


def test_labels_of_a_year_of_a_few_months_of_orders_say_over_how_many_days() -> None:
    assert period_text(None) == "per year"
    assert period_text(None, "Revenue per member / year", "Revenue per member") == (
        "Revenue per member / year"
    )
    assert period_text(92) == "over 92 days"
    assert period_text(92, "Revenue per member / year", "Revenue per member") == (
        "Revenue per member over 92 days"
    )
    assert period_text(275) == "over 275 days"


def test_defaults_to_the_latest_stored_date(mart: Mart) -> None:
    assert profile(mart, "style").as_of == AS_OF


def test_defaults_to_the_latest_results_though_an_older_version_holds_them() -> None:
    # v1 run as of AS_OF, then a changed definition (v2) run as of an earlier date
    with segmint.connect(":memory:") as made:
        fill(made)
        save(made, "tiers", AS_OF, TIERS)
        frame = pd.DataFrame(
            {"customer_id": list(EARLIER_TIERS), "segment": EARLIER_TIERS.values()}
        )
        store.save(made, "tiers", "rules", {"changed": 1}, EARLIER, ibis.memtable(frame))
        assert store.definition(made, "tiers").version == 2  # stored last
        latest = profile(made, "tiers")
        earlier = profile(made, "tiers", EARLIER)
    assert latest.as_of == AS_OF
    assert latest.n_base == len(TIERS)
    members = latest.overview.set_index("segment").members.to_dict()
    assert members == {"Gold": 2, "Silver": 3, "Bronze": 1}
    assert earlier.n_base == len(EARLIER_TIERS)


def test_unknown_segmentation_lists_stored_ones(mart: Mart) -> None:
    with pytest.raises(MartError, match="no segmentation named 'nope'; stored: style, tiers"):
        profile(mart, "nope")


def test_date_without_results_lists_stored_dates(mart: Mart) -> None:
    with pytest.raises(MartError, match="no results as of 2024-05-01; stored dates: 2024-03-31"):
        profile(mart, "tiers", "2024-05-01")


def test_invalid_thresholds_are_refused(mart: Mart) -> None:
    with pytest.raises(SegmintError, match=r"min_share must be in \[0, 1\).*min_share=1.5"):
        profile(mart, "tiers", min_share=1.5)
