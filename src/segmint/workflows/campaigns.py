"""Use cases of campaigns: design, power, send list, results, list and tracking.

``segmint campaign create|power|export|results|list``, the campaign tracking page and API,
the report's tracking section and :class:`segmint.workspace.Workspace` call these
functions; the work is done by :mod:`segmint.scoring.campaigns` (mart side) and
:mod:`segmint.models.experiments` (statistics), so every service gives the same numbers.

- :func:`create`: the eligible audience (segments, consent, suppression), optionally its
  uplift top share, split into target and control per stratum and written once; the
  group sizes per stratum and the power of this audience from its own history. Its
  dates are parsed here (a date, a datetime or ``YYYY-MM-DD`` text), so the CLI and
  Python give them the same way.
- :func:`power`: members needed for a lift, or the minimum detectable effect of an audience
  (the lift to detect is +10 % when neither a lift nor an audience size is given).
- :func:`export`: the target group that may be contacted now, as a file with a manifest.
- :func:`results`: lifts with Welch, bootstrap and CUPED intervals, SRM, segments, ROI.
- :func:`campaigns` and :func:`tracking`: every campaign, and every campaign measured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from segmint.exceptions import AdvisedInputError
from segmint.features.asof import EXAMPLE_DAY, AsOf, check_as_of, parse_as_of
from segmint.mart import Mart, privacy
from segmint.models.experiments import PowerResult, two_proportion_power
from segmint.scoring.campaigns import (
    MIN_SEGMENT_SIZE,
    CampaignDesign,
    CampaignResults,
    CampaignTracking,
    CreatedCampaign,
    campaign_list,
    campaign_results,
    create_campaign,
    track_campaigns,
)
from segmint.scoring.campaigns.send import Manifest, send_list, write_send_list
from segmint.scoring.campaigns.tracking import TRACKING_RESAMPLES
from segmint.scoring.campaigns.uplift_selection import UpliftOutcome
from segmint.scoring.option_defaults import DEFAULT_WINDOW_DAYS

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_LIFT = 0.10
"""The relative lift a campaign is sized for unless told otherwise (+10 %)."""


@dataclass(frozen=True)
class CreateOptions:
    """How ``segmint campaign create`` designs a campaign (see :class:`CampaignDesign`).

    Attributes:
        segmentation, segments: who is targeted (stored segments).
        channel: the contact channel; consent for it is required.
        holdout_share: share of each stratum held out as control (``--holdout-share``).
        stratify_by: segmentation whose segments are the strata (default: the targeted one).
        random_state: seed of the split (``--seed``; default: derived from the name).
        start, end: the campaign's days (default: from the day after the segments' date);
            a date, a datetime or ``YYYY-MM-DD`` text, as ``as_of``.
        cost_per_contact: for ROI; None (the default) stores it as unknown, and the
            results then note that ROI counted the contacts as free; 0 means they were.
        as_of: date of the stored segments (default: the latest); checked against the
            orders as every as-of date is.
        expected_lift: relative lift the power at creation is computed for.
        window_days: response window.
        select_share, select_from, select_outcome: keep only the uplift top share, learnt
            from a measured campaign (the ``uplift-top`` share with ``--from-campaign``).
    """

    segmentation: str
    segments: tuple[str, ...]
    channel: str
    holdout_share: float = 0.1
    stratify_by: str | None = None
    random_state: int | None = None
    start: AsOf | None = None
    end: AsOf | None = None
    cost_per_contact: float | None = None
    as_of: AsOf | None = None
    expected_lift: float = DEFAULT_LIFT
    window_days: int = DEFAULT_WINDOW_DAYS
    select_share: float | None = None
    select_from: str | None = None
    select_outcome: UpliftOutcome = "conversion"


def create(
    mart: Mart, name: str, options: CreateOptions, *, now: dt.datetime | None = None
) -> CreatedCampaign:
    """Create campaign ``name``: audience, split, written once (never redrawn).

    Raises:
        CampaignExistsError: a campaign of that name exists.
        InputError: a bad design, a date that is not one, or nobody eligible.
        MartError: the segmentation is not stored.
    """
    o = options
    as_of = None if o.as_of is None else check_as_of(mart, parse_as_of(o.as_of))
    design = CampaignDesign(
        name=name,
        segmentation=o.segmentation,
        segments=o.segments,
        channel=o.channel,
        holdout_share=o.holdout_share,
        stratify_by=o.stratify_by,
        random_state=o.random_state,
        start=_day(o.start, "start"),
        end=_day(o.end, "end"),
        cost_per_contact=o.cost_per_contact,
        as_of=as_of,
        expected_lift=o.expected_lift,
        window_days=o.window_days,
        select_share=o.select_share,
        select_from=o.select_from,
        select_outcome=o.select_outcome,
    )
    return create_campaign(mart, design, now=now)


def _day(value: AsOf | None, name: str) -> dt.date | None:
    """The campaign's day ``name`` (``start``, ``end``), or None when it was not given."""
    return None if value is None else parse_as_of(value, name, f"{name}='{EXAMPLE_DAY}'")


@dataclass(frozen=True)
class PowerOptions:
    """What ``segmint campaign power`` is asked.

    Attributes:
        baseline_rate: the response rate without the campaign.
        lift: relative lift to detect; None: only the MDE of ``n_total``, or
            :data:`DEFAULT_LIFT` when no ``n_total`` is given either.
        holdout_share: control share (``--holdout-share``).
        n_total: the audience size, when known (then its split and MDE; ``--audience``).
        cuped_correlation: pre-period correlation CUPED would use (0: none).
        alpha, power: the test's level and power.
    """

    baseline_rate: float
    lift: float | None = None
    holdout_share: float = 0.1
    n_total: int | None = None
    cuped_correlation: float = 0.0
    alpha: float = 0.05
    power: float = 0.8


