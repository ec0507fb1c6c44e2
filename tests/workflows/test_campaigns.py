"""The campaign use cases decide what every caller gets by default: the lift a power
calculation is asked for, and how a campaign's dates are read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import segmint
from segmint.exceptions import InputError
from segmint.models.experiments import two_proportion_power
from segmint.scoring.campaigns import NO_COST_NOTE
from segmint.synth import synthesize
from segmint.workflows import campaigns


def test_power_asked_nothing_sizes_for_the_default_lift() -> None:
    asked = campaigns.power(campaigns.PowerOptions(0.02, holdout_share=0.5))
    assert asked.lift == campaigns.DEFAULT_LIFT
    assert asked == two_proportion_power(0.02, campaigns.DEFAULT_LIFT, holdout_share=0.5)
    assert asked.n_per_arm == 80_679  # the published example of two_proportion_power


def test_power_of_an_audience_without_a_lift_is_its_mde_alone() -> None:
    asked = campaigns.power(campaigns.PowerOptions(0.02, n_total=5_000))
    assert (asked.lift, asked.effect, asked.n_per_arm, asked.underpowered) == (
        None,
        None,
        None,
        None,
    )
    assert asked == two_proportion_power(0.02, None, holdout_share=0.1, n_total=5_000)
    with_lift = campaigns.power(campaigns.PowerOptions(0.02, lift=0.2, n_total=5_000))
    assert with_lift.lift == 0.2 and with_lift.mde == asked.mde


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-customer retailer with ``rfm`` stored as of 2025-06-30."""
    folder = tmp_path_factory.mktemp("campaign-workflow")
    synthesize(folder / "data", 300, seed=5)
    with segmint.connect(folder / "shop.duckdb") as ws:
        ws.load(folder / "data")
        ws.segment_rfm(as_of="2025-06-30")
    return folder / "shop.duckdb"


def test_create_reads_its_dates_as_text_dates_or_datetimes(shop: Path) -> None:
    options = campaigns.CreateOptions(
        "rfm",
        ("Champions", "Loyal"),
        "email",
        holdout_share=0.3,
        start="2025-07-03",
        end=dt.datetime(2025, 7, 20, 9, 30),
        as_of=dt.date(2025, 6, 30),
    )
    with segmint.connect(shop) as mart:
        created = campaigns.create(mart, "dated", options)
        for name, value in (("start", "3 July"), ("end", "2025-13-01")):
            bad = campaigns.CreateOptions("rfm", ("Champions",), "email", **{name: value})
            with pytest.raises(InputError, match=rf"^{name} must be a date written YYYY-MM-DD"):
                campaigns.create(mart, "bad", bad)
        listed = campaigns.campaigns(mart).set_index("campaign_id")
    assert (created.start, created.end) == (dt.date(2025, 7, 3), dt.date(2025, 7, 20))
    assert created.segments_as_of == dt.date(2025, 6, 30)
    assert listed.loc["dated", "start_date"] == dt.date(2025, 7, 3)
    assert "bad" not in listed.index


def test_create_without_a_cost_leaves_it_unknown_for_the_results(shop: Path) -> None:
    """A cost not given is unknown (the results note it), not 0; 0 given is free contacts."""
    assert campaigns.CreateOptions("rfm", ("Champions",), "email").cost_per_contact is None
    with segmint.connect(shop) as mart:
        for name, cost in (("unpriced", None), ("free", 0.0)):
            options = campaigns.CreateOptions(
                "rfm", ("Champions", "Loyal"), "email", holdout_share=0.3, cost_per_contact=cost
            )
            campaigns.create(mart, name, options)
        unpriced = campaigns.results(mart, "unpriced", campaigns.ResultsOptions())
        free = campaigns.results(mart, "free", campaigns.ResultsOptions())
        priced = campaigns.results(
            mart, "unpriced", campaigns.ResultsOptions(cost_per_contact=0.25)
        )
    assert NO_COST_NOTE in unpriced.notes
    assert NO_COST_NOTE not in free.notes and free.economics.cost_per_contact == 0.0
    assert NO_COST_NOTE not in priced.notes and priced.economics.cost_per_contact == 0.25
