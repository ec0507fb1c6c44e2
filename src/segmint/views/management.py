"""What the management pages and the report show: campaign tracking, channel and segment sales.

View models over the use cases (:mod:`segmint.workflows.campaigns`,
:mod:`segmint.workflows.sales`): the tracking table is one flat row per campaign (the same
numbers as ``segmint campaign results``), sortable by any of its columns; the chosen
campaign's lift per segment of a stored segmentation is one row per segment (the numbers of
``segmint campaign results NAME --segmentation S``); each report comes with its figures
(:mod:`segmint.views.plots.management`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from segmint.exceptions import InputError
from segmint.features.asof import parse_query_date
from segmint.features.labels import segment_label
from segmint.insight.channel_sales import ChannelSales
from segmint.insight.sales_periods import MEMBERSHIPS, PERIODS
from segmint.insight.segment_sales import SegmentSales
from segmint.mart import Mart
from segmint.scoring.campaigns import CampaignResults, CampaignTracking, TrackedCampaign
from segmint.scoring.option_defaults import DEFAULT_WINDOW_DAYS
from segmint.views.dashboard import Dashboard
from segmint.views.plots import management as plots
from segmint.views.plots.figures import Figure
from segmint.workflows import campaigns, sales

TRACKING_COLUMNS = (
    "campaign_id",
    "name",
    "channel",
    "start_date",
    "end_date",
    "n_target",
    "n_control",
    "srm_p",
    "conversion_abs",
    "conversion_low",
    "conversion_high",
    "revenue_per_member_abs",
    "revenue_per_member_low",
    "revenue_per_member_high",
    "incremental_revenue",
    "roi",
    "roi_low",
    "roi_high",
    "problem",
)
"""Columns of the tracking table (and of its CSV), in order."""
LIFT_METRICS = ("conversion", "revenue_per_member")
"""The lifts the tables show, by their names in the results (``lift.revenue_per_member``):
a column is the metric's name and the part (``revenue_per_member_abs``, ``…_low``, ``…_high``
for the 95% interval), so a row and the results name a quantity alike."""
SEGMENT_COLUMNS = (
    "segment",
    "n_target",
    "n_control",
    "measured",
    *(
        f"{metric}_{part}"
        for metric in LIFT_METRICS
        for part in ("abs", "low", "high", "q_value", "significant")
    ),
)
"""Columns of a campaign's per-segment lift table (and of its CSV), in order."""
SORTABLE = (
    "campaign_id",
    "channel",
    "start_date",
    "n_target",
    "conversion_abs",
    "revenue_per_member_abs",
    "incremental_revenue",
    "roi",
)


def tracked(dashboard: Dashboard, mart: Mart, window_days: int) -> CampaignTracking:
    """Every campaign measured over ``window_days`` (cached until the mart changes)."""
    return dashboard.cached(
        ("campaign-tracking", window_days), lambda: campaigns.tracking(mart, window_days)
    )


def measured(
    dashboard: Dashboard, mart: Mart, campaign: str, options: campaigns.ResultsOptions
) -> CampaignResults:
    """``segmint campaign results`` of ``campaign`` (cached until the mart changes)."""
    return dashboard.cached(
        ("campaign-results", campaign, options), lambda: campaigns.results(mart, campaign, options)
    )


