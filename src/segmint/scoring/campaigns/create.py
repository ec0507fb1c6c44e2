"""Designing a campaign: the eligible audience split into target and control, written once.

:func:`create_campaign` selects the eligible audience (:mod:`.audience`), splits it
deterministically within each stratum (:mod:`.assignment`), and writes the ``campaigns``
row and every ``campaign_members`` row in one transaction, before anything is sent. An
existing campaign is never redrawn: creating it again is an error that says so. The power
of the design is computed from the audience's own history (its response rate over the
last ``window_days`` before the segments' date), so an underpowered campaign is known
before it is sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Integral

import ibis
import ibis.expr.types as ir

from segmint.exceptions import AdvisedInputError, InputError, SegmintError
from segmint.features.orders import purchase_orders
from segmint.mart import TABLES, Mart
from segmint.mart.fetch import rows, scalar
from segmint.mart.privacy import records_consent
from segmint.models.experiments import PowerResult, two_proportion_power
from segmint.scoring.campaigns.assignment import assign
from segmint.scoring.campaigns.audience import Audience, AudienceCounts, eligible_audience
from segmint.scoring.campaigns.measure import MIN_GROUP_SIZE
from segmint.scoring.campaigns.uplift_selection import (
    UpliftOutcome,
    UpliftSelection,
    select_by_uplift,
)

MAX_NAME_LENGTH = 200


class CampaignExistsError(SegmintError):
    """A campaign of that name already exists; its assignment is never redrawn."""


@dataclass(frozen=True)
class CampaignDesign:
    """What to create: who, on which channel, how many held out, when, at what cost.

    Attributes:
        name: the campaign's identifier (``campaign_id`` and ``name``).
        segmentation: stored segmentation the targeted segments belong to.
        segments: segments to target.
        channel: contact channel (consent is checked for it).
        holdout_share: share of each stratum held out as control.
        stratify_by: segmentation whose segments are the strata; the targeted segment
            itself by default.
        random_state: seed of the split; derived from ``name`` when None (so two campaigns
            do not hold out the same customers).
        start, end: first and last day; ``start`` must fall after the segments' date and
            defaults to the day after it, ``end`` to ``start + window_days - 1``.
        cost_per_contact: cost of one contact, for ROI; None (the default) when it is not
            known: stored as NULL, so the campaign's results say so and name the option
            that gives it, as for a campaign loaded without a cost. 0 means free contacts.
        as_of: use segments stored on or before this date (the latest by default).
        expected_lift: relative lift the power calculation is done for.
        window_days: response window the power calculation (and later measure) uses.
        description: free text; a summary of the design by default.
        select_share, select_from: keep only this share of the eligible audience, the
            customers with the highest uplift learnt from the measured campaign
            ``select_from`` (:mod:`.uplift_selection`), before randomising.
        select_outcome: the outcome that uplift is of (``conversion`` or ``revenue``).
    """

    name: str
    segmentation: str
    segments: Sequence[str]
    channel: str
    holdout_share: float = 0.1
    stratify_by: str | None = None
    random_state: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    cost_per_contact: float | None = None
    as_of: dt.date | None = None
    expected_lift: float = 0.10
    window_days: int = 14
    description: str | None = None
    select_share: float | None = None
    select_from: str | None = None
    select_outcome: UpliftOutcome = "conversion"


@dataclass(frozen=True)
class StratumGroups:
    """Group sizes in one stratum."""

    stratum: str
    n_target: int
    n_control: int


@dataclass(frozen=True)
class CreatedCampaign:
    """The campaign as written: its groups per stratum, the audience counts and its power.

    Attributes:
        random_state: the seed the split was drawn with (given, or derived from the name).
        holdout_share: the share of each stratum held out as control.
        baseline_rate: the audience's mean share with a purchase per response window over
            the year before its segments' date (:func:`audience_baseline`); None when nobody
            (or everybody) bought.
        power: sizes and minimum detectable effect of this audience and split at
            ``baseline_rate``; None without a usable baseline.
    """

    campaign_id: str
    random_state: int
    holdout_share: float
    start: dt.date
    end: dt.date
    segments_as_of: dt.date
    counts: AudienceCounts
    n_target: int
    n_control: int
    strata: tuple[StratumGroups, ...]
    baseline_rate: float | None
    power: PowerResult | None
    notes: tuple[str, ...] = field(default=())
    selection: UpliftSelection | None = None

    def as_dict(self) -> dict[str, object]:
        """The result as a JSON-ready mapping."""
        return {
            "campaign_id": self.campaign_id,
            "random_state": self.random_state,
            "holdout_share": self.holdout_share,
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "segments_as_of": self.segments_as_of.isoformat(),
            "audience": self.counts.as_dict(),
            "groups": {"target": self.n_target, "control": self.n_control},
            "strata": [
                {"stratum": s.stratum, "target": s.n_target, "control": s.n_control}
                for s in self.strata
            ],
            "baseline_rate": self.baseline_rate,
            "power": None if self.power is None else self.power.as_dict(),
            "selection": None if self.selection is None else self.selection.as_dict(),
            "notes": list(self.notes),
        }


def default_seed(name: str) -> int:
    """A campaign's seed when none is given: 32 bits of ``sha256(name)``."""
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16)


