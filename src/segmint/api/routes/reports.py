"""``/api/v1/campaigns`` and ``/api/v1/sales/…``: campaign tracking and results, channel and
segment sales, as JSON or CSV downloads (analyst role and above).

The numbers are those of ``segmint campaign results`` and ``segmint sales``: every route
reads the use cases through :mod:`segmint.views.management`, which caches each answer until
the mart changes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from segmint.api.deps import Analyst, CurrencyDep, DashboardDep, MartDep
from segmint.api.downloads import attachment
from segmint.api.params import MAX_DATE, MAX_NAME, NO_CONTROL
from segmint.api.report_schemas import (
    CampaignResultsOut,
    CampaignRow,
    CampaignTrackingList,
    ChannelSalesOut,
    SegmentSalesOut,
)
from segmint.exceptions import InputError
from segmint.mart import csv_safety
from segmint.scoring.campaigns import MIN_SEGMENT_SIZE
from segmint.serving.frames import records
from segmint.views import management
from segmint.workflows.campaigns import ResultsOptions

router = APIRouter()


class ReportFormat(StrEnum):
    """How a report is returned."""

    json = "json"
    csv = "csv"


WindowDays = Annotated[
    int, Query(ge=1, le=365, description="Days from the start in which responses count.")
]
Day = Annotated[
    str | None, Query(max_length=MAX_DATE, pattern=NO_CONTROL, description="YYYY-MM-DD.")
]
Name = Annotated[str | None, Query(max_length=MAX_NAME, pattern=NO_CONTROL)]
PeriodParam = Annotated[Literal["week", "month"], Query(description="week or month.")]
MembershipParam = Annotated[
    Literal["fixed", "at_purchase"],
    Query(description="Segments of one stored date (fixed) or at each purchase."),
]
FormatParam = Annotated[ReportFormat, Query(description="json or csv.")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as JSON, or its table as a CSV download with `format=csv`.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "headers": {
            "Content-Disposition": {
                "description": "CSV only: `attachment` with the file name (RFC 6266).",
                "schema": {"type": "string"},
            }
        },
    }
}


def csv_download(frame: pd.DataFrame, name: str) -> Response:
    """``frame`` as a CSV attachment, formula-like cells escaped."""
    return Response(
        csv_safety.to_csv(frame),
        media_type="text/csv",
        headers={"Content-Disposition": attachment(name)},
    )


@router.get(
    "/campaigns", response_model=CampaignTrackingList, responses=CSV_RESPONSE, tags=["campaigns"]
)
def campaign_tracking(
    mart: MartDep,
    dashboard: DashboardDep,
    role: Analyst,
    currency: CurrencyDep,
    window_days: WindowDays = 14,
    start: Day = None,
    end: Day = None,
    format: FormatParam = ReportFormat.json,
) -> Response | CampaignTrackingList:
    """Every campaign: groups, conversion and revenue-per-member lifts with 95% intervals
    (Welch), incremental revenue and ROI, the sample-ratio check; the latest start first.
    ``start`` and ``end`` keep the campaigns that start in that range."""
    tracked = management.tracked(dashboard, mart, window_days)
    tracking = management.started_between(tracked, start, end)
    frame = management.tracking_frame(tracking)
    if format == ReportFormat.csv:
        return csv_download(frame, f"campaigns-{window_days}d.csv")
    rows = [CampaignRow.model_validate(r) for r in records(frame)]
    return CampaignTrackingList(
        window_days=window_days, currency=currency, data=rows, count=len(rows)
    )


MinSegmentSize = Annotated[
    int, Query(ge=2, le=10_000_000, description="Members each group needs in a segment.")
]
CostPerContact = Annotated[
    float | None,
    Query(ge=0, le=1e9, description="Cost of one contact, for ROI (default: the campaign's)."),
]
HoldoutShare = Annotated[
    float | None,
    Query(
        gt=0,
        lt=1,
        description="Control share planned, for the sample-ratio check (default: the campaign's).",
    ),
]
RandomState = Annotated[
    int,
    Query(
        ge=0,
        le=2**32 - 1,
        description="Seed of the bootstrap intervals (`--seed`): the same seed gives the same "
        "result.",
    ),
]


@router.get(
    "/campaigns/{campaign_id}/results",
    response_model=CampaignResultsOut,
    responses=CSV_RESPONSE,
    tags=["campaigns"],
)
def campaign_results(
    campaign_id: Annotated[
        str, Path(description="Campaign id.", max_length=MAX_NAME, pattern=NO_CONTROL)
    ],
    mart: MartDep,
    dashboard: DashboardDep,
    role: Analyst,
    currency: CurrencyDep,
    window_days: WindowDays = 14,
    pre_days: Annotated[
        int | None, Query(ge=1, le=3660, description="CUPED pre-period (default: the window).")
    ] = None,
    segmentation: Name = None,
    attribute: Name = None,
    min_segment_size: MinSegmentSize = MIN_SEGMENT_SIZE,
    cost_per_contact: CostPerContact = None,
    holdout_share: HoldoutShare = None,
    random_state: RandomState = 0,
    start: Day = None,
    end: Day = None,
    format: FormatParam = ReportFormat.json,
) -> Response | dict[str, Any]:
    """The campaign measured: ``segmint campaign results NAME --format json``, with its
    options of the same names (``random_state`` is ``--seed``); CSV: the lift per segment
    (needs ``segmentation`` or ``attribute``). ``start`` and ``end``, the tracking page's
    date range, answer 400 when the campaign does not start in it."""
    if format == ReportFormat.csv and segmentation is None and attribute is None:
        raise InputError(
            "the CSV lists the lift per segment: add segmentation=NAME or attribute=NAME."
        )
    options = ResultsOptions(
        window_days,
        pre_days,
        segmentation,
        attribute,
        min_segment_size,
        cost_per_contact=cost_per_contact,
        holdout_share=holdout_share,
        random_state=random_state,
    )
    results = management.measured(dashboard, mart, campaign_id, options)
    if start or end:
        management.check_started(results, start, end)
    if format == ReportFormat.csv:
        by = segmentation or attribute
        return csv_download(management.segment_frame(results), f"{campaign_id}-by-{by}.csv")
    return {**results.as_dict(), "currency": currency}


@router.get(
    "/sales/channels", response_model=ChannelSalesOut, responses=CSV_RESPONSE, tags=["sales"]
)
def channel_sales(
    mart: MartDep,
    dashboard: DashboardDep,
    role: Analyst,
    currency: CurrencyDep,
    start: Day = None,
    end: Day = None,
    period: PeriodParam = "month",
    segmentation: Name = None,
    membership: MembershipParam = "fixed",
    format: FormatParam = ReportFormat.json,
) -> Response | dict[str, Any]:
    """Revenue, orders, customers and AOV per channel and period, and (with a segmentation)
    the segment mix of each channel; CSV: the rows per period and channel."""
    dashboard.check_orders(mart)
    options = management.sales_options(start, end, period, segmentation, membership)
    report = management.channel_report(dashboard, mart, options)
    if format == ReportFormat.csv:
        return csv_download(report.periods, f"channel-sales-{report.range.start}.csv")
    return {**report.as_dict(), "currency": currency}


@router.get(
    "/sales/segments", response_model=SegmentSalesOut, responses=CSV_RESPONSE, tags=["sales"]
)
def segment_sales(
    mart: MartDep,
    dashboard: DashboardDep,
    role: Analyst,
    currency: CurrencyDep,
    segmentation: Name = None,
    start: Day = None,
    end: Day = None,
    period: PeriodParam = "month",
    membership: MembershipParam = "fixed",
    format: FormatParam = ReportFormat.json,
) -> Response | dict[str, Any]:
    """Revenue and margin per segment and period (default segmentation: rfm), share of the
    portfolio and growth on the previous period; CSV: the rows per period and segment."""
    dashboard.check_orders(mart)
    name = dashboard.check(mart, segmentation) if segmentation else None
    name = name or dashboard.default_segmentation(mart)
    options = management.sales_options(start, end, period, name, membership)
    report = management.segment_report(dashboard, mart, name, options)
    if format == ReportFormat.csv:
        return csv_download(report.periods, f"segment-sales-{name}-{report.range.start}.csv")
    return {**report.as_dict(), "currency": currency}
