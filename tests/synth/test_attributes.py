"""Attributes in long form correlate with the latent type; consents have opt-outs."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def _with_type(small: dict[str, pa.Table], name: str) -> pd.DataFrame:
    truth = small["ground_truth"].to_pandas().set_index("customer_id")["latent_type"]
    frame = small[name].to_pandas()
    frame["type"] = frame["customer_id"].map(truth)
    return frame


def test_not_every_customer_has_every_attribute(small: dict[str, pa.Table]) -> None:
    attributes = small["customer_attributes"].to_pandas()
    n = small["customers"].num_rows
    coverage = attributes.groupby("name")["customer_id"].nunique() / n
    assert set(coverage.index) == {
        "interest",
        "crm_stage",
        "survey_satisfaction",
        "social_followers",
    }
    assert coverage["crm_stage"] == 1.0
    assert (
        0.1
        < coverage["social_followers"]
        < coverage["survey_satisfaction"]
        < coverage["interest"]
        < 1
    )


def test_attributes_differ_by_type(small: dict[str, pa.Table]) -> None:
    attributes = _with_type(small, "customer_attributes")
    survey = attributes[attributes["name"] == "survey_satisfaction"]
    score = survey["value"].astype(int).groupby(survey["type"]).mean()
    assert score["loyal_high_spender"] > score["one_and_done"] + 1
    stage = attributes[attributes["name"] == "crm_stage"]
    lead = (stage["value"] == "lead").groupby(stage["type"]).mean()
    assert lead["new_browser"] > 0.6 > 0.05 > lead["steady_regular"]


def test_consents_cover_every_channel_with_some_opt_outs(small: dict[str, pa.Table]) -> None:
    consents = small["consents"].to_pandas()
    assert consents.groupby("customer_id")["channel"].nunique().eq(3).all()
    granted = consents.groupby("channel")["granted"].mean()
    assert 0.5 < granted["email"] < 0.9
    assert granted["sms"] < granted["email"]
    withdrawn = consents[consents["source"] == "preference_centre"]
    assert len(withdrawn) > 0 and not withdrawn["granted"].any()


def test_pii_is_clearly_fake(small: dict[str, pa.Table]) -> None:
    pii = small["customer_pii"].to_pandas()
    assert pii["email"].str.endswith("@example.com").all()
    assert pii["email"].str.match(r"^[a-z.]+[0-9]+@example\.com$").all()
    assert pii["phone"].dropna().str.startswith("+49 555 ").all()
    assert pii["first_name"].notna().all() and pii["last_name"].notna().all()
