"""``/api/v1/customers``: search (paged) and one customer's 360° view; analysts and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from segmint.api.audit import shows_pii
from segmint.api.deps import Analyst, CopiesDep, CurrencyDep, DashboardDep, MartDep
from segmint.api.encoded import json_response
from segmint.api.params import MAX_DATE, MAX_NAME, MAX_OFFSET, NO_CONTROL
from segmint.api.schemas import Customer360Out, CustomerList, CustomerRow
from segmint.serving.customer_lookup import customers_by_id
from segmint.serving.frames import records
from segmint.views.customer_view import customer_360
from segmint.views.customers import check_segment_filter, search

router = APIRouter(prefix="/customers", tags=["customers"])

MAX_PAGE = 1000
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows per page, 1-{MAX_PAGE}.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Rows to skip, 0-{MAX_OFFSET:_}.")]


@router.get("", response_model=CustomerList)
def search_customers(
    mart: MartDep,
    dashboard: DashboardDep,
    copies: CopiesDep,
    role: Analyst,
    q: Annotated[
        str, Query(max_length=100, pattern=NO_CONTROL, description="Part of a customer id.")
    ] = "",
    segmentation: Annotated[
        str | None,
        Query(max_length=MAX_NAME, pattern=NO_CONTROL, description="Filter: segmentation name."),
    ] = None,
    segment: Annotated[
        str | None,
        Query(
            max_length=MAX_NAME,
            pattern=NO_CONTROL,
            description="Filter: segment of `segmentation`.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        Query(
            max_length=MAX_DATE,
            pattern=NO_CONTROL,
            description="Date of the segment filter (needs `segmentation` and `segment`); default: the latest stored.",
        ),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """Customers whose id contains ``q``, optionally only one segment's members.

    ``as_of`` dates the segment filter only, so it needs ``segmentation`` and ``segment``.
    A segment's members without ``q`` are paged from the dashboard's cached id list."""
    day = check_segment_filter(segmentation, segment, as_of)
    version = None
    if segmentation is not None and segment is not None:
        day = dashboard.resolve(mart, dashboard.check(mart, segmentation), day)
        version = dashboard.version(mart, segmentation, day)
        dashboard.check_segment(mart, segmentation, segment, day)
        if not q:
            ids = dashboard.member_ids(mart, segmentation, segment, day, version)
            members = customers_by_id(mart, ids[offset : offset + limit], copies)
            rows = [CustomerRow.model_validate(r) for r in members]
            return json_response(
                CustomerList(data=rows, count=len(ids), limit=limit, offset=offset)
            )
    page, total = search(
        mart,
        q,
        segmentation=segmentation,
        segment=segment,
        as_of=day,
        version=version,
        limit=limit,
        offset=offset,
    )
    rows = [CustomerRow.model_validate(r) for r in records(page)]
    return json_response(CustomerList(data=rows, count=total, limit=limit, offset=offset))


@router.get("/{customer_id:anytext}", response_model=Customer360Out)
def customer(
    customer_id: Annotated[str, Path(min_length=1, max_length=MAX_NAME, pattern=NO_CONTROL)],
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    copies: CopiesDep,
    role: Analyst,
    currency: CurrencyDep,
) -> Response:
    """Profile, features, segment history, scores, recent orders and events, consents;
    personal data for admins only (each such read is recorded in the audit trail)."""
    dates = dashboard.feature_dates(mart)
    pii, hidden = shows_pii(request, role, customer_id, "customer_360")
    view = customer_360(mart, customer_id, pii, dates, copies)
    if hidden:
        view.notes.append(hidden)
    found = Customer360Out.model_validate(view, from_attributes=True)
    return json_response(found.model_copy(update={"currency": currency}))
