"""Measuring a campaign: lift with intervals, CUPED, SRM, per-segment lift, ROI.

:func:`campaign_results` reads the campaign and its members from the mart, computes
each member's outcomes (:mod:`.outcomes`) and hands them to
:mod:`segmint.models.experiments`. Members are compared by the group they were
*assigned* to (intention-to-treat). Campaigns created by segmint and campaigns loaded
from files (``campaigns`` and ``campaign_members`` rows, as the Hillstrom example has)
are measured the same way: only the rows matter.

Per-segment lifts use each member's segment as it was stored *before* the campaign
started (the latest stored date before the start, or an attribute's latest value
recorded before it), so the campaign cannot have moved anyone between segments.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from segmint.exceptions import AdvisedInputError, InputError, MartError
from segmint.mart import Mart
from segmint.mart.fetch import arrow, numbers, rows, scalar, values
from segmint.models.experiments import (
    CampaignReturn,
    Compliance,
    Difference,
    Moments,
    SampleRatioCheck,
    benjamini_hochberg,
    bootstrap_differences,
    campaign_return,
    cuped_difference,
    intention_to_treat,
    sample_ratio_check,
    welch_difference,
)
from segmint.models.experiments.difference import difference_from_moments
from segmint.scoring.campaigns.audience import segment_labels, stored_run
from segmint.scoring.campaigns.outcomes import MemberOutcomes, Window, member_outcomes
from segmint.scoring.campaigns.results import (
    METRIC_NAMES,
    CampaignResults,
    MetricLift,
    SegmentLift,
    SegmentMetric,
)

# the measurement's defaults, re-exported: spelled where command help reads them
from segmint.scoring.option_defaults import DEFAULT_WINDOW_DAYS, MIN_SEGMENT_SIZE

CONFIDENCE = 0.95


def campaign_row(mart: Mart, campaign_id: str) -> dict[str, Any]:
    """The ``campaigns`` row of ``campaign_id``, as Python values (None where missing).

    Raises:
        MartError: no such campaign (lists the first campaigns there are).
    """
    campaigns = mart.table("campaigns")
    found = rows(campaigns.filter(campaigns.campaign_id == campaign_id).limit(1))
    if not found:
        known = values(
            campaigns.select("campaign_id").order_by("campaign_id").limit(20).campaign_id
        )
        listed = ", ".join(str(c) for c in known) or "none yet"
        raise MartError(
            f"no campaign '{campaign_id}' in the mart; campaigns: {listed}. Create one or load "
            "campaigns and campaign_members files."
        )
    return found[0]


def _float(row: dict[str, Any], column: str) -> float | None:
    """The row's number in ``column``; None when missing (or the column is absent)."""
    value = row.get(column)
    return None if value is None or math.isnan(value) else float(value)


def _given(value: float | None, row: dict[str, Any], column: str) -> float | None:
    """``value`` when given, else the row's number in ``column`` (None when missing)."""
    return value if value is not None else _float(row, column)


def _date(row: dict[str, Any], column: str) -> dt.date | None:
    """The row's date in ``column``; None when missing."""
    value = row.get(column)
    return value.date() if isinstance(value, dt.datetime) else value


def campaign_start(mart: Mart, campaign_id: str) -> dt.date:
    """The first day of ``campaign_id``.

    Raises:
        MartError: no such campaign, or it has no start date.
    """
    begin = _date(campaign_row(mart, campaign_id), "start_date")
    if begin is None:
        raise _no_start(campaign_id)
    return begin


def _no_start(campaign_id: str) -> MartError:
    """The error of a campaign without a start date, with how to load one from the command
    line and from Python."""
    return MartError(
        f"campaign '{campaign_id}' has no start_date, so there is no response window; "
        "load a campaigns file giving its start_date, which fills it (`segmint ingest "
        "campaigns FILE`, or "
        'ws.ingest("campaigns", FILE) from Python).'
    )


