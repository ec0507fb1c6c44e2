"""The Baskets page: the strongest association rules and which products drive which."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from segmint.api.deps import DashboardDep, MartDep
from segmint.api.render import PageHead, page, page_role
from segmint.views.plots.baskets import rule_flows
from segmint.views.recommendations import baskets_view

router = APIRouter(include_in_schema=False)

TABLE_ROWS = 30
"""Rules listed on the page."""
BASKETS = PageHead("baskets", "Baskets")


@router.get("/baskets", dependencies=[Depends(BASKETS)])
def baskets_page(request: Request, mart: MartDep, dashboard: DashboardDep) -> Response:
    """Rules of the latest stored recommendation run: a flow chart and a table."""
    role = page_role(request)
    dashboard.check_orders(mart)
    view = dashboard.cached(("baskets",), lambda: baskets_view(mart))
    return page(
        request,
        "baskets.html",
        "baskets",
        role,
        view=view,
        flows=rule_flows(view.rules),
        rules=view.rules[:TABLE_ROWS],
    )