def _date_range(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    first = parse_query_date(start, "start") if start else None
    last = parse_query_date(end, "end") if end else None
    if first and last and last < first:
        raise InputError(f"the date range ends ({last}) before it starts ({first}).")
    return first, last


def _inside(day: Any, first: dt.date | None, last: dt.date | None) -> bool:
    if day is None or (isinstance(day, float) and pd.isna(day)):
        return False
    day = pd.Timestamp(day).date()
    return (first is None or day >= first) and (last is None or day <= last)


def started_between(
    tracking: CampaignTracking, start: str | None, end: str | None
) -> CampaignTracking:
    """The campaigns of ``tracking`` that start from ``start`` to ``end`` (YYYY-MM-DD, both
    included; either may be empty): the date-range filter of the tracking page and its CSV.

    Raises:
        InputError: a date that is not YYYY-MM-DD, or an end before the start.
    """
    first, last = _date_range(start, end)
    if first is None and last is None:
        return tracking
    kept = tuple(t for t in tracking.campaigns if _inside(t.plan.get("start_date"), first, last))
    return replace(tracking, campaigns=kept)


def check_started(results: CampaignResults, start: str | None, end: str | None) -> None:
    """The date-range filter of the tracking page applied to one measured campaign (its
    per-segment download keeps the page's filters).

    Raises:
        InputError: a bad date range, or a campaign that does not start in it.
    """
    first, last = _date_range(start, end)
    if not _inside(results.start, first, last):
        raise InputError(
            f"campaign {results.campaign!r} starts on {results.start}, outside the date range "
            f"{first or 'any'} to {last or 'any'}; widen the range or leave it empty."
        )


def sales_options(
    start: str | None,
    end: str | None,
    period: str,
    segmentation: str | None,
    membership: str = "fixed",
) -> sales.SalesOptions:
    """The filters of a sales page or API request, checked.

    Raises:
        InputError: a date that is not YYYY-MM-DD, an unknown period or membership.
    """
    if period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}; got {period!r}.")
    if membership not in MEMBERSHIPS:
        raise InputError(f"membership must be one of {', '.join(MEMBERSHIPS)}; got {membership!r}.")
    return sales.SalesOptions(
        start=parse_query_date(start, "start") if start else None,
        end=parse_query_date(end, "end") if end else None,
        period="week" if period == "week" else "month",
        segmentation=segmentation or None,
        membership="at_purchase" if membership == "at_purchase" else "fixed",
    )


def channel_report(dashboard: Dashboard, mart: Mart, options: sales.SalesOptions) -> ChannelSales:
    """The channel sales report (cached until the mart changes)."""
    return dashboard.cached(("channel-sales", options), lambda: sales.channels(mart, options))


def segment_report(
    dashboard: Dashboard, mart: Mart, segmentation: str, options: sales.SalesOptions
) -> SegmentSales:
    """The segment sales report (cached until the mart changes)."""
    return dashboard.cached(
        ("segment-sales", segmentation, options),
        lambda: sales.segments(mart, segmentation, options),
    )


def _bounds(ci: list[float | None] | None) -> tuple[float | None, float | None]:
    return (None, None) if ci is None else (ci[0], ci[1])


def tracking_row(tracked: TrackedCampaign) -> dict[str, Any]:
    """One campaign as a flat row: plan, groups, SRM, conversion and revenue lifts, ROI."""
    plan = tracked.plan
    row: dict[str, Any] = dict.fromkeys(TRACKING_COLUMNS)
    row.update(
        {k: plan.get(k) for k in ("campaign_id", "name", "channel", "start_date", "end_date")}
    )
    row.update(n_target=plan.get("n_target"), n_control=plan.get("n_control"))
    row["problem"] = tracked.problem
    if tracked.results is None:
        return row
    payload = tracked.results.as_dict()
    row.update(n_target=payload["groups"]["target"], n_control=payload["groups"]["control"])
    row["srm_p"] = payload["srm_p"]
    for metric in LIFT_METRICS:
        lift = payload["lift"][metric]
        row[f"{metric}_abs"] = lift["abs"]
        row[f"{metric}_low"], row[f"{metric}_high"] = _bounds(lift["ci95"])
    economics = payload["economics"]
    row["incremental_revenue"] = economics["incremental_revenue"]
    row["roi"] = economics["roi"]
    row["roi_low"], row["roi_high"] = _bounds(economics["roi_ci95"])
    return row


def tracking_frame(tracking: CampaignTracking) -> pd.DataFrame:
    """The tracking table: one row per campaign (the CSV download)."""
    rows = [tracking_row(t) for t in tracking.campaigns]
    return pd.DataFrame(rows, columns=list(TRACKING_COLUMNS))


def segment_rows(results: CampaignResults) -> list[dict[str, Any]]:
    """Each segment of ``results`` as a flat row: groups, whether it is measured, and per
    metric the absolute lift, its 95% interval (Welch), q-value (Benjamini–Hochberg) and
    significance; unmeasured segments (below the minimum group size) have no lifts."""
    rows = []
    for segment in results.segments:
        row: dict[str, Any] = dict.fromkeys(SEGMENT_COLUMNS)
        row.update(
            segment=segment.segment,
            n_target=segment.n_target,
            n_control=segment.n_control,
            measured=segment.measured,
        )
        for metric in LIFT_METRICS:
            if metric not in segment.lift:
                continue
            lift = segment.lift[metric].as_dict()
            row[f"{metric}_abs"] = lift["abs"]
            row[f"{metric}_low"], row[f"{metric}_high"] = _bounds(lift["ci95"])
            row[f"{metric}_q_value"] = lift["q_value"]
            row[f"{metric}_significant"] = lift["significant"]
        rows.append(row)
    return rows