def campaign_results(
    mart: Mart,
    campaign_id: str,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    pre_days: int | None = None,
    start: dt.date | None = None,
    segmentation: str | None = None,
    attribute: str | None = None,
    min_segment_size: int = MIN_SEGMENT_SIZE,
    cost_per_contact: float | None = None,
    holdout_share: float | None = None,
    n_resamples: int = 2_000,
    random_state: int = 0,
) -> CampaignResults:
    """Measure ``campaign_id``: lifts, intervals, CUPED, SRM, segments, ROI, contamination.

    Args:
        window_days: days from the start in which responses count.
        pre_days: length of the pre-period for CUPED; ``window_days`` by default.
        start: overrides the campaign's ``start_date``.
        segmentation, attribute: lifts per segment of a stored segmentation, or per attribute value.
        min_segment_size: members each group needs in a segment to report its lift.
        cost_per_contact, holdout_share: the campaign's own by default; no cost is 0.
        n_resamples, random_state: bootstrap resamples (at least 1,000) and their seed.

    Raises:
        MartError: no such campaign, or it has no start date.
        InputError: bad options, a group of one, a window after the mart's last order.
    """
    _check_breakdown(segmentation, attribute, min_segment_size)
    row = campaign_row(mart, campaign_id)
    window = _window(row, campaign_id, start, window_days, pre_days)
    notes = [*_data_notes(mart, campaign_id, window), *_span_notes(row, window)]
    outcomes = member_outcomes(mart, campaign_id, window)
    target = _groups(outcomes.frame, campaign_id)
    metrics = _metrics(outcomes, notes)
    lifts = _lifts(outcomes.frame, target, metrics, n_resamples, random_state)
    holdout = _given(holdout_share, row, "holdout_share")
    segment_by, segments = _segments(
        mart, outcomes.frame, window, metrics, segmentation, attribute, min_segment_size
    )
    return CampaignResults(
        campaign=campaign_id,
        start=window.start,
        end=window.end,
        pre_start=window.pre_start,
        n_target=int(target.sum()),
        n_control=int((~target).sum()),
        holdout_share=holdout,
        srm=_srm(target, holdout, notes, given=holdout_share is not None),
        lift=lifts,
        segment_by=segment_by,
        segments=segments,
        economics=_economics(lifts, _given(cost_per_contact, row, "cost_per_contact"), notes),
        compliance=_compliance(outcomes, lifts["conversion"].welch, target),
        notes=tuple(notes),
        n_resamples=n_resamples,
        random_state=random_state,
    )


def data_through(mart: Mart) -> dt.date | None:
    """The day of the latest order in the mart (None without orders)."""
    latest = scalar(mart.table("orders").order_ts.max())
    return None if latest is None else latest.date()


def _span_notes(row: dict[str, Any], window: Window) -> list[str]:
    """A note when the window measured does not end on the campaign's recorded last day
    (a 30-day campaign measured over the default 14 days, or the other way round).

    A note is text that every surface shows as it is (the command, Python, the pages and
    the report), so it names the window both ways: the Python setting and the option."""
    first, last = _date(row, "start_date"), _date(row, "end_date")
    if first is None or last is None or last == window.last_day or last < first:
        return []
    days = (last - first).days + 1
    return [
        f"the campaign runs from {first} to {last} ({days} days) but these lifts count "
        f"responses from {window.start} to {window.last_day}: a window of {days} days "
        f"measures it over its own dates (window_days={days}, --window-days {days})"
    ]


def _data_notes(mart: Mart, campaign_id: str, window: Window) -> list[str]:
    """A note when the orders start after the response window starts or end before it
    does: the lifts then cover part of the window, or none of it.

    Raises:
        InputError: the window starts after the last order (or the mart has none): no day
            of it has data, and lifts of 0 with an ROI of -1 would be computed from nothing
            (as :mod:`.uplift_selection` refuses to learn from such a campaign).
    """
    orders = mart.table("orders")
    span = rows(orders.aggregate(first=orders.order_ts.min(), last=orders.order_ts.max()))[0]
    through = None if span["last"] is None else span["last"].date()
    if through is None or through < window.start:
        raise _not_started(campaign_id, window, through)
    first = span["first"].date()
    notes = []
    if first > window.start:
        notes.append(
            f"the mart's orders start on {first}, after the window starts on {window.start}: "
            "responses before that are missing, so these lifts cover part of the window "
            "(or none of it)"
        )
    if through < window.last_day:
        notes.append(
            f"the mart holds orders up to {through}, before the window ends on "
            f"{window.last_day}: responses after that are missing, so these lifts cover part "
            "of the window (or none of it)"
        )
    return notes


