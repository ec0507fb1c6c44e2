"""Use case: bring everything stored to a new date after a load, in one run.

``segmint refresh`` applies the stored retention policy, brings the orders' totals up to
date (:mod:`segmint.features.order_totals`: after an erasure, say), stores the features as
of the day
(the purchase groups brought forward for the customers whose orders changed, see
:mod:`segmint.features.part_store`), then re-runs every stored segmentation from its stored
definition on those features: RFM, lifecycle and rules; the stored cluster models are
applied, not refitted; churn and intent are scored with their stored models while those
are younger than their horizon (retrained otherwise) and CLV with the stored fit
(:func:`segmint.workflows.predict.refresh_scores`); value tiers are ranked on the new
CLV scores. A running dashboard sees the new dates when the mart is published on close and
warms its figures again (:class:`segmint.views.warmup.Warmer`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import yaml

from segmint.exceptions import SegmintError
from segmint.features import StoredFeatures, load_features, order_totals, store_features
from segmint.features.asof import AsOf, checked_as_of
from segmint.mart import Mart
from segmint.mart.privacy.retention import RetentionResult
from segmint.scoring.option_defaults import MAX_ITER
from segmint.segmentation import store
from segmint.segmentation.rfm import SegmentRule
from segmint.workflows.clusters import assign_clusters
from segmint.workflows.predict import ScoreRefresh, refresh_scores
from segmint.workflows.privacy import apply_stored_retention
from segmint.workflows.segment import rerun_lifecycle, run_rfm, run_rules
from segmint.workflows.value import run_value

Step = Callable[[str], None]

FEATURE_KINDS = ("rfm", "lifecycle", "rules", "cluster")
"""Segmentation kinds computed from the features, refreshed in this order (rules may name
the others)."""


@dataclass(frozen=True)
class RefreshRun:
    """What a refresh stored.

    Attributes:
        as_of: the new date.
        features: the feature table stored as of it.
        segmentations: name → kind of every segmentation stored again as of the date.
        skipped: name → why it was not (a kind refresh does not know, a missing model…).
        scores: the churn, intent and CLV scores (None when scoring failed: see skipped).
        retention: what the stored retention policy deleted first (None: no policy).
    """

    as_of: dt.date
    features: StoredFeatures
    segmentations: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    scores: ScoreRefresh | None = None
    retention: RetentionResult | None = None


def refresh(
    mart: Mart,
    as_of: AsOf | None = None,
    step: Step | None = None,
    *,
    strict: bool = False,
    max_iter: int = MAX_ITER,
) -> RefreshRun:
    """Bring every stored segmentation and score to ``as_of`` (default: the last day with
    orders); see the module docstring for the order. ``strict``: the scores are skipped,
    saying why, rather than fitted past a BTYD baseline's boundary maximum. ``max_iter``:
    the iteration limit of every fit the run makes (the BTYD baselines of churn and intent
    models trained again, the churn risk of value tiers when none is stored)."""
    say = step or (lambda _: None)
    say("applying the retention policy")
    retention = apply_stored_retention(mart, history=True)
    say("totalling the orders")
    order_totals.keep(mart)
    day = checked_as_of(mart, as_of)
    stored = store_features(mart, day, step=say)
    features = load_features(mart, day)
    run = RefreshRun(day, stored, retention=retention)
    catalogue = store.segmentations(mart).execute()
    kinds = dict(zip(catalogue.segmentation, catalogue.kind, strict=True))
    for kind in FEATURE_KINDS:
        for name in sorted(n for n, k in kinds.items() if k == kind):
            say(f"segmentation {name} ({kind})")
            _rerun(mart, run, name, kind, features)
    say("churn, intent and CLV scores")
    try:
        scores = refresh_scores(mart, day, features=features, strict=strict, max_iter=max_iter)
    except SegmintError as exc:
        run.skipped["scores"] = str(exc)
        scores = None
    for name in sorted(n for n, k in kinds.items() if k == "value"):
        say(f"value tiers {name}")
        _rerun(mart, run, name, "value", features, max_iter)
    others = {n: k for n, k in kinds.items() if k not in (*FEATURE_KINDS, "value")}
    for name, kind in others.items():
        run.skipped[name] = f"kind '{kind}' is refreshed by its own command"
    return RefreshRun(day, stored, run.segmentations, run.skipped, scores, retention)


def _rerun(
    mart: Mart,
    run: RefreshRun,
    name: str,
    kind: str,
    features: ibis.Table,
    max_iter: int = MAX_ITER,
) -> None:
    """Store ``name`` again as of the run's date from its stored definition (value tiers
    fitting their churn risk, if any, with the iteration limit ``max_iter``); a failure is
    recorded in ``run.skipped`` and the refresh goes on."""
    definition = store.definition(mart, name).definition
    day = run.as_of
    try:
        if kind == "rfm":
            segment_map = [
                SegmentRule(m["name"], tuple(m["r"]), tuple(m["fm"]), m.get("action", ""))
                for m in definition["map"]
            ]
            run_rfm(
                mart,
                day,
                bins=definition["bins"],
                name=name,
                features=features,
                segment_map=segment_map,
            )
        elif kind == "lifecycle":
            rerun_lifecycle(
                mart, day, name=name, stored=definition["thresholds"], features=features
            )
        elif kind == "rules":
            run_rules(mart, name, yaml.safe_dump(definition), day, features=features)
        elif kind == "cluster":
            assign_clusters(mart, name, day, table=features)
        else:
            run_value(
                mart,
                day,
                model=definition["model"],
                cuts=tuple(definition["cuts"]),
                name=name,
                max_iter=max_iter,
            )
    except SegmintError as exc:
        run.skipped[name] = str(exc)
        return
    run.segmentations[name] = kind