def _validate(design: CampaignDesign) -> None:
    name = design.name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or name != design.name:
        raise InputError(
            f"a campaign name must be 1-{MAX_NAME_LENGTH} characters without surrounding "
            f"spaces; got {design.name!r}."
        )
    _check_split(design.holdout_share, design.random_state)
    cost = design.cost_per_contact
    if cost is not None and not 0 <= cost < math.inf:
        raise InputError(f"cost per contact must be 0 or more (a finite amount); got {cost}.")
    if design.window_days < 1:
        raise InputError(f"the response window must be at least 1 day; got {design.window_days}.")
    if design.start and design.end and design.end < design.start:
        raise InputError(f"the campaign ends ({design.end}) before it starts ({design.start}).")
    if (design.select_share is None) != (design.select_from is None):
        given = (
            "a share but no campaign" if design.select_from is None else "a campaign but no share"
        )
        raise AdvisedInputError(
            "an uplift selection needs both the share of the audience to keep and the "
            f"measured campaign to learn the uplift from; got {given}.",
            "Give {select_share} with {select_from}, or neither.",
        )
    if design.select_share is not None and not 0.0 < design.select_share < 1.0:
        raise InputError(
            f"the uplift selection keeps a share between 0 and 1; got {design.select_share}."
        )


def _check_split(holdout_share: float, random_state: int | None) -> None:
    """Refuse a control share outside (0, 1) or a seed that is not a whole number >= 0,
    with advice that names the setting as the caller spells it (``holdout_share`` or
    ``--holdout-share``, ``random_state`` or ``--seed``)."""
    if not 0.0 < holdout_share < 1.0:
        raise AdvisedInputError(
            f"the holdout share must be strictly between 0 and 1; got {holdout_share}.",
            "Set {holdout_share} to the share of the audience to hold out as control (e.g. 0.1).",
        )
    seed = random_state
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0):
        raise AdvisedInputError(
            f"the seed of the split must be a non-negative whole number; got {seed!r}.",
            "Set {random_state} to 0 or more, or leave it out to derive it from the name.",
        )


def existing_members(mart: Mart, campaign_id: str) -> int:
    """Members already assigned to ``campaign_id`` (0 for a new campaign)."""
    members = mart.table("campaign_members")
    return int(scalar(members.filter(members.campaign_id == campaign_id).count()))


def _refuse_existing(mart: Mart, campaign_id: str) -> None:
    campaigns = mart.table("campaigns")
    has_row = int(scalar(campaigns.filter(campaigns.campaign_id == campaign_id).count()))
    n_members = existing_members(mart, campaign_id)
    if has_row or n_members:
        raise CampaignExistsError(
            f"campaign '{campaign_id}' already exists with {n_members:,} members; an assignment "
            "is never redrawn. Measure it, or create a new campaign under another name."
        )


HISTORY_DAYS = 364
"""How far back the audience's own response rate is read: a year of response windows."""


