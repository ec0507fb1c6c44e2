"""The overview and segment explorer pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from segmint.api.auth import Role
from segmint.api.deps import DashboardDep, MartDep
from segmint.api.params import MAX_DATE, MAX_NAME, NO_CONTROL
from segmint.api.render import PageHead, page, page_currency, page_role
from segmint.exceptions import MartError
from segmint.insight.members import UNKNOWN
from segmint.insight.profile import period_text
from segmint.mart import Mart
from segmint.views.dashboard import Dashboard, no_personas_message
from segmint.views.plots import figures
from segmint.views.segment_detail import page_of


def no_category_mix(history_days: int | None) -> str:
    """What a segment's profile says in place of a chart of category shares that would be
    one "unknown" bar (products loaded without a category) or no bar at all: of the year's
    purchases, or of the ``history_days`` there are when the orders start within the year
    (:func:`segmint.insight.profile.period_text`)."""
    period = period_text(history_days, "in the year")
    return f"Revenue by category: no purchase {period} has a recorded product category."


def no_channel_mix(history_days: int | None) -> str:
    """What a segment's profile says in place of a chart of channel shares (orders loaded
    without a channel), over the same days as :func:`no_category_mix`."""
    period = period_text(history_days, "in the year")
    return f"Orders by channel: no order {period} has a recorded sales channel."


router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
OVERVIEW = PageHead(
    "overview",
    "Overview",
    "The overview and the segment pages show a segmentation once one is stored.",
)
EXPLORER = PageHead(
    "segments",
    "Segment explorer",
    "The segment explorer shows a segmentation's segments once one is stored.",
)
AUDIENCE_CHANNEL = "email"
"""The channel of the explorer's audience export (the audiences route's default)."""
AsOf = Annotated[str | None, Query(max_length=MAX_DATE, pattern=NO_CONTROL)]
Name = Annotated[str | None, Query(max_length=MAX_NAME, pattern=NO_CONTROL)]


@router.get("/", dependencies=[Depends(OVERVIEW)])
def overview_page(
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    segmentation: Name = None,
    as_of: AsOf = None,
) -> Response:
    """KPIs as of a date, segment sizes and money shares, buyers per month; before anything
    is segmented, what to run (the page users land on: not an error page)."""
    role = page_role(request)
    dashboard.check_orders(mart)
    name = (
        dashboard.check(mart, segmentation)
        if segmentation
        else dashboard.default_segmentation(mart)
    )
    day = dashboard.resolve(mart, name, as_of)
    context = dashboard.cached(
        ("overview_page", name, day), lambda: _overview_context(mart, dashboard, name, day)
    )
    return page(request, "overview.html", "overview", role, **context)


def _overview_context(mart: Mart, dashboard: Dashboard, name: str, day: dt.date) -> dict[str, Any]:
    """What the overview page shows of ``name`` as of ``day`` (the same for every user)."""
    view = dashboard.overview(mart, name, day)
    link = figures.segment_link(name, day)
    kind = dashboard.kinds(mart).get(name)
    return {
        "view": view,
        "link": link,
        "kind": kind,
        "names": dashboard.names(mart),
        "dates": dashboard.dates(mart, name),
        "segments": view.segments.to_dict("records"),
        "shares": figures.segment_shares(view.segments, link, kind),
        "trend": figures.buyer_trend(view.trend),
    }


@router.get("/segments", dependencies=[Depends(EXPLORER)])
def segments_index(request: Request, mart: MartDep, dashboard: DashboardDep) -> Response:
    """The explorer opens on the default segmentation; before anything is segmented, it
    says what to run."""
    page_role(request)
    dashboard.check_orders(mart)
    name = dashboard.default_segmentation(mart)
    return RedirectResponse(f"/segments/{quote(name, safe='')}", status_code=303)


@router.get("/segments/{name}")
def segments_page(
    request: Request,
    name: str,
    mart: MartDep,
    dashboard: DashboardDep,
    as_of: AsOf = None,
    segment: Name = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    """A segmentation: treemap and value bars, segment table; with ``segment``, its profile."""
    role = page_role(request)
    dashboard.check(mart, name)
    day = dashboard.resolve(mart, name, as_of)
    context = dict(
        dashboard.cached(
            ("segments_page", name, day),
            lambda: _segmentation_context(mart, dashboard, name, day, page_currency(request)),
        )
    )
    if segment is not None:
        context.update(
            dashboard.cached(
                ("segment_page", name, day, segment),
                lambda: _segment_context(mart, dashboard, name, segment, day),
            )
        )
        context.update(_members_context(mart, dashboard, role, name, segment, day, page_no))
    return page(request, "segments.html", "segments", role, **context)


def _segmentation_context(
    mart: Mart, dashboard: Dashboard, name: str, day: dt.date, currency: str | None
) -> dict[str, Any]:
    """The segmentation's treemap, value bars and segment table (the same for every user),
    amounts in the shop's ``currency``."""
    result = dashboard.profile(mart, name, day)
    overview = result.overview
    link = figures.segment_link(name, day)
    kind = dashboard.kinds(mart).get(name)
    return {
        "name": name,
        "link": link,
        "day": day,
        "names": dashboard.names(mart),
        "dates": dashboard.dates(mart, name),
        "result": result,
        "segments": overview.to_dict("records"),
        "kind": kind,
        "treemap": figures.segment_treemap(overview, link, kind, currency, result.history_days),
        "values": figures.value_per_member(overview, link, kind, currency, result.history_days),
        "selected": None,
    }


