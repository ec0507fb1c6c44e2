"""Use case: a synthetic retailer, loaded, segmented, valued and explained, in one call.

``segmint demo`` calls :func:`generate` (the files) and :func:`build` (everything else) and
prints what they return; the API tests build their demo mart the same way. Every step is
one of the other use cases, so the demo shows the numbers a user would get.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from segmint.insight import Migration, SegmentProfile
from segmint.insight.personas import PersonaCard
from segmint.mart import Mart
from segmint.mart.ingest import IngestResult
from segmint.scoring.campaigns import CampaignExistsError, CampaignResults, CreatedCampaign
from segmint.scoring.clv_scores import ScoreRun
from segmint.scoring.option_defaults import MAX_ITER
from segmint.scoring.recommend.store import StoredRun
from segmint.synth import synthesize
from segmint.synth.generator import SynthResult
from segmint.workflows import (
    campaigns,
    clusters,
    clv_score,
    load,
    predict,
    profile,
    recommend,
    segment,
    value,
)
from segmint.workflows.features import refresh_features

DEMO_RULES = "demo_rules"
"""Name the demo's rules segmentation is stored under."""
DEMO_CAMPAIGN = "demo-winback"
"""The campaign the demo designs: lapsing valuable customers, e-mail, 20 % held out."""
WINBACK_SEGMENTS = ("At Risk", "Can't Lose Them")
EARLIER_DAYS = 91
"""The demo stores RFM and lifecycle a quarter before its date too, so that migration
(who moved where) has two dates to compare."""


def demo_rules() -> Path:
    """The shipped rules file of the demo (a few readable segments over features)."""
    return Path(str(resources.files("segmint.workflows").joinpath("demo_rules.yaml")))


def generate(
    data: Path, customers: int, seed: int, on_progress: Callable[[int], None] | None = None
) -> SynthResult:
    """Write a synthetic retailer of ``customers`` customers to the folder ``data``."""
    return synthesize(data, customers, seed=seed, on_progress=on_progress)


@dataclass(frozen=True)
class DemoRun:
    """Everything :func:`build` loaded, stored and computed, in the order it happened."""

    as_of: dt.date
    loads: list[IngestResult]
    segmentations: list[segment.SegmentationRun]
    earlier: list[segment.SegmentationRun]
    migration: Migration
    profiles: list[SegmentProfile]
    clv: ScoreRun
    churn: predict.PredictionRun
    value: value.ValueRun
    clusters: clusters.ClusterRun
    personas: list[PersonaCard]
    recommendations: StoredRun
    campaign: CreatedCampaign | None = None
    measured: CampaignResults | None = None


def build(mart: Mart, data: Path, *, max_iter: int = MAX_ITER) -> DemoRun:
    """Load the folder ``data``, then RFM, lifecycle (also :data:`EARLIER_DAYS` before, and
    the lifecycle migration between the two dates), rules, CLV, churn, value, clusters and
    every customer's recommendations; ``max_iter``: the iteration limit of the CLV fits and
    of the churn model's BTYD baseline."""
    loads = load.load_folder(mart, data)
    day, features = refresh_features(mart)  # built once, used by every segmentation
    runs = [
        segment.run_rfm(mart, day, features=features),
        segment.run_lifecycle(mart, day, features=features),
        segment.run_rules(mart, DEMO_RULES, demo_rules(), day, features=features),
    ]
    earlier = day - dt.timedelta(days=EARLIER_DAYS)
    history = [segment.run_rfm(mart, earlier), segment.run_lifecycle(mart, earlier)]
    moved = profile.migration(mart, "lifecycle", earlier, day)
    profiles = [profile.profile(mart, name) for name in ("rfm", "lifecycle")]
    scored = clv_score.run_clv(mart, max_iter=max_iter)
    churn = predict.run_prediction(mart, "churn", scored.as_of, max_iter=max_iter)
    tiers = value.run_value(mart, scored.as_of, max_iter=max_iter)
    found = clusters.run_clusters(mart, "clusters", options=clusters.ClusterOptions(n_bootstrap=0))
    cards = profile.personas(mart, "clusters")
    recommended = recommend.fit(mart, day)
    created, measured = campaign_step(mart, runs[0])
    return DemoRun(
        day,
        loads,
        runs,
        history,
        moved,
        profiles,
        scored,
        churn,
        tiers,
        found,
        cards,
        recommended,
        created,
        measured,
    )


def campaign_step(
    mart: Mart, rfm: segment.SegmentationRun
) -> tuple[CreatedCampaign | None, CampaignResults | None]:
    """Design the win-back campaign on the RFM segments, and measure the synthetic retailer's
    largest campaign (its files carry campaigns with a known effect)."""
    present = [s for s in WINBACK_SEGMENTS if s in set(rfm.sizes.index.astype(str))]
    created = None
    if present:
        options = campaigns.CreateOptions(
            "rfm", tuple(present), "email", holdout_share=0.2, cost_per_contact=0.05
        )
        try:
            created = campaigns.create(mart, DEMO_CAMPAIGN, options)
        except CampaignExistsError:  # a second demo into the same mart: keep the first split
            created = None
    listed = campaigns.campaigns(mart)
    loaded = listed[(listed.campaign_id != DEMO_CAMPAIGN) & listed.start_date.notna()]
    if loaded.empty:
        return created, None
    largest = str(loaded.sort_values("n_members", ascending=False).campaign_id.iloc[0])
    return created, campaigns.results(mart, largest)