def segment_frame(results: CampaignResults) -> pd.DataFrame:
    """The per-segment lift table of ``results`` (the CSV download)."""
    return pd.DataFrame(segment_rows(results), columns=list(SEGMENT_COLUMNS))


def sort_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """``rows`` sorted by ``key``; rows without a value last, whatever the direction.

    Raises:
        InputError: ``key`` is not a sortable column.
    """
    if key not in SORTABLE:
        raise InputError(f"sort by one of {', '.join(SORTABLE)}; got {key!r}.")
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    present.sort(key=lambda r: (r[key], str(r["campaign_id"])), reverse=descending)
    return present + missing


@dataclass(frozen=True)
class TrackingView:
    """The campaign tracking page: the table, the chosen campaign's curves, the lift charts,
    and each measured campaign's notes (``campaign_id``, note) in the table's order: those
    ``segmint campaign results`` prints, from the same measurement."""

    window_days: int
    rows: list[dict[str, Any]]
    chosen: TrackedCampaign | None
    curve: Figure | None
    lifts: list[Figure] = field(default_factory=list)
    by_segment: SegmentLiftView | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SegmentLiftView:
    """One campaign's lift per segment of a segmentation: the table and its charts."""

    campaign: str
    segmentation: str
    min_segment_size: int
    rows: list[dict[str, Any]]
    figures: list[Figure]


def segment_lift_view(
    results: CampaignResults, options: campaigns.ResultsOptions, currency: str | None = None
) -> SegmentLiftView:
    """The per-segment table of ``results`` (measured with ``options``, which name the
    segmentation) and a bar chart of each metric's lift per segment with its 95% interval
    (revenue in ``currency``)."""
    segmentation = options.segmentation or ""
    rows = segment_rows(results)
    figures = [
        plots.segment_lifts(rows, metric, label, segmentation, currency)
        for metric, label in (
            ("conversion", "Conversion"),
            ("revenue_per_member", "Revenue per member"),
        )
    ]
    return SegmentLiftView(results.campaign, segmentation, options.min_segment_size, rows, figures)


def tracking_view(
    tracking: CampaignTracking,
    chosen: str | None = None,
    sort: str = "start_date",
    descending: bool = True,
    currency: str | None = None,
) -> TrackingView:
    """The page's content; ``chosen`` (default: the latest campaign with data since its
    start) gets its curves drawn; revenue lifts are in ``currency``.

    Raises:
        InputError: an unknown sort column, or a chosen campaign that does not exist.
    """
    rows = sort_rows([tracking_row(t) for t in tracking.campaigns], sort, descending)
    by_id = {str(t.plan["campaign_id"]): t for t in tracking.campaigns}
    if chosen is not None and chosen not in by_id:
        raise InputError(
            f"no campaign {chosen!r}; campaigns: {', '.join(sorted(by_id)) or 'none'}."
        )
    drawn = [t for t in tracking.campaigns if t.curve is not None and t.curve.day]
    picked = by_id.get(chosen) if chosen else next(iter(drawn or tracking.campaigns), None)
    curve = None
    if picked is not None and picked.curve is not None and picked.curve.day:
        name = picked.plan.get("name") or picked.plan["campaign_id"]
        curve = plots.response_curves(picked.curve, f"{name}: cumulative response")
    lifts = [
        plots.lift_intervals(rows, "conversion", "Conversion"),
        plots.lift_intervals(rows, "revenue_per_member", "Revenue per member", currency),
    ]
    return TrackingView(tracking.window_days, rows, picked, curve, lifts, notes=_notes(rows, by_id))


def _notes(rows: list[dict[str, Any]], by_id: dict[str, TrackedCampaign]) -> list[tuple[str, str]]:
    """``campaign_id``, note of each measured campaign's results, in the order of ``rows``."""
    notes: list[tuple[str, str]] = []
    for row in rows:
        measured = by_id[str(row["campaign_id"])].results
        if measured is not None:
            notes += [(str(row["campaign_id"]), note) for note in measured.notes]
    return notes


