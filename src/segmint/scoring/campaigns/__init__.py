"""Campaigns on mart data: audiences, deterministic control groups, measured lift.

- :func:`create_campaign`: eligible audience (segments, consent, suppression), split
  into target and control per stratum from a sha256 prefix, written once.
- :func:`select_by_uplift`: the share of an audience a past campaign changed the most.
- :func:`track_campaigns`: every campaign measured, with its response curves.
- :func:`campaign_results`: each member's outcomes in the response window and the
  pre-period, lifts with Welch, bootstrap and CUPED intervals, sample-ratio check,
  per-segment lifts with Benjamini–Hochberg, ROI after contact costs, contamination.

The statistics live in :mod:`segmint.models.experiments`; this package only reads and
writes the mart (Ibis expressions, no SQL text).
"""

from segmint.scoring.campaigns.assignment import assign, assignment_key
from segmint.scoring.campaigns.audience import (
    Audience,
    AudienceCounts,
    eligible_audience,
)
from segmint.scoring.campaigns.create import (
    CampaignDesign,
    CampaignExistsError,
    CreatedCampaign,
    StratumGroups,
    create_campaign,
)
from segmint.scoring.campaigns.exclusions import SUPPRESSIONS_TABLE, consenting, not_suppressed
from segmint.scoring.campaigns.measure import NO_COST_NOTE, campaign_results
from segmint.scoring.campaigns.outcomes import MemberOutcomes, Window, member_outcomes
from segmint.scoring.campaigns.results import (
    CampaignResults,
    MetricLift,
    SegmentLift,
    SegmentMetric,
)
from segmint.scoring.campaigns.tracking import (
    CampaignTracking,
    ResponseCurve,
    TrackedCampaign,
    campaign_list,
    response_curve,
    track_campaigns,
)
from segmint.scoring.campaigns.uplift_selection import (
    UpliftSelection,
    parse_share,
    select_by_uplift,
)
from segmint.scoring.option_defaults import MIN_SEGMENT_SIZE

__all__ = [
    "MIN_SEGMENT_SIZE",
    "NO_COST_NOTE",
    "SUPPRESSIONS_TABLE",
    "Audience",
    "AudienceCounts",
    "CampaignDesign",
    "CampaignExistsError",
    "CampaignResults",
    "CampaignTracking",
    "CreatedCampaign",
    "MemberOutcomes",
    "MetricLift",
    "ResponseCurve",
    "SegmentLift",
    "SegmentMetric",
    "StratumGroups",
    "TrackedCampaign",
    "UpliftSelection",
    "Window",
    "assign",
    "assignment_key",
    "campaign_list",
    "campaign_results",
    "consenting",
    "create_campaign",
    "eligible_audience",
    "member_outcomes",
    "not_suppressed",
    "parse_share",
    "response_curve",
    "select_by_uplift",
    "track_campaigns",
]
