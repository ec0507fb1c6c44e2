"""Rendering pages: the Jinja2 templates of :mod:`segmint.views`, the page role from the session.

Pages share one layout (navigation, the user's role, log out with the session's CSRF
secret). A page request without an open login session (see :mod:`segmint.api.sessions`)
is redirected to the login form; one the role may not see gets a 403 page saying which
role it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import plotly
from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from segmint.api.auth import forbidden_message, session_role
from segmint.exceptions import EmptyMartError
from segmint.mart.token_terms import Role
from segmint.views.dashboard import NoOrdersError, NothingSegmentedError
from segmint.views.formatting import TEMPLATES, install

PLOTLY_PATH = f"/static/plotly-{plotly.__version__}.min.js"
"""Where pages load plotly.js from: versioned, so it can be cached for a year."""


NAV = (
    ("overview", "/", "Overview"),
    ("segments", "/segments", "Segments"),
    ("rfm", "/rfm", "RFM grid"),
    ("migration", "/migration", "Migration"),
    ("value", "/value", "Value & risk"),
    ("campaigns", "/campaigns", "Campaigns"),
    ("channels", "/sales/channels", "Channel sales"),
    ("segment-sales", "/sales/segments", "Segment sales"),
    ("baskets", "/baskets", "Baskets"),
    ("customers", "/customers", "Customers"),
)


templates = Jinja2Templates(directory=str(TEMPLATES))
install(templates.env)
templates.env.globals.update(nav=NAV, plotly_path=PLOTLY_PATH)


def page_role(request: Request) -> Role:
    """The role of the logged-in user; 401 (a redirect to the login form) when not logged in,
    or when the token the session was opened with expired or was revoked."""
    found = session_role(request)
    if found is None:
        raise HTTPException(401, "please log in")
    request.state.session, request.state.role = found
    return found[1]


def page_require(request: Request, needed: Role) -> Role:
    """The user's role, or 403 when it may not see what ``needed`` sees."""
    role = page_role(request)
    if not role.allows(needed):
        raise HTTPException(403, forbidden_message(role, needed))
    return role


def page(request: Request, template: str, active: str, role: Role, **context: Any) -> Response:
    """Render ``template`` inside the layout."""
    return templates.TemplateResponse(
        request,
        template,
        {
            "active": active,
            "role": role.value,
            "can": _abilities(role),
            "csrf": _csrf(request),
            "currency": page_currency(request),
            **context,
        },
    )


def page_currency(request: Request) -> str | None:
    """The shop's currency, which the pages' ``money`` filters mark amounts with (None in an
    application without a mart, or when none is set)."""
    state = request.app.state
    dashboard = getattr(state, "dashboard", None)
    pool = getattr(state, "pool", None)
    if dashboard is None or pool is None:
        return None
    found: str | None = dashboard.currency(pool.lease)
    return found


@dataclass(frozen=True)
class PageHead:
    """A page's tab in the navigation, its heading, and what it shows once a segmentation
    is stored: what its notices are rendered with.

    A route declares its head as a dependency (``dependencies=[Depends(HEAD)]``), which marks
    the request; when the route then raises :class:`~segmint.exceptions.EmptyMartError`
    (no orders, nothing segmented), the application answers with :func:`notice_page`.
    """

    active: str
    heading: str
    shows: str = ""

    async def __call__(self, request: Request) -> None:
        """Mark ``request`` as one of this page (a coroutine: FastAPI would run a plain
        function in its thread pool, a hop that cost about 0.3 ms of CPU per page)."""
        request.state.head = self


def notice_page(request: Request, exc: EmptyMartError) -> Response | None:
    """A page's notice that the mart does not hold yet what it reads: a 200, not an error,
    as the mart is new and the page will show its figures once that is loaded or stored.

    Without orders, the command that loads them (:data:`~segmint.views.dashboard.NO_ORDERS`):
    no date or option of the page's own can stand in for them. Before any segmentation is
    stored, what to run and a link back to the overview. None when the request is not of a
    page that declared its :class:`PageHead` (the API, and pages without notices), whose
    answer is then the error's own.
    """
    head: PageHead | None = getattr(request.state, "head", None)
    role: Role | None = getattr(request.state, "role", None)
    if head is None or role is None:
        return None
    if isinstance(exc, NoOrdersError):
        return page(
            request, "no_orders.html", head.active, role, heading=head.heading, empty=str(exc)
        )
    if isinstance(exc, NothingSegmentedError):
        return page(
            request,
            "unsegmented.html",
            head.active,
            role,
            heading=head.heading,
            shows=head.shows,
            empty=str(exc),
        )
    return None


def _csrf(request: Request) -> str:
    """The CSRF secret of the request's session, for the layout's logout form."""
    session = getattr(request.state, "session", None)
    return "" if session is None else str(session.csrf)


def _abilities(role: Role) -> dict[str, bool]:
    return {"customers": role.allows(Role.analyst), "pii": role.allows(Role.admin)}


NO_ROUTE = "Not Found"
"""Starlette's whole message for a path no route serves."""


def error_page(request: Request, status: int, message: str) -> Response:
    """An error page; a 401 sends the user to the login form and back afterwards. A path no
    page serves says so, rather than "Not found" twice."""
    if status == 404 and message == NO_ROUTE:
        message = f"There is no page at {request.url.path}."
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    role: Role | None = getattr(request.state, "role", None)
    if role is None:
        found = session_role(request)
        if found is not None:
            request.state.session, role = found
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "active": "",
            "role": role.value if role else None,
            "can": _abilities(role) if role else {},
            "csrf": _csrf(request),
            "status": status,
            "message": message,
        },
        status_code=status,
    )