def power(options: PowerOptions) -> PowerResult:
    """Members needed to detect ``lift`` at ``baseline_rate``, or the MDE of ``n_total``
    (asked neither, the members needed for :data:`DEFAULT_LIFT`).

    Raises:
        InputError: a holdout share outside (0, 1); the advice names the option as the
            caller spells it.
        ModelInputError: other rates or shares outside (0, 1).
    """
    o = options
    _holdout_share(o.holdout_share, "the share of the audience to hold out as control")
    return two_proportion_power(
        o.baseline_rate,
        DEFAULT_LIFT if o.lift is None and o.n_total is None else o.lift,
        holdout_share=o.holdout_share,
        n_total=o.n_total,
        alpha=o.alpha,
        power=o.power,
        cuped_correlation=o.cuped_correlation,
    )


def export(
    mart: Mart,
    name: str,
    out: Path,
    *,
    fmt: str | None = None,
    now: dt.datetime | None = None,
    actor: str | None = None,
) -> Manifest:
    """Write campaign ``name``'s send list (consent read now, suppression applied) to ``out``.

    The file is registered as an export (who is in it), so that erasing one of its members
    lists it for purging, and the registration writes an audit entry.

    Raises:
        MartError: no such campaign, or it has no channel.
        InputError: an unknown format.
    """
    send = send_list(mart, name, now=now)
    manifest = write_send_list(send, out, fmt=fmt)
    privacy.register_export(
        mart,
        manifest.path.resolve(),
        "campaign",
        actor=actor or privacy.cli_actor(),
        description=f"send list of campaign {name}",
        members=send.rows,
        n_rows=send.n_exported,
        details={**send.counts(), "channel": send.channel},
    )
    return manifest


@dataclass(frozen=True)
class ResultsOptions:
    """How ``segmint campaign results`` measures.

    Attributes:
        window_days: days from the start in which responses count.
        pre_days: pre-period length for CUPED (default: ``window_days``).
        segmentation, attribute: lifts per segment of a stored segmentation, or per value
            of a customer attribute.
        min_segment_size: members each group needs in a segment to report its lift.
        cost_per_contact: the cost of one contact for ROI, in place of the campaign's own
            (a campaign loaded from files, such as Hillstrom's, may record none).
        n_resamples: bootstrap resamples.
        random_state: seed of the bootstrap resamples (``--seed``): the same seed gives
            the same bootstrap intervals, so a result can be reproduced.
        start: the first day of the response window, in place of the campaign's start
            date; a date, a datetime or ``YYYY-MM-DD`` text, as ``as_of``.
        holdout_share: the control share planned, for the sample-ratio check, in place
            of the campaign's own (a campaign loaded from files may record none, and the
            check is then skipped).
    """

    window_days: int = DEFAULT_WINDOW_DAYS
    pre_days: int | None = None
    segmentation: str | None = None
    attribute: str | None = None
    min_segment_size: int = MIN_SEGMENT_SIZE
    cost_per_contact: float | None = None
    n_resamples: int = 2_000
    start: AsOf | None = None
    holdout_share: float | None = None
    random_state: int = 0


def results(mart: Mart, name: str, options: ResultsOptions | None = None) -> CampaignResults:
    """Measure campaign ``name`` (see :func:`segmint.scoring.campaigns.campaign_results`).

    Raises:
        MartError: no such campaign, or no start date.
        InputError: bad options, or a group with fewer than two members.
    """
    o = options or ResultsOptions()
    return campaign_results(
        mart,
        name,
        window_days=o.window_days,
        pre_days=o.pre_days,
        segmentation=o.segmentation,
        attribute=o.attribute,
        min_segment_size=o.min_segment_size,
        cost_per_contact=o.cost_per_contact,
        n_resamples=o.n_resamples,
        random_state=_seed(o.random_state),
        start=_day(o.start, "start"),
        holdout_share=_holdout_share(
            o.holdout_share, "the control share the campaign was drawn with"
        ),
    )


def _holdout_share(value: float | None, meaning: str) -> float | None:
    """``holdout_share`` when given, checked to be a share strictly between 0 and 1;
    ``meaning`` says what it is, for the advice.

    Raises:
        InputError: another number; the advice names the option as the caller spells it.
    """
    if value is None or 0.0 < value < 1.0:
        return value
    raise AdvisedInputError(
        f"the holdout share must be strictly between 0 and 1; got {value}.",
        f"Set {{holdout_share}} to {meaning} (e.g. 0.1).",
    )


def _seed(value: int) -> int:
    """``random_state`` when it is a non-negative whole number, as the bootstrap needs.

    Raises:
        InputError: anything else; the advice names the option as the caller spells it.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise AdvisedInputError(
        f"the seed of the bootstrap must be a non-negative whole number; got {value!r}.",
        "Set {random_state} to 0 or more (the same seed gives the same intervals).",
    )


def campaigns(mart: Mart) -> pd.DataFrame:
    """Every campaign with its plan and group sizes, the latest start first."""
    return campaign_list(mart)


def tracking(
    mart: Mart, window_days: int = DEFAULT_WINDOW_DAYS, n_resamples: int = TRACKING_RESAMPLES
) -> CampaignTracking:
    """Every campaign measured, with its response curves (the tracking page and report)."""
    return track_campaigns(mart, window_days=window_days, n_resamples=n_resamples)
