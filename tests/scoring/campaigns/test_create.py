"""Creating a campaign: one transaction, reproducible split per stratum, never redrawn."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.models.experiments import assign_groups
from segmint.scoring.campaigns import (
    NO_COST_NOTE,
    CampaignDesign,
    CampaignExistsError,
    campaign_results,
    create_campaign,
)
from segmint.scoring.campaigns.create import audience_baseline, default_seed

from .conftest import SEGMENTS_AS_OF, copy_of

DESIGN = CampaignDesign(
    name="winback-2025",
    segmentation="latent",
    segments=("bargain_hunter", "new_browser", "steady_regular"),
    channel="email",
    holdout_share=0.2,
    cost_per_contact=0.05,
)
NOW = dt.datetime(2025, 1, 2, 9, 30)


def _members(mart: Mart, campaign_id: str = DESIGN.name) -> Any:
    members = mart.table("campaign_members")
    mine = members.filter(members.campaign_id == campaign_id)
    return mine.order_by("customer_id").execute()


def test_writes_the_campaign_and_its_members(synthetic: Mart) -> None:
    created = create_campaign(synthetic, DESIGN, now=NOW)
    members = _members(synthetic)
    assert len(members) == created.counts.n_eligible == created.n_target + created.n_control
    assert set(members["group"]) == {"target", "control"}
    assert (members["assigned_at"] == NOW).all()
    for stratum in created.strata:
        size = stratum.n_target + stratum.n_control
        assert abs(stratum.n_control - 0.2 * size) < 1.0
    row = synthetic.table("campaigns").filter(lambda t: t.campaign_id == DESIGN.name).execute()
    assert row["holdout_share"].iloc[0] == 0.2 and row["cost_per_contact"].iloc[0] == 0.05
    assert pd.Timestamp(row["start_date"].iloc[0]).date() == SEGMENTS_AS_OF + dt.timedelta(days=1)
    assert f"seed {default_seed(DESIGN.name)}" in row["description"].iloc[0]
    assert created.as_dict()["groups"] == {"target": created.n_target, "control": created.n_control}


def test_a_segment_named_twice_is_targeted_once(synthetic: Mart) -> None:
    twice = CampaignDesign(**{**DESIGN.__dict__, "segments": ("new_browser", "new_browser")})
    created = create_campaign(synthetic, twice, now=NOW)
    members = _members(synthetic)
    assert members["customer_id"].is_unique
    assert len(members) == created.counts.n_eligible == created.n_target + created.n_control
    row = synthetic.table("campaigns").filter(lambda t: t.campaign_id == DESIGN.name).execute()
    assert row["description"].iloc[0].startswith("Segments new_browser of latent;")


def test_the_split_is_the_documented_rule(synthetic: Mart) -> None:
    created = create_campaign(synthetic, DESIGN, now=NOW)
    members = _members(synthetic)
    labels = synthetic.table("assignments").execute().set_index("customer_id")["segment"]
    strata = [labels[c] for c in members["customer_id"]]
    expected = assign_groups(list(members["customer_id"]), 0.2, created.random_state, strata)
    assert np.array_equal(members["group"].to_numpy() == "control", expected)


def test_the_same_design_gives_the_same_split_on_another_copy(
    synthetic: Mart, retailer_template: Path, tmp_path: Path
) -> None:
    create_campaign(synthetic, DESIGN, now=NOW)
    (tmp_path / "other").mkdir()
    with copy_of(retailer_template, tmp_path / "other") as other:
        create_campaign(other, DESIGN, now=NOW)
        assert _members(other).equals(_members(synthetic))
        reseeded = CampaignDesign(**{**DESIGN.__dict__, "name": "other", "random_state": 99})
        create_campaign(other, reseeded, now=NOW)
        assert not np.array_equal(_members(other, "other")["group"], _members(other)["group"])


def test_an_existing_campaign_is_never_redrawn(synthetic: Mart) -> None:
    create_campaign(synthetic, DESIGN, now=NOW)
    before = _members(synthetic)
    other_seed = CampaignDesign(**{**DESIGN.__dict__, "random_state": 7})
    with pytest.raises(CampaignExistsError, match="never redrawn"):
        create_campaign(synthetic, other_seed, now=NOW)
    assert _members(synthetic).equals(before)
    with pytest.raises(CampaignExistsError, match="'K001' already exists"):
        create_campaign(synthetic, CampaignDesign(**{**DESIGN.__dict__, "name": "K001"}))


def test_a_failed_write_leaves_nothing(synthetic: Mart, monkeypatch: pytest.MonkeyPatch) -> None:
    insert = synthetic.con.insert

    def failing(name: str, obj: Any, **kwargs: Any) -> Any:
        if name == "campaign_members":
            raise RuntimeError("disk full")
        return insert(name, obj, **kwargs)

    monkeypatch.setattr(synthetic.con, "insert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        create_campaign(synthetic, DESIGN, now=NOW)
    monkeypatch.undo()
    campaigns = synthetic.table("campaigns")
    assert campaigns.filter(campaigns.campaign_id == DESIGN.name).count().execute() == 0
    assert len(_members(synthetic)) == 0


def test_power_from_the_audience_history(synthetic: Mart) -> None:
    small = CampaignDesign(**{**DESIGN.__dict__, "segments": ("loyal_high_spender",)})
    created = create_campaign(synthetic, small, now=NOW)
    assert created.power is not None and created.baseline_rate is not None
    assert created.power.n_total == created.n_target + created.n_control
    assert created.power.underpowered is True
    assert any(note.startswith("underpowered") for note in created.notes)


def test_the_power_speaks_of_the_groups_written(synthetic: Mart) -> None:
    """Each stratum holds out its share to within one, so the groups need not be the
    audience's total times the holdout (Online Retail's At Risk and Hibernating at 10 %:
    449 and 49, where 498 x 0.1 rounds to 50). The power is that of the groups written."""
    segments = ("loyal_high_spender", "bargain_hunter", "new_browser", "steady_regular")
    for n, holdout in enumerate((0.1, 0.15, 0.3, 0.35, 0.45)):
        design = CampaignDesign(
            **{
                **DESIGN.__dict__,
                "name": f"split-{n}",
                "segments": segments[: 2 + n % 3],
                "holdout_share": holdout,
            }
        )
        created = create_campaign(synthetic, design, now=NOW)
        assert created.power is not None
        assert (created.power.n_target, created.power.n_control) == (
            created.n_target,
            created.n_control,
        ), holdout


def test_a_campaign_created_without_a_cost_stores_it_as_unknown(synthetic: Mart) -> None:
    """No cost is not a cost of zero: NULL, as a campaign loaded without one, so the
    results note it; 0 given (as every campaign created without a cost used to store) means
    free contacts: the return is computed on them without a note."""
    unknown = CampaignDesign(**{**DESIGN.__dict__, "name": "unknown", "cost_per_contact": None})
    free = CampaignDesign(**{**DESIGN.__dict__, "name": "free", "cost_per_contact": 0.0})
    assert CampaignDesign("d", "latent", ("new_browser",), "email").cost_per_contact is None
    for design in (unknown, free):
        create_campaign(synthetic, design, now=NOW)
    stored = synthetic.table("campaigns").execute().set_index("campaign_id").cost_per_contact
    assert pd.isna(stored["unknown"]) and stored["free"] == 0.0
    measured = campaign_results(synthetic, "unknown")
    assert NO_COST_NOTE in measured.notes and measured.economics.contact_cost == 0.0
    measured = campaign_results(synthetic, "free")
    assert NO_COST_NOTE not in measured.notes
    assert measured.economics.contact_cost == 0.0 and measured.economics.cost_per_contact == 0.0
    assert measured.economics.basis == "margin"  # the synthetic products have costs
    assert measured.economics.net_return == pytest.approx(measured.economics.incremental_margin)


def test_a_created_campaign_passes_its_sample_ratio_check(synthetic: Mart) -> None:
    created = create_campaign(synthetic, DESIGN, now=NOW)
    results = campaign_results(synthetic, DESIGN.name)
    assert results.n_target == created.n_target and results.srm is not None
    assert not results.srm.mismatch and results.holdout_share == 0.2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": " padded "}, "campaign name must be"),
        (
            {"holdout_share": 0.0},
            r"got 0\.0\. Set holdout_share to the share of the audience to hold out as control",
        ),
        (
            {"random_state": -1},
            r"whole number; got -1\. Set random_state to 0 or more, or leave it out",
        ),
        ({"cost_per_contact": -1.0}, "cost per contact must be 0 or more"),
        ({"cost_per_contact": float("inf")}, r"cost per contact must be 0 or more .*got inf"),
        ({"start": dt.date(2025, 2, 1), "end": dt.date(2025, 1, 1)}, "ends .* before it starts"),
        (
            {"select_share": 0.3},
            r"got a share but no campaign\. Give select_share with select_from, or neither\.$",
        ),
        ({"select_from": "K003"}, r"got a campaign but no share\. Give select_share with"),
    ],
)
def test_bad_designs_are_explained(synthetic: Mart, change: dict[str, Any], message: str) -> None:
    with pytest.raises((InputError, ValueError), match=message):
        create_campaign(synthetic, CampaignDesign(**{**DESIGN.__dict__, **change}))


@pytest.mark.parametrize(
    ("holdout", "message"),
    [
        (1e-6, r"would have [\d,]+ target and 0 control members.*Raise holdout_share \(2 of"),
        (1 - 1e-6, r"would have 0 target and [\d,]+ control members.*Lower holdout_share \(2 of"),
    ],
)
def test_a_split_too_small_to_measure_is_refused_before_writing(
    synthetic: Mart, holdout: float, message: str
) -> None:
    lopsided = CampaignDesign(**{**DESIGN.__dict__, "holdout_share": holdout})
    with pytest.raises(InputError, match=message):
        create_campaign(synthetic, lopsided, now=NOW)
    campaigns = synthetic.table("campaigns")
    assert campaigns.filter(campaigns.campaign_id == DESIGN.name).count().execute() == 0
    assert len(_members(synthetic)) == 0
    create_campaign(synthetic, DESIGN, now=NOW)  # the name is still free


@pytest.mark.parametrize("start", [SEGMENTS_AS_OF, SEGMENTS_AS_OF - dt.timedelta(days=400)])
def test_a_start_not_after_the_segments_date_is_refused(synthetic: Mart, start: dt.date) -> None:
    early = CampaignDesign(**{**DESIGN.__dict__, "start": start})
    with pytest.raises(
        InputError, match=f"would start on {start}, not after its segments' date"
    ) as why:
        create_campaign(synthetic, early, now=NOW)
    assert str(why.value).endswith(  # from Python, the advice names the arguments
        f"Give a start after {SEGMENTS_AS_OF} (the default is "
        f"{SEGMENTS_AS_OF + dt.timedelta(days=1)}), or pick segments stored before the start "
        "with as_of."
    )
    campaigns = synthetic.table("campaigns")
    assert campaigns.filter(campaigns.campaign_id == DESIGN.name).count().execute() == 0
    assert len(_members(synthetic)) == 0


def test_an_audience_nobody_may_contact(synthetic: Mart) -> None:
    nobody = CampaignDesign(**{**DESIGN.__dict__, "channel": "post"})
    with pytest.raises(InputError, match=r"would reach 0 customer.*lack consent for post") as why:
        create_campaign(synthetic, nobody)
    assert "records no consent for post: load them with `segmint ingest consents" in str(why.value)
    assert synthetic.table("consents").count().execute() > 0  # for other channels


def test_an_audience_that_withdrew_is_not_told_to_load_consents(synthetic: Mart) -> None:
    synthetic.raw.execute(  # every e-mail consent withdrawn a second after the latest change
        "INSERT INTO consents (customer_id, channel, granted, updated_at) "
        "SELECT customer_id, channel, false, (SELECT max(updated_at) FROM consents) "
        "+ INTERVAL 1 SECOND FROM consents WHERE channel = 'email' GROUP BY ALL"
    )
    with pytest.raises(InputError, match=r"would reach 0 customer") as why:
        create_campaign(synthetic, DESIGN)
    assert "records no consent" not in str(why.value)


def test_the_baseline_is_the_audience_s_response_per_window_over_a_year(tiny: Mart) -> None:
    # 26 windows of 14 days end on 24 March 2024; purchases (customer, window): c1 in 24 and
    # 25, c2 in 24 and 25, c4 in 25 (a return still counts), c5 in 23 and 24; c3's order
    # was cancelled, c6 never bought
    members = tiny.table("customers").select("customer_id")
    rate = audience_baseline(tiny, members, dt.date(2024, 3, 24), 14)
    assert rate == pytest.approx(7 / (6 * 26))
