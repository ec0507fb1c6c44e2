"""Campaigns with a known true uplift per latent type, and intervals that cover it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from segmint.models.experiments import welch_difference
from segmint.synth import TYPE_NAMES, generate
from segmint.synth.campaigns import CONTROL_SHARE
from segmint.synth.effects import RESPONSE_DAYS


def _member_outcomes(tables: dict[str, pa.Table], campaign_id: str) -> pd.DataFrame:
    """Each member's response and revenue in the campaign's first two weeks, from the files."""
    campaigns = tables["campaigns"].to_pandas().set_index("campaign_id")
    start = pd.Timestamp(campaigns.loc[campaign_id, "start_date"])
    end = start + pd.Timedelta(days=RESPONSE_DAYS)
    orders = tables["orders"].to_pandas()
    orders = orders[
        (orders["status"] != "cancelled") & orders["order_ts"].between(start, end, "left")
    ]
    lines = tables["order_lines"].to_pandas()
    lines["net"] = lines["quantity"] * lines["unit_price"] - lines["discount"]
    value = lines.groupby("order_id")["net"].sum()
    orders = orders.assign(net=orders["order_id"].map(value).fillna(0.0))
    per_customer = orders.groupby("customer_id")["net"].agg(["size", "sum"])
    members = tables["campaign_members"].to_pandas()
    members = members[members["campaign_id"] == campaign_id].set_index("customer_id")
    joined = members.join(per_customer).fillna({"size": 0, "sum": 0.0})
    return pd.DataFrame(
        {
            "target": joined["group"] == "target",
            "response": (joined["size"] > 0).astype(float),
            "revenue": joined["sum"],
        }
    )


def _true_lift(tables: dict[str, pa.Table], campaign_id: str, metric: str) -> float:
    truth = tables["ground_truth_campaigns"].to_pandas()
    mine = truth[truth["campaign_id"] == campaign_id]
    weights = mine["n_members"]
    return float((mine[f"true_uplift_{metric}"].fillna(0.0) * weights).sum() / weights.sum())


def test_ground_truth_has_every_campaign_and_type(small: dict[str, pa.Table]) -> None:
    truth = small["ground_truth_campaigns"].to_pandas()
    assert len(truth) == 3 * len(TYPE_NAMES)
    assert set(truth["campaign_id"]) == {"K001", "K002", "K003"}
    members = small["campaign_members"].to_pandas()
    assert truth.groupby("campaign_id")["n_members"].sum().to_dict() == (
        members.groupby("campaign_id").size().to_dict()
    )
    assert (truth["true_uplift_response"] <= truth["incremental_purchase_prob"] + 1e-12).all()


def test_some_types_and_campaigns_have_no_uplift(small: dict[str, pa.Table]) -> None:
    truth = small["ground_truth_campaigns"].to_pandas().set_index(["campaign_id", "latent_type"])
    assert (truth.loc["K002", "true_uplift_response"] == 0).all()
    assert (truth.loc["K002", "true_uplift_revenue"] == 0).all()
    assert truth.loc[("K001", "loyal_high_spender"), "true_uplift_response"] == 0
    assert truth.loc[("K001", "store_traditionalist"), "true_uplift_revenue"] == 0
    k001 = truth.loc["K001", "true_uplift_response"]
    assert k001.idxmax() == "bargain_hunter" and k001.max() > 0.02
    assert truth.loc[("K003", "seasonal_gift_buyer"), "true_uplift_revenue"] > 5


def test_campaigns_carry_their_holdout_share_and_cost(small: dict[str, pa.Table]) -> None:
    campaigns = small["campaigns"].to_pandas().set_index("campaign_id")
    assert (campaigns["holdout_share"] == CONTROL_SHARE).all()
    assert (campaigns["cost_per_contact"] > 0).all()


def test_extra_purchases_fall_in_the_window_of_target_members(small: dict[str, pa.Table]) -> None:
    moved = _member_outcomes(small, "K003")
    control_rate = moved.loc[~moved["target"], "response"].mean()
    target_rate = moved.loc[moved["target"], "response"].mean()
    assert target_rate > control_rate  # gift buyers and bargain hunters respond


@pytest.mark.slow
def test_intervals_cover_the_true_lift_across_50_seeds() -> None:
    """Welch intervals of response and revenue lifts of all three campaigns (300 intervals).

    8,000 customers give control groups of 100-400 members; with a few dozen, the t
    interval of a rare, skewed outcome undercovers (about 88 %), a limit of the normal
    approximation and not of the ground truth.
    """
    covered, false_positives = [], []
    for seed in range(50):
        tables = generate(8_000, seed=1_000 + seed)
        for campaign_id in ("K001", "K002", "K003"):
            outcomes = _member_outcomes(tables, campaign_id)
            target = outcomes["target"].to_numpy()
            for metric in ("response", "revenue"):
                values = outcomes[metric].to_numpy()
                lift = welch_difference(values[target], values[~target])
                truth = _true_lift(tables, campaign_id, metric)
                covered.append(lift.ci[0] <= truth <= lift.ci[1])
                if campaign_id == "K002":
                    false_positives.append(lift.significant())
    assert 0.90 <= np.mean(covered) <= 0.99
    assert np.mean(false_positives) <= 0.10
