"""Customer 360 pages: search and one customer's view (analysts; admins also see PII)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from segmint.api.audit import shows_pii
from segmint.api.auth import Role
from segmint.api.deps import CopiesDep, DashboardDep, MartDep
from segmint.api.params import MAX_NAME, NO_CONTROL
from segmint.api.render import page, page_require
from segmint.views.customer_view import customer_360
from segmint.views.customers import search
from segmint.views.formatting import left_out
from segmint.views.recommendations import customer_list

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
OPTIONAL = {"country": "Country", "region": "Region", "acquisition_channel": "Acquired via"}
"""Columns of the customer list shown when some customer has them recorded (key → heading)."""
PAGE_SEARCH = "on the Customers page (/customers)."
"""Where a reader of the pages finds customer ids (not the API's search)."""


@router.get("/customers")
def customers_page(
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    q: Annotated[str, Query(max_length=100, pattern=NO_CONTROL)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    """Search customers by id. The optional columns are those some customer has recorded,
    the same on every page (a column is not left out because 25 customers lack it)."""
    role = page_require(request, Role.analyst)
    rows, total = search(mart, q, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    found = dashboard.customer_columns(mart, tuple(OPTIONAL))
    return page(
        request,
        "customers.html",
        "customers",
        role,
        q=q,
        rows=rows.to_dict("records"),
        total=total,
        page_no=page_no,
        pages=max(1, -(-total // PAGE_SIZE)),
        columns={key: heading for key, heading in OPTIONAL.items() if key in found},
        why=left_out([key for key in OPTIONAL if key not in found], "customer", where=""),
    )


@router.get("/customers/{customer_id:anytext}")
def customer_page(
    request: Request,
    customer_id: Annotated[str, Path(min_length=1, max_length=MAX_NAME, pattern=NO_CONTROL)],
    mart: MartDep,
    dashboard: DashboardDep,
    copies: CopiesDep,
) -> Response:
    """One customer's 360° view with their recommended products and why (an admin's read of
    personal data is audited). The id is the rest of the path: ids from users' files may
    hold ``/``, which the pages' links send encoded (``AB%2F123``) and servers decode."""
    role = page_require(request, Role.analyst)
    dates = dashboard.feature_dates(mart)
    pii, hidden = shows_pii(request, role, customer_id, "customer_360")
    view = customer_360(mart, customer_id, pii, dates, copies, search=PAGE_SEARCH)
    if hidden:
        view.notes.append(hidden)
    recommended = customer_list(mart, customer_id)
    kinds = dashboard.kinds(mart)
    return page(
        request, "customer.html", "customers", role, view=view, recommended=recommended, kinds=kinds
    )
