"""The typed results of measuring a campaign, and their JSON shape.

``CampaignResults.as_dict()`` is what ``segmint campaign results NAME --format json``
prints and what the API returns::

    {"campaign_id": "mens-email",
     "window": {"start": "2008-03-03", "end": "2008-03-16", "pre_start": "2007-03-04"},
     "groups": {"target": 21307, "control": 21306},
     "holdout_share": 0.5, "srm_p": 0.996, "srm_mismatch": false,
     "lift": {"revenue_per_member": {"target": 1.42, "control": 0.65, "abs": 0.7698,
                                     "rel": 1.18, "ci95": [0.4851, 1.0545],
                                     "rel_ci95": [...], "bootstrap_ci95": [...],
                                     "p_value": 1.2e-07, "cuped_abs": ..., "cuped_ci95": [...],
                                     "cuped_variance_reduction": 0.0004}, ...},
     "segments": [{"segment": "1", "n_target": 11739, "n_control": 11787, "measured": true,
                   "lift": {"conversion": {"abs": ..., "ci95": [...], "p_value": ...,
                                           "q_value": ..., "significant": true}, ...}}],
     "economics": {"n_contacted": ..., "contact_cost": ..., "incremental_revenue": ...,
                   "incremental_revenue_ci95": [...], ..., "roi": ..., "roi_ci95": [...]},
     "compliance": {"reach_rate": ..., "contamination_rate": ..., ...} | null,
     "notes": ["..."]}

Numbers are plain floats (not rounded), intervals two-element lists, absent values null.
``roi`` is the ratio everywhere (here inside ``economics``, in a tracking row beside
``roi_low`` and ``roi_high``); the object of contacts, costs and incremental money that
holds it is ``economics``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from segmint.models.experiments import (
    BootstrapInterval,
    CampaignReturn,
    Compliance,
    CupedDifference,
    Difference,
    SampleRatioCheck,
)

METRIC_NAMES = {
    "conversion": "conversion",
    "orders": "orders_per_member",
    "revenue": "revenue_per_member",
    "margin": "margin_per_member",
    "visit": "visit",
}
"""Outcome column → the metric's name in the results (conversion is "any purchase")."""


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _interval(interval: tuple[float, float] | None) -> list[float | None] | None:
    return None if interval is None else [_number(interval[0]), _number(interval[1])]


@dataclass(frozen=True)
class MetricLift:
    """One metric's lift: plain (Welch), bootstrap and CUPED."""

    metric: str
    welch: Difference
    bootstrap: BootstrapInterval
    cuped: CupedDifference

    def as_dict(self) -> dict[str, Any]:
        """The metric's JSON object."""
        return {
            "target": _number(self.welch.mean_target),
            "control": _number(self.welch.mean_control),
            "abs": _number(self.welch.absolute),
            "rel": _number(self.welch.relative),
            "ci95": _interval(self.welch.ci),
            "rel_ci95": _interval(self.welch.relative_ci),
            "bootstrap_ci95": _interval(self.bootstrap.ci),
            "bootstrap_rel_ci95": _interval(self.bootstrap.relative_ci),
            "p_value": _number(self.welch.p_value),
            "cuped_abs": _number(self.cuped.adjusted.absolute),
            "cuped_ci95": _interval(self.cuped.adjusted.ci),
            "cuped_theta": _number(self.cuped.theta),
            "cuped_correlation": _number(self.cuped.correlation),
            "cuped_variance_reduction": _number(self.cuped.variance_reduction),
        }


@dataclass(frozen=True)
class SegmentMetric:
    """A metric's lift inside one segment, with its Benjamini–Hochberg q-value."""

    difference: Difference
    q_value: float

    def as_dict(self) -> dict[str, Any]:
        """The segment metric's JSON object."""
        return {
            "target": _number(self.difference.mean_target),
            "control": _number(self.difference.mean_control),
            "abs": _number(self.difference.absolute),
            "rel": _number(self.difference.relative),
            "ci95": _interval(self.difference.ci),
            "p_value": _number(self.difference.p_value),
            "q_value": _number(self.q_value),
            "significant": self.q_value < 0.05,
        }


