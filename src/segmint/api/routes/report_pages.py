"""The management pages: campaign tracking, channel sales, segment sales.

Each page has filters (a GET form), charts, tables and a CSV download that links to the
API route with the same filters (analysts and admins; the session cookie is accepted for
API reads). The numbers come from :mod:`segmint.views.management`, the same as the API's
and the CLI's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from segmint.api.deps import DashboardDep, MartDep
from segmint.api.render import PageHead, page, page_currency, page_role
from segmint.api.routes.reports import (
    Day,
    MembershipParam,
    MinSegmentSize,
    Name,
    PeriodParam,
    WindowDays,
)
from segmint.scoring.campaigns import MIN_SEGMENT_SIZE
from segmint.views import management
from segmint.workflows.campaigns import ResultsOptions

router = APIRouter(include_in_schema=False)

CAMPAIGNS = PageHead("campaigns", "Campaigns")
CHANNEL_SALES = PageHead("channels", "Channel sales")
SEGMENT_SALES = PageHead(
    "segment-sales",
    "Segment sales",
    "Segment sales splits revenue and margin by segment once a segmentation is stored.",
)

SortParam = Annotated[Literal[management.SORTABLE], Query()]  # type: ignore[valid-type]


@router.get("/campaigns", dependencies=[Depends(CAMPAIGNS)])
def campaigns_page(
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    window_days: WindowDays = 14,
    campaign: Name = None,
    sort: SortParam = "start_date",
    order: Literal["asc", "desc"] = "desc",
    start: Day = None,
    end: Day = None,
    segmentation: Name = None,
    min_segment_size: MinSegmentSize = MIN_SEGMENT_SIZE,
) -> Response:
    """Every campaign's groups, lifts and ROI (sortable), the chosen one's response curves;
    ``start`` and ``end`` keep the campaigns that start in that range; with a
    ``segmentation``, the chosen campaign's lift per segment (``segmint campaign results
    NAME --segmentation S``)."""
    role = page_role(request)
    dashboard.check_orders(mart)
    name = dashboard.check(mart, segmentation) if segmentation else None
    tracked = management.tracked(dashboard, mart, window_days)
    tracking = management.started_between(tracked, start, end)
    currency = page_currency(request)
    view = management.tracking_view(tracking, campaign or None, sort, order == "desc", currency)
    dates = {"start": start or "", "end": end or ""}
    segment_csv = ""
    if name and view.chosen is not None and view.chosen.results is not None:
        chosen = str(view.chosen.plan["campaign_id"])
        options = ResultsOptions(window_days, segmentation=name, min_segment_size=min_segment_size)
        results = management.measured(dashboard, mart, chosen, options)
        lifts = management.segment_lift_view(results, options, currency)
        view = replace(view, by_segment=lifts)
        wanted = {"window_days": window_days, "segmentation": name, **dates}
        wanted.update(min_segment_size=min_segment_size, format="csv")
        segment_csv = f"/api/v1/campaigns/{quote(chosen, safe='')}/results?{urlencode(wanted)}"
    return page(
        request,
        "campaigns.html",
        "campaigns",
        role,
        view=view,
        sort=sort,
        order=order,
        names=dashboard.names(mart),
        csv=f"/api/v1/campaigns?{urlencode({**dates, 'window_days': window_days, 'format': 'csv'})}",
        segment_csv=segment_csv,
        query={
            "window_days": window_days,
            "campaign": campaign or "",
            **dates,
            "segmentation": name or "",
            "min_segment_size": min_segment_size,
        },
    )


@router.get("/sales/channels", dependencies=[Depends(CHANNEL_SALES)])
def channel_sales_page(
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    start: Day = None,
    end: Day = None,
    period: PeriodParam = "month",
    segmentation: Name = None,
    membership: MembershipParam = "fixed",
) -> Response:
    """Revenue, orders, customers and AOV by channel over time, and each channel's segment mix."""
    role = page_role(request)
    dashboard.check_orders(mart)
    names = dashboard.names(mart)
    default = dashboard.default_segmentation(mart) if names else None
    name = dashboard.check(mart, segmentation) if segmentation else default
    options = management.sales_options(start, end, period, name, membership)
    kind = dashboard.kinds(mart).get(name) if name else None
    report = management.channel_report(dashboard, mart, options)
    view = management.channel_view(report, kind, page_currency(request))
    filters = {"start": start or "", "end": end or "", "period": period}
    filters.update(segmentation=name or "", membership=membership)
    return page(
        request,
        "channel_sales.html",
        "channels",
        role,
        view=view,
        names=names,
        filters=filters,
        csv=f"/api/v1/sales/channels?{urlencode({**filters, 'format': 'csv'})}",
    )


@router.get("/sales/segments", dependencies=[Depends(SEGMENT_SALES)])
def segment_sales_page(
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    segmentation: Name = None,
    start: Day = None,
    end: Day = None,
    period: PeriodParam = "month",
    membership: MembershipParam = "fixed",
) -> Response:
    """Revenue and margin per segment over time, share of the portfolio, growth; before
    anything is segmented, what to run."""
    role = page_role(request)
    dashboard.check_orders(mart)
    name = (
        dashboard.check(mart, segmentation)
        if segmentation
        else dashboard.default_segmentation(mart)
    )
    options = management.sales_options(start, end, period, name, membership)
    report = management.segment_report(dashboard, mart, name, options)
    view = management.segment_view(report, dashboard.kinds(mart).get(name), page_currency(request))
    filters = {"segmentation": name, "start": start or "", "end": end or "", "period": period}
    filters["membership"] = membership
    return page(
        request,
        "segment_sales.html",
        "segment-sales",
        role,
        view=view,
        names=dashboard.names(mart),
        filters=filters,
        csv=f"/api/v1/sales/segments?{urlencode({**filters, 'format': 'csv'})}",
    )
