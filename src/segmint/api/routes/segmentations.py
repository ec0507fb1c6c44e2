"""``/api/v1/segmentations``: stored segmentations and one segmentation's profile and money."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from segmint.api.deps import CurrencyDep, DashboardDep, MartDep, Viewer
from segmint.api.params import MAX_DATE, MAX_NAME, NO_CONTROL
from segmint.api.schemas import (
    PortfolioMoney,
    SegmentationDetail,
    SegmentationList,
    SegmentationSummary,
)
from segmint.insight.money import unknown_without_costs
from segmint.mart import Mart
from segmint.serving.frames import records
from segmint.views.dashboard import Dashboard, no_personas_message

router = APIRouter(prefix="/segmentations", tags=["segmentations"])

AsOfQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_DATE,
        pattern=NO_CONTROL,
        description="Date of stored results, YYYY-MM-DD; default: the latest.",
    ),
]
NameParam = Annotated[
    str,
    Path(max_length=MAX_NAME, pattern=NO_CONTROL, description="Name of a stored segmentation."),
]


@router.get("", response_model=SegmentationList)
def list_segmentations(
    mart: MartDep,
    dashboard: DashboardDep,
    role: Viewer,
    kind: Annotated[
        str | None,
        Query(max_length=MAX_NAME, pattern=NO_CONTROL, description="Only this kind (rfm, rules…)."),
    ] = None,
) -> SegmentationList:
    """Every stored segmentation with results: its kind, version, dates and segments."""
    frame = dashboard.segmentations(mart)
    frame = frame[frame.n_as_of.fillna(0) > 0]
    if kind is not None:
        frame = frame[frame.kind == kind]
    rows = [
        SegmentationSummary.model_validate(r) for r in records(frame.drop(columns="created_at"))
    ]
    return SegmentationList(data=rows, count=len(rows))


@router.get("/{name}", response_model=SegmentationDetail)
def segmentation_detail(
    name: NameParam,
    mart: MartDep,
    dashboard: DashboardDep,
    role: Viewer,
    currency: CurrencyDep,
    as_of: AsOfQuery = None,
) -> Response:
    """Segments with size, money (revenue, margin, profit), behaviour, distinguishing features,
    statistics and persona cards (from the profile of the same date); the same numbers as
    ``segmint profile``, amounts in the shop's ``currency``.

    The answer is serialised once per (segmentation, date) and kept with the profile (a new
    currency changes the mart, which clears it)."""
    day = dashboard.resolve(mart, name, as_of)
    body = dashboard.cached(
        ("segmentation_detail", name, day),
        lambda: detail_of(mart, dashboard, name, day, currency).model_dump_json().encode(),
    )
    return Response(body, media_type="application/json")


def detail_of(
    mart: Mart, dashboard: Dashboard, name: str, day: dt.date, currency: str | None = None
) -> SegmentationDetail:
    """The detail of ``name`` as of ``day`` from the dashboard's cached results, its amounts
    in ``currency`` (the shop's ISO 4217 code, or None)."""
    result = dashboard.profile(mart, name, day)
    stored = dashboard.segmentations(mart)
    summary = stored[stored.segmentation == name].iloc[0]
    personas = dashboard.personas(mart, name, day)
    known = result.money.costs_known
    segments: list[dict[str, Any]] = records(unknown_without_costs(result.overview, known))
    for row in segments:
        row["persona"] = personas.get(str(row["segment"]))
    portfolio = records(unknown_without_costs(result.money.portfolio_frame(), known))[0]
    return SegmentationDetail(
        segmentation=name,
        version=int(summary.version),
        kind=str(summary.kind),
        as_of=day,
        dates=dashboard.dates(mart, name),
        n_base=result.n_base,
        currency=currency,
        costs_known=known,
        history_start=result.history_start,
        portfolio=PortfolioMoney.model_validate(portfolio),
        segments=segments,  # type: ignore[arg-type]
        distinguishing=records(result.distinguishing),
        statistics=records(result.statistics),
        notes=[] if personas else [no_personas_message(name)],
    )