def _segment_context(
    mart: Mart, dashboard: Dashboard, name: str, segment: str, day: dt.date
) -> dict[str, Any]:
    """The selected segment's profile, persona, features, statistics and products (the same
    for every user)."""
    result = dashboard.profile(mart, name, day)
    row = result.overview[result.overview.segment == segment]
    if not len(row):
        known = ", ".join(str(s) for s in result.overview.segment)
        raise MartError(f"segmentation '{name}' has no segment '{segment}'; segments: {known}")
    personas = dashboard.personas(mart, name, day)
    features = result.distinguishing[result.distinguishing.segment == segment]
    mixes = result.mix[result.mix.segment == segment]
    stats = result.statistics.sort_values("effect_size", ascending=False).head(10)
    return {
        "selected": row.iloc[0].to_dict(),
        "costs_known": result.money.costs_known,
        "persona": personas.get(segment),
        "persona_message": None if personas else no_personas_message(name),
        "features": features.to_dict("records"),
        "features_figure": figures.distinguishing(features) if len(features) else None,
        "category_figure": _mix_figure(
            mixes, "category", "Revenue by category", "Share of revenue"
        ),
        "channel_figure": _mix_figure(mixes, "channel", "Orders by channel", "Share of orders"),
        "no_category_mix": no_category_mix(result.history_days),
        "no_channel_mix": no_channel_mix(result.history_days),
        "statistics": stats.to_dict("records"),
        "products": dashboard.top_products(mart, name, segment, day).to_dict("records"),
    }


def _members_context(
    mart: Mart,
    dashboard: Dashboard,
    role: Role,
    name: str,
    segment: str,
    day: dt.date,
    page_no: int,
) -> dict[str, Any]:
    """One page of the segment's members, highest spend first, and whether e-mail consents
    are recorded, without which the audience export has nobody to hand out (analysts and
    admins only)."""
    context: dict[str, Any] = {"members": None, "page_no": page_no}
    if role.allows(Role.analyst):
        ranked = dashboard.ranked_members(
            mart, name, segment, day, dashboard.version(mart, name, day)
        )
        members = page_of(ranked, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
        total = len(ranked)
        context["members"] = members.to_dict("records")
        context["members_total"] = total
        context["pages"] = max(1, -(-total // PAGE_SIZE))
        context["email_consents"] = dashboard.records_consent(mart, AUDIENCE_CHANNEL)
    return context


def _mix_figure(
    mixes: pd.DataFrame, dimension: str, title: str, axis: str
) -> figures.Figure | None:
    """The chart of a segment's shares by ``dimension``; none when no value is recorded, so
    there is no chart of one "unknown" bar."""
    rows = mixes[mixes.dimension == dimension]
    return figures.mix(rows, title, axis) if (rows.value != UNKNOWN).any() else None