def _not_started(campaign_id: str, window: Window, through: dt.date | None) -> InputError:
    """The error of a response window no order falls in yet, with the last day that has
    data and what to do."""
    held = "holds no orders yet" if through is None else f"holds orders up to {through}"
    return InputError(
        f"campaign '{campaign_id}' has not started in the data yet: its response window "
        f"starts on {window.start} and the mart {held}, so there are no responses to measure "
        f"a lift or an ROI on. Load the orders from {window.start} on (`segmint ingest "
        'orders FILE`, or ws.ingest("orders", FILE) from Python) and measure it again.'
    )


def _check_breakdown(segmentation: str | None, attribute: str | None, min_size: int) -> None:
    if segmentation is not None and attribute is not None:
        raise InputError("report segments by a segmentation or by an attribute, not both.")
    if min_size < 2:  # a lift needs a variance in each group
        raise AdvisedInputError(
            f"each group needs at least 2 members in a segment; got {min_size}.",
            "Set {min_segment_size} to 2 or more.",
        )


def _window(
    row: dict[str, Any],
    campaign_id: str,
    start: dt.date | None,
    window_days: int,
    pre_days: int | None,
) -> Window:
    """The response window and pre-period of the campaign in ``row``."""
    if window_days < 1:
        raise AdvisedInputError(
            f"the response window must be at least 1 day; got {window_days}.",
            "Set {window_days} to 1 or more.",
        )
    if pre_days is not None and pre_days < 1:
        raise AdvisedInputError(
            f"the CUPED pre-period must be at least 1 day; got {pre_days}.",
            "Set {pre_days} to 1 or more, or leave it out for the window's length.",
        )
    begin = start or _date(row, "start_date")
    if begin is None:
        raise _no_start(campaign_id)
    return Window.of(begin, window_days, pre_days or window_days)


MIN_GROUP_SIZE = 2
"""Members each group needs for a lift to be measured (a variance needs two values)."""


def _groups(frame: pa.Table, campaign_id: str) -> np.ndarray:
    """True for each target member; at least two members in each group."""
    target = numbers(frame["target"])
    n_target, n_control = int(target.sum()), int((~target).sum())
    if n_target < MIN_GROUP_SIZE or n_control < MIN_GROUP_SIZE:
        raise InputError(
            f"campaign '{campaign_id}' has {n_target} target and {n_control} control members; "
            "measuring a lift needs at least two of each."
        )
    return target


def _srm(
    target: np.ndarray, holdout: float | None, notes: list[str], *, given: bool = False
) -> SampleRatioCheck | None:
    """The sample-ratio check against the planned holdout (None without one), with its note.

    The note names the setting that gives the planned share (``holdout_share``,
    ``--holdout-share``): a missing plan, or a plan recorded (or given) with another share
    than the campaign was drawn with, is a cause of a mismatch that no data problem explains.
    ``given``: the holdout is the caller's, not the campaign's record."""
    if holdout is None:
        notes.append(
            "no holdout share recorded for this campaign: sample-ratio check skipped; give "
            "the control share it was drawn with (holdout_share=SHARE, --holdout-share "
            "SHARE) to check it"
        )
        return None
    n_target, n_control = int(target.sum()), int((~target).sum())
    srm = sample_ratio_check([n_target, n_control], [1.0 - holdout, holdout])
    if srm.mismatch:
        notes.append(
            _mismatch_note(srm.p_value, holdout, n_control / (n_target + n_control), given)
        )
    return srm