@dataclass(frozen=True)
class SegmentLift:
    """The lifts in one segment; ``measured`` is False below the minimum group size."""

    segment: str
    n_target: int
    n_control: int
    measured: bool
    lift: dict[str, SegmentMetric]

    def as_dict(self) -> dict[str, Any]:
        """The segment's JSON object."""
        return {
            "segment": self.segment,
            "n_target": self.n_target,
            "n_control": self.n_control,
            "measured": self.measured,
            "lift": {name: metric.as_dict() for name, metric in self.lift.items()},
        }


@dataclass(frozen=True)
class CampaignResults:
    """Everything measured about one campaign.

    Attributes:
        campaign: the campaign id.
        start, end, pre_start: response window ``[start, end)`` and pre-period start.
        n_target, n_control: members by assigned group.
        holdout_share: the control share planned (None when the campaign has none).
        srm: sample-ratio check against ``holdout_share`` (None without a plan).
        lift: per metric name (``conversion``, ``revenue_per_member``…).
        segment_by: what the segments are (``segmentation:NAME`` or ``attribute:NAME``).
        segments: per-segment lifts with BH q-values.
        economics: contacts, their cost, the incremental money and the return on the
            costs (``economics.roi``, the ratio), as the JSON's ``economics``.
        compliance: reach and contamination (None when no event names the campaign).
        notes: plain-language caveats (mismatch, unknown margins, skipped checks).
        n_resamples, random_state: the bootstrap's resamples and seed: the same data,
            options and seed give the same intervals.
    """

    campaign: str
    start: dt.date
    end: dt.date
    pre_start: dt.date
    n_target: int
    n_control: int
    holdout_share: float | None
    srm: SampleRatioCheck | None
    lift: dict[str, MetricLift]
    segment_by: str | None
    segments: tuple[SegmentLift, ...]
    economics: CampaignReturn
    compliance: Compliance | None
    notes: tuple[str, ...]
    n_resamples: int = 2_000
    random_state: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the results (see the module docstring)."""
        return {
            "campaign_id": self.campaign,
            "window": {
                "start": self.start.isoformat(),
                "end": (self.end - dt.timedelta(days=1)).isoformat(),
                "pre_start": self.pre_start.isoformat(),
            },
            "groups": {"target": self.n_target, "control": self.n_control},
            "holdout_share": self.holdout_share,
            "srm_p": None if self.srm is None else _number(self.srm.p_value),
            "srm_mismatch": None if self.srm is None else self.srm.mismatch,
            "lift": {name: lift.as_dict() for name, lift in self.lift.items()},
            "segment_by": self.segment_by,
            "segments": [segment.as_dict() for segment in self.segments],
            "economics": _economics(self.economics),
            "compliance": None if self.compliance is None else _compliance(self.compliance),
            "notes": list(self.notes),
            "bootstrap": {"n_resamples": self.n_resamples, "random_state": self.random_state},
        }


def _economics(economics: CampaignReturn) -> dict[str, Any]:
    """The campaign's economics: contacts, their cost, incremental money, net return and the
    ROI ratio (``roi``, a number, as in the tracking rows)."""
    return {
        "n_contacted": economics.n_contacted,
        "cost_per_contact": economics.cost_per_contact,
        "contact_cost": economics.contact_cost,
        "incremental_revenue": _number(economics.incremental_revenue),
        "incremental_revenue_ci95": _interval(economics.incremental_revenue_ci),
        "incremental_margin": _number(economics.incremental_margin),
        "incremental_margin_ci95": _interval(economics.incremental_margin_ci),
        "basis": economics.basis,
        "net_return": _number(economics.net_return),
        "net_return_ci95": _interval(economics.net_return_ci),
        "roi": _number(economics.roi),
        "roi_ci95": _interval(economics.roi_ci),
    }


def _compliance(compliance: Compliance) -> dict[str, Any]:
    return {
        "target_reached": compliance.target_reached,
        "control_reached": compliance.control_reached,
        "reach_rate": _number(compliance.reach_rate),
        "contamination_rate": _number(compliance.contamination_rate),
        "itt_effect": _number(compliance.itt_effect),
        "complier_effect": _number(compliance.complier_effect),
    }