@dataclass(frozen=True)
class SalesView:
    """A sales report with its figures and its tables as records."""

    report: ChannelSales | SegmentSales
    figures: list[Figure]
    tables: dict[str, list[dict[str, Any]]]


def channel_view(
    report: ChannelSales, kind: str | None = None, currency: str | None = None
) -> SalesView:
    """Revenue by channel over time, AOV by channel, and the segment mix of each channel
    (money in ``currency``).

    ``kind`` is the kind of the mix's segmentation: its segments read as people read them
    (:func:`_labelled`); the report keeps the stored names."""
    periods = report.periods
    figures = [
        plots.stacked_by(periods, "channel", "revenue", "Revenue by channel", "Revenue", currency),
        plots.lines_by(
            periods,
            "channel",
            "average_order_value",
            "Average order value",
            "AOV",
            currency=currency,
        ),
    ]
    mix = None if report.mix is None else _labelled(report.mix, kind)
    if mix is not None and len(mix):
        figures.append(plots.channel_mix(mix))
    tables = {"channels": _records(report.channels), "periods": _records(report.periods)}
    if mix is not None:
        tables["mix"] = _records(mix)
    return SalesView(report, figures, tables)


def segment_view(
    report: SegmentSales, kind: str | None = None, currency: str | None = None
) -> SalesView:
    """Revenue (and margin) by segment over time (in ``currency``), share of the portfolio,
    growth.

    ``kind`` is the segmentation's kind: the figures and tables read its segments as people
    read them (:func:`_labelled`); the report, its JSON and CSV keep the stored names."""
    periods = _labelled(report.periods, kind)
    figures = [
        plots.stacked_by(periods, "segment", "revenue", "Revenue by segment", "Revenue", currency),
        plots.lines_by(
            periods, "segment", "revenue_share", "Share of the portfolio's revenue",
            "Share", ".0%",
        ),
    ]  # fmt: skip
    if report.costs_known:
        figures.insert(
            1,
            plots.stacked_by(
                periods, "segment", "gross_margin", "Margin by segment", "Margin", currency
            ),
        )
    tables = {"totals": _records(_labelled(report.totals, kind)), "periods": _records(periods)}
    return SalesView(report, figures, tables)


def _labelled(frame: pd.DataFrame, kind: str | None) -> pd.DataFrame:
    """``frame`` with its ``segment`` column as people read it (:func:`segment_label`: the
    value tiers' ``unassigned`` customers read "no CLV score (no purchase yet)")."""
    if "segment" not in frame.columns:
        return frame
    return frame.assign(segment=[segment_label(s, kind) for s in frame["segment"]])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a template: NaN as None, dates as dates."""
    rows = []
    for row in frame.to_dict(orient="records"):
        rows.append({str(k): (None if _missing(v) else v) for k, v in row.items()})
    return rows


def _missing(value: Any) -> bool:
    if isinstance(value, dt.date | str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class ReportSections:
    """The management sections of the HTML report (the pages' default views)."""

    tracking: TrackingView
    channels: SalesView
    segment_sales: SalesView | None
    """None when no segmentation is stored: segment sales need one."""


def report_sections(
    dashboard: Dashboard, mart: Mart, segmentation: str | None, currency: str | None = None
) -> ReportSections:
    """Campaign tracking, channel sales (with ``segmentation``'s mix) and segment sales over
    the last twelve months, as the pages show them by default (money in ``currency``).

    Without a ``segmentation`` (none is stored yet) the channels carry no segment mix and
    segment sales are left out: campaigns and channels read the orders alone."""
    tracking = tracking_view(tracked(dashboard, mart, DEFAULT_WINDOW_DAYS), currency=currency)
    options = sales_options(None, None, "month", segmentation)
    kind = dashboard.kinds(mart).get(segmentation) if segmentation else None
    channels = channel_view(channel_report(dashboard, mart, options), kind, currency)
    if segmentation is None:
        return ReportSections(tracking, channels, None)
    report = segment_report(dashboard, mart, segmentation, options)
    return ReportSections(tracking, channels, segment_view(report, kind, currency))