def audience_baseline(mart: Mart, members: ir.Table, day: dt.date, window_days: int) -> float:
    """The audience's response rate from its own history: the mean share of ``members`` with
    a purchase per window of ``window_days`` days, over the windows of the year ending with
    ``day``.

    A whole year, not the last window only: a win-back audience has, by its definition, not
    bought lately, yet it does respond now and then, and a campaign's power depends on that.
    """
    n_windows = max(1, HISTORY_DAYS // window_days)
    first = day - dt.timedelta(days=n_windows * window_days - 1)
    orders = purchase_orders(mart, day, dt.datetime.combine(first, dt.time()))
    mine = orders.semi_join(members.select("customer_id"), "customer_id")
    index = mine.order_ts.date().delta(ibis.date(first), unit="day") // window_days
    pairs = scalar(mine.select("customer_id", window=index).distinct().count())
    n_members = int(scalar(members.count()))
    return float(pairs) / (n_members * n_windows) if n_members else 0.0


def create_campaign(
    mart: Mart,
    design: CampaignDesign,
    *,
    suppressed: ir.Table | None = None,
    now: dt.datetime | None = None,
) -> CreatedCampaign:
    """Choose the audience, split it, and write the campaign and its members in one transaction.

    Args:
        mart: the open mart (writable).
        design: the campaign to create.
        suppressed: customers never to contact (``customer_id``), besides the mart's list.
        now: the assignment time recorded (UTC, naive); the current time by default.

    Raises:
        CampaignExistsError: the campaign exists already (it is never redrawn).
        InputError: an invalid design, or no eligible customer.
        MartError: the segmentation is not stored.
    """
    _validate(design)
    _refuse_existing(mart, design.name)
    scratch = f"_campaign_{uuid.uuid4().hex}"
    flagged = f"{scratch}_audience"

    def store(table: ir.Table, name: str = flagged) -> ir.Table:
        with mart.unordered():
            return mart.create_table(name, table, temp=True)

    try:
        audience, members, selection = _audience(mart, design, suppressed, store)
        counts = audience.counts
        seed = default_seed(design.name) if design.random_state is None else design.random_state
        start, end = _dates(design, audience.run.as_of)
        assigned_at = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        # Without stratify_by each member's stratum is its segment, one of those chosen.
        known = list(design.segments) if design.stratify_by is None else None
        with mart.reading(members):  # the uplift selection's ids, read to find the strata
            stored = store(assign(members, design.holdout_share, seed, known), scratch)
        strata = _strata(stored)
        _refuse_unmeasurable(design, strata)
        with mart.unordered(), mart.transaction():  # members in any order: read by id
            _refuse_existing(mart, design.name)  # again, inside the transaction
            mart.insert("campaigns", _campaign_row(design, seed, start, end))
            mart.insert("campaign_members", _member_rows(stored, design.name, assigned_at))
        baseline = audience_baseline(
            mart, stored.select("customer_id"), audience.run.as_of, design.window_days
        )
    finally:
        for name in (scratch, flagged):
            mart.drop_table(name)
    created = _created(design, seed, start, end, audience.run.as_of, counts, strata, baseline)
    if selection is None:
        return created
    notes = (*created.notes, *selection.notes)
    return dataclasses.replace(created, selection=selection, notes=notes)


def _dates(design: CampaignDesign, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day: after the segments' date, since the audience is chosen from
    purchases up to that date and a window on or before it holds responses that happened
    before anyone could be contacted."""
    start = design.start or as_of + dt.timedelta(days=1)
    if start <= as_of:
        raise AdvisedInputError(
            f"campaign '{design.name}' would start on {start}, not after its segments' date "
            f"{as_of}: its response window would hold purchases made before the audience was "
            "chosen.",
            f"Give a {{start}} after {as_of} (the default is {as_of + dt.timedelta(days=1)}), "
            "or pick segments stored before the start with {as_of}.",
        )
    return start, design.end or start + dt.timedelta(days=design.window_days - 1)


def _audience(
    mart: Mart,
    design: CampaignDesign,
    suppressed: ir.Table | None,
    store: Callable[[ir.Table], ir.Table],
) -> tuple[Audience, ir.Table, UpliftSelection | None]:
    """The eligible audience (stored once with ``store``), and the members to split: all
    of it, or its uplift top share."""
    audience = eligible_audience(
        mart,
        design.segmentation,
        design.segments,
        design.channel,
        as_of=design.as_of,
        stratify_by=design.stratify_by,
        suppressed=suppressed,
        store=store,
    )
    counts = audience.counts
    if counts.n_eligible < 2:
        raise InputError(
            f"campaign '{design.name}' would reach {counts.n_eligible} customer(s): of "
            f"{counts.n_in_segments:,} in the segments, {counts.n_suppressed:,} are suppressed "
            f"and {counts.n_without_consent:,} of the others lack consent for {audience.channel}."
            + _no_consents_hint(mart, audience.channel)
        )
    if design.select_share is None or design.select_from is None:
        return audience, audience.members, None
    selection = select_by_uplift(
        mart,
        design.select_from,
        audience.members,
        design.select_share,
        as_of=audience.run.as_of,
        outcome=design.select_outcome,
        window_days=design.window_days,
    )
    kept = ibis.memtable({"customer_id": selection.selected["customer_id"].astype(str).tolist()})
    members = audience.members.semi_join(kept, "customer_id")
    return audience, members, selection


def _refuse_unmeasurable(design: CampaignDesign, strata: Sequence[StratumGroups]) -> None:
    """Refuse, before anything is written, a split that leaves a group too small to measure:
    the assignment is never redrawn, so such a campaign could never be measured nor made
    again under its name."""
    n_target = sum(s.n_target for s in strata)
    n_control = sum(s.n_control for s in strata)
    if min(n_target, n_control) >= MIN_GROUP_SIZE:
        return
    n_total = n_target + n_control
    fix = (
        f"Raise {{holdout_share}} ({MIN_GROUP_SIZE} of {n_total:,} is {MIN_GROUP_SIZE / n_total:.1%})"
        if n_control < MIN_GROUP_SIZE
        else f"Lower {{holdout_share}} ({MIN_GROUP_SIZE} of {n_total:,} as target is a holdout of "
        f"{1 - MIN_GROUP_SIZE / n_total:.1%})"
    )
    raise AdvisedInputError(
        f"campaign '{design.name}' would have {n_target:,} target and {n_control:,} control "
        f"members (holdout share {design.holdout_share:g} of {n_total:,} eligible); measuring its lift "
        f"needs at least {MIN_GROUP_SIZE} in each group. Nothing was written.",
        f"{fix}, or target more segments.",
    )


def _no_consents_hint(mart: Mart, channel: str) -> str:
    """What to do when the mart records no consent at all for ``channel`` (no consent means
    no contact, so every member was left out); empty otherwise."""
    if records_consent(mart, channel):
        return ""
    return (
        f" The mart records no consent for {channel}: load them with `segmint ingest consents "
        "FILE` (columns customer_id, channel, granted, updated_at), or choose a channel it has."
    )


def _created(
    design: CampaignDesign,
    seed: int,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    counts: AudienceCounts,
    strata: tuple[StratumGroups, ...],
    baseline: float,
) -> CreatedCampaign:
    n_target = sum(s.n_target for s in strata)
    n_control = sum(s.n_control for s in strata)
    notes: list[str] = []
    power = None
    if 0.0 < baseline < 1.0 and 0.0 < baseline * (1 + design.expected_lift) < 1.0:
        n_total = n_target + n_control  # the groups written: each stratum rounds its own
        power = two_proportion_power(
            baseline, design.expected_lift, holdout_share=n_control / n_total, n_total=n_total
        )
        if power.underpowered:
            mde = "nothing" if power.mde_relative is None else f"{power.mde_relative:+.1%}"
            notes.append(
                f"underpowered: this audience and split detect a lift of {mde} at best, "
                f"not {design.expected_lift:+.0%}; {power.n_per_arm:,} members per arm at "
                "50/50 would be needed"
            )
    else:
        notes.append(
            f"no power estimate: {baseline:.1%} of the audience bought per "
            f"{design.window_days}-day window in the year before {as_of}"
        )
    return CreatedCampaign(
        campaign_id=design.name,
        random_state=seed,
        holdout_share=design.holdout_share,
        start=start,
        end=end,
        segments_as_of=as_of,
        counts=counts,
        n_target=n_target,
        n_control=n_control,
        strata=strata,
        baseline_rate=baseline if 0.0 < baseline < 1.0 else None,
        power=power,
        notes=tuple(notes),
    )


def _campaign_row(design: CampaignDesign, seed: int, start: dt.date, end: dt.date) -> ir.Table:
    segments = ", ".join(dict.fromkeys(design.segments))
    summary = (
        f"Segments {segments} of {design.segmentation}; {design.holdout_share:.0%} held out"
        f"{' per ' + design.stratify_by + ' segment' if design.stratify_by else ' per segment'}; "
        f"seed {seed}."
    )
    if design.select_share is not None:
        summary += (
            f" Audience: the {design.select_share:.0%} with the highest uplift learnt from "
            f"{design.select_from}."
        )
    row = {
        "campaign_id": [design.name],
        "name": [design.name],
        "channel": [design.channel.strip().lower()],
        "start_date": [start],
        "end_date": [end],
        "description": [design.description or summary],
        "holdout_share": [float(design.holdout_share)],
        "cost_per_contact": [
            None if design.cost_per_contact is None else float(design.cost_per_contact)
        ],
        "ingest_id": [None],
    }
    return ibis.memtable(row, schema=TABLES["campaigns"].ibis_schema())


def _member_rows(stored: ir.Table, campaign_id: str, assigned_at: dt.datetime) -> ir.Table:
    return stored.select(
        campaign_id=ibis.literal(campaign_id, "string"),
        customer_id=stored.customer_id,
        group=stored.group,
        assigned_at=ibis.literal(assigned_at, "timestamp"),
        ingest_id=ibis.null("int64"),
    )


def _strata(stored: ir.Table) -> tuple[StratumGroups, ...]:
    sizes = rows(
        stored.group_by("stratum")
        .aggregate(
            n_target=stored.count(where=stored.group == "target"),
            n_control=stored.count(where=stored.group == "control"),
        )
        .order_by("stratum")
    )
    return tuple(
        StratumGroups(str(r["stratum"]), int(r["n_target"]), int(r["n_control"])) for r in sizes
    )