def _mismatch_note(p_value: float, holdout: float, observed: float, given: bool) -> str:
    """The note of a sample-ratio mismatch: the shares planned and found, and the planned
    share as the first thing to check (``given``: the caller gave it)."""
    source = (
        f"given (holdout_share={holdout:g}, --holdout-share {holdout:g})"
        if given
        else "recorded for the campaign"
    )
    return (
        f"sample-ratio mismatch (p = {p_value:.2g}): the control group is {observed:.1%} of "
        f"the members, not the {holdout:.1%} holdout {source}; if the campaign was drawn "
        "with another control share, measure against that one (holdout_share=SHARE, "
        "--holdout-share SHARE), otherwise do not trust these lifts until the cause is found"
    )


NO_COST_NOTE = "no cost per contact recorded: ROI assumes contacts were free"
"""The note of a measurement without a cost per contact (neither given nor the campaign's);
each surface may add how to give one."""


def _economics(
    lifts: dict[str, MetricLift], cost: float | None, notes: list[str]
) -> CampaignReturn:
    """The incremental money and its return on the contact costs (``cost`` per contact; a
    note when the cost is unknown, measured as free contacts)."""
    if cost is None:
        notes.append(NO_COST_NOTE)
    margin = lifts["margin_per_member"].welch if "margin_per_member" in lifts else None
    return campaign_return(lifts["revenue_per_member"].welch, cost or 0.0, margin=margin)


def _metrics(outcomes: MemberOutcomes, notes: list[str]) -> list[str]:
    """The outcomes the data can measure, with a note for each one it cannot."""
    metrics = ["conversion", "orders", "revenue"]
    if outcomes.margin_known:
        metrics.append("margin")
    elif numbers(outcomes.frame["orders"]).any():
        notes.append("no product costs for purchases in the window: margin and ROI on revenue")
    else:
        notes.append("no member bought in the window: no margin to measure, ROI on revenue")
    if outcomes.visits_known:
        metrics.append("visit")
    return metrics


def _matrix(frame: pa.Table, columns: list[str]) -> np.ndarray:
    """``columns`` of ``frame`` side by side as a float matrix (members x columns)."""
    return np.column_stack([numbers(frame[c]).astype(np.float64) for c in columns])


def _lifts(
    frame: pa.Table, target: np.ndarray, metrics: list[str], n_resamples: int, seed: int
) -> dict[str, MetricLift]:
    """Welch, bootstrap (members resampled jointly for all metrics) and CUPED per metric."""
    y = _matrix(frame, metrics)
    boots = bootstrap_differences(
        y[target], y[~target], n_resamples=n_resamples, confidence=CONFIDENCE, random_state=seed
    )
    lifts = {}
    for column, (metric, boot) in enumerate(zip(metrics, boots, strict=True)):
        yt, yc = y[target, column], y[~target, column]
        x = numbers(frame[f"pre_{metric}"]).astype(np.float64)
        lifts[METRIC_NAMES[metric]] = MetricLift(
            metric=METRIC_NAMES[metric],
            welch=welch_difference(yt, yc, confidence=CONFIDENCE),
            bootstrap=boot,
            cuped=cuped_difference(yt, yc, x[target], x[~target], confidence=CONFIDENCE),
        )
    return lifts


def _compliance(
    outcomes: MemberOutcomes, effect: Difference, target: np.ndarray
) -> Compliance | None:
    if not outcomes.reach_known:
        return None
    reached = numbers(outcomes.frame["reached"])
    return intention_to_treat(effect, reached[target], reached[~target])


