"""The RFM grid, migration and value & risk pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from segmint.api.deps import DashboardDep, MartDep
from segmint.api.params import MAX_DATE, MAX_NAME, NO_CONTROL
from segmint.api.render import PageHead, page, page_currency, page_role
from segmint.features import default_as_of, stored_dates
from segmint.features.asof import parse_query_date
from segmint.mart import Mart
from segmint.views import scores
from segmint.views.plots import figures
from segmint.views.stored_day import stored_day

router = APIRouter(include_in_schema=False)

RFM = PageHead("rfm", "RFM grid")
MIGRATION = PageHead(
    "migration",
    "Migration",
    "Migration shows how customers move between segments once a segmentation is stored "
    "as of two dates.",
)
VALUE = PageHead("value", "Value & risk")

AsOf = Annotated[str | None, Query(max_length=MAX_DATE, pattern=NO_CONTROL)]
Name = Annotated[str | None, Query(max_length=MAX_NAME, pattern=NO_CONTROL)]


@router.get("/rfm", dependencies=[Depends(RFM)])
def rfm_page(
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    as_of: AsOf = None,
    measure: Literal["customers", "monetary_mean"] = "customers",
) -> Response:
    """Recency × frequency scores coloured by customers or mean spend."""
    role = page_role(request)
    dashboard.check_orders(mart)
    dates = stored_dates(mart)
    day = _feature_day(mart, dates, as_of)
    grid = dashboard.rfm_grid(mart, day)
    return page(
        request,
        "rfm.html",
        "rfm",
        role,
        day=day,
        dates=dates,
        measure=measure,
        grid=figures.rfm_heatmap(grid, measure),
        buyers=int(grid.customers.sum()),
    )


def _feature_day(mart: Mart, dates: list[dt.date], as_of: str | None) -> dt.date:
    """``as_of`` when features are stored for it; default the latest stored (or last order) day.

    Raises:
        MartError: no features are stored for ``as_of``; lists the stored dates.
    """
    if not as_of:
        return dates[-1] if dates else default_as_of(mart)
    day = parse_query_date(as_of, "as_of")
    advice = f"Run `segmint features --as-of {day.isoformat()}` to build them."
    return stored_day(day, dates, "no features stored", advice)


@router.get("/migration", dependencies=[Depends(MIGRATION)])
def migration_page(
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    segmentation: Name = None,
    from_date: Annotated[
        str | None, Query(alias="from", max_length=MAX_DATE, pattern=NO_CONTROL)
    ] = None,
    to_date: Annotated[
        str | None, Query(alias="to", max_length=MAX_DATE, pattern=NO_CONTROL)
    ] = None,
) -> Response:
    """Sankey of moves between two stored dates, the largest moves and the matrix; before
    anything is segmented, what to run."""
    role = page_role(request)
    dashboard.check_orders(mart)
    name = (
        dashboard.check(mart, segmentation)
        if segmentation
        else dashboard.default_segmentation(mart)
    )
    dates = dashboard.dates(mart, name)
    context: dict[str, Any] = {
        "name": name,
        "names": dashboard.names(mart),
        "dates": dates,
        "result": None,
    }
    if len(dates) < 2:
        context["message"] = (
            f"'{name}' has results as of one date only. Store it as of an earlier date to see "
            f"migration, e.g. `segmint segment {name} --as-of YYYY-MM-DD`."
        )
        return page(request, "migration.html", "migration", role, **context)
    end = dashboard.resolve(mart, name, to_date, "to")
    earlier = [d for d in dates if d < end]
    start = (
        dashboard.resolve(mart, name, from_date, "from") if from_date else (earlier or dates)[-1]
    )
    result = dashboard.migration(mart, name, start, end)
    kind = dashboard.kinds(mart).get(name)
    context.update(
        start=start,
        end=end,
        result=result,
        sankey=figures.sankey(result.flows, start.isoformat(), end.isoformat(), kind),
        top=result.top_flows(8, kind),
        counts=result.counts,
        kind=kind,
    )
    return page(request, "migration.html", "migration", role, **context)


@router.get("/value", dependencies=[Depends(VALUE)])
def value_page(
    request: Request, mart: MartDep, dashboard: DashboardDep, as_of: AsOf = None
) -> Response:
    """CLV distribution, value × churn-risk grid and top customers, from stored scores."""
    role = page_role(request)
    dashboard.check_orders(mart)
    day = dashboard.value_day(mart, as_of)
    view = dashboard.value_risk(mart, day)
    return page(
        request,
        "value.html",
        "value",
        role,
        day=day,
        view=view,
        histogram=(
            figures.clv_histogram(view.clv, currency=page_currency(request))
            if view.clv is not None
            else None
        ),
        grid=(
            figures.value_risk_grid(view.grid, scores.VALUE_TIERS, scores.RISK_LABELS)
            if view.grid is not None
            else None
        ),
        top=view.top.to_dict("records") if view.top is not None else [],
    )
