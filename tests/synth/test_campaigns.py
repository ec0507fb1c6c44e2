"""Campaigns with members split into target and control among consenting customers."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def test_members_split_into_target_and_control(small: dict[str, pa.Table]) -> None:
    members = small["campaign_members"].to_pandas()
    assert members["campaign_id"].nunique() == small["campaigns"].num_rows == 3
    control = (members["group"] == "control").groupby(members["campaign_id"]).mean()
    assert control.between(0.12, 0.28).all()


def test_members_had_signed_up_and_consented(small: dict[str, pa.Table]) -> None:
    members = small["campaign_members"].to_pandas()
    campaigns = small["campaigns"].to_pandas().set_index("campaign_id")
    customers = small["customers"].to_pandas().set_index("customer_id")
    start = pd.to_datetime(members["campaign_id"].map(campaigns["start_date"]))
    signup = pd.to_datetime(members["customer_id"].map(customers["signup_date"]))
    assert (signup <= start).all()
    consents = small["consents"].to_pandas()
    granted = consents[consents["granted"]]
    channel = members["campaign_id"].map(campaigns["channel"])
    pairs = set(zip(granted["customer_id"], granted["channel"], strict=True))
    assert all((c, ch) in pairs for c, ch in zip(members["customer_id"], channel, strict=True))


def test_black_friday_runs_in_november(small: dict[str, pa.Table]) -> None:
    campaigns = small["campaigns"].to_pandas().set_index("campaign_id")
    assert pd.Timestamp(campaigns.loc["K003", "start_date"]).month == 11