def _segments(
    mart: Mart,
    frame: pa.Table,
    window: Window,
    metrics: list[str],
    segmentation: str | None,
    attribute: str | None,
    min_size: int,
) -> tuple[str | None, tuple[SegmentLift, ...]]:
    if segmentation is None and attribute is None:
        return None, ()
    before = window.start - dt.timedelta(days=1)
    if segmentation is not None:
        labels = segment_labels(mart, stored_run(mart, segmentation, before))
        segment_by = f"segmentation:{segmentation}"
    else:
        assert attribute is not None
        labels = attribute_labels(mart, attribute, window.start)
        segment_by = f"attribute:{attribute}"
    known = arrow(labels)
    segment = _segment_of(frame["customer_id"], known["customer_id"], known["segment"])
    target = numbers(frame["target"])
    return segment_by, segment_lifts(_matrix(frame, metrics), target, segment, metrics, min_size)


def _segment_of(
    ids: pa.ChunkedArray, known: pa.ChunkedArray, labels: pa.ChunkedArray
) -> np.ndarray:
    """Each member's segment among the ``known`` customers' ``labels`` ("(none)" if absent)."""
    import pyarrow.compute as pc  # only when lifts are broken down by segment

    found = pc.take(labels, pc.index_in(ids, value_set=known))
    return np.asarray(pc.fill_null(found.cast(pa.string()), "(none)").to_pylist(), dtype=object)


def attribute_labels(mart: Mart, attribute: str, start: dt.date) -> ir.Table:
    """``customer_id``, ``segment``: each customer's latest value of ``attribute`` recorded
    before ``start`` (values without a time count as known).

    Raises:
        InputError: no customer has the attribute.
    """
    attrs = mart.table("customer_attributes")
    cutoff = ibis.timestamp(dt.datetime.combine(start, dt.time()))
    mine = attrs.filter(
        (attrs.name == attribute) & (attrs.updated_at.isnull() | (attrs.updated_at < cutoff))
    )
    latest = ibis.row_number().over(
        group_by="customer_id", order_by=[ibis.desc(mine.updated_at.fill_null(dt.datetime.min))]
    )
    ranked = mine.mutate(_latest=latest)
    labels = ranked.filter(ranked._latest == 0).select("customer_id", segment=ranked.value)
    if int(scalar(labels.count())) == 0:
        names = values(attrs.select("name").distinct().order_by("name").limit(30).name)
        listed = ", ".join(str(n) for n in names) or "none"
        raise InputError(
            f"no customer has the attribute '{attribute}' before {start}; attributes: {listed}."
        )
    return labels


def segment_lifts(
    y: np.ndarray, target: np.ndarray, segment: np.ndarray, metrics: list[str], min_size: int
) -> tuple[SegmentLift, ...]:
    """Lift of each metric in each segment, with BH q-values across the measured segments.

    ``y`` is members x ``metrics``; ``target`` and ``segment`` give each member's group and
    segment.
    """
    unique, index = np.unique(segment.astype(str), return_inverse=True)
    names: list[str] = unique.tolist()
    differences: dict[str, dict[str, Difference]] = {m: {} for m in metrics}
    measured: dict[str, bool] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for position, name in enumerate(names):
        inside = index == position
        groups = (y[inside & target], y[inside & ~target])
        n_t, n_c = (len(g) for g in groups)
        sizes[name] = (n_t, n_c)
        measured[name] = min(n_t, n_c) >= max(min_size, 2)
        if not measured[name]:
            continue
        for column, m in enumerate(metrics):
            t, c = (g[:, column] for g in groups)
            differences[m][name] = difference_from_moments(
                Moments(n_t, float(t.mean()), float(t.var(ddof=1))),
                Moments(n_c, float(c.mean()), float(c.var(ddof=1))),
                CONFIDENCE,
            )
    q_values = {
        m: dict(
            zip(
                list(differences[m]),
                benjamini_hochberg([d.p_value for d in differences[m].values()]),
                strict=True,
            )
        )
        for m in metrics
    }
    return tuple(
        SegmentLift(
            segment=name,
            n_target=sizes[name][0],
            n_control=sizes[name][1],
            measured=measured[name],
            lift={
                METRIC_NAMES[m]: SegmentMetric(differences[m][name], float(q_values[m][name]))
                for m in metrics
                if name in differences[m]
            },
        )
        for name in names
    )
